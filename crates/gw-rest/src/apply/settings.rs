//! The stage's protection settings as `UpdateStage` patch operations: the stage-wide throttle
//! (method settings `*/*`), per-API throttles (method settings of each `ANY` method), the
//! access log; and the check of the account's CloudWatch Logs role that access logs need.
//! Only what differs from what AWS holds is patched.

use super::Context;
use crate::protection::{OFF, desired_route_throttles, parse_route_throttles, settings_key};
use aws_calls::AwsResultExt;
use aws_sdk_apigateway::types::{Op, PatchOperation};
use gw_core::{
    Action, DesiredGateway, Plan, ProviderError, Resource, ResourceKind, Throttle, attr,
};

fn patch(op: Op, path: impl Into<String>, value: Option<String>) -> PatchOperation {
    PatchOperation::builder()
        .op(op)
        .path(path)
        .set_value(value)
        .build()
}

/// Sets the throttle of one method path (`*/*` for the whole stage), or removes the method's
/// setting: AWS removes a method setting as a whole (`remove /~1iris/ANY`, `remove /*/*`),
/// after which the method inherits the stage's (or the account's) throttle again. Only
/// cortex-net writes the stage's method settings, and only their throttles.
///
/// The path is AWS's: a patch path is a JSON Pointer into the stage, a `/` inside a name
/// escaped as `~1` (Patch Operations, <https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html>;
/// `UpdateStage`, <https://docs.aws.amazon.com/cli/latest/reference/apigateway/update-stage.html>),
/// and `methodSettings` is keyed `{resourcePath}/{httpMethod}`, so `remove` of that key takes
/// the method's entry out whole. LocalStack 4.13.1 refuses any such path but `/*/*` ("Invalid
/// method setting path"); the e2e proxy does what AWS does (`tests/e2e/support/stage_rules.py`).
fn throttle_ops(settings_path: &str, throttle: Option<Throttle>) -> Vec<PatchOperation> {
    let Some(t) = throttle else {
        return vec![patch(Op::Remove, format!("/{settings_path}"), None)];
    };
    vec![
        patch(
            Op::Replace,
            format!("/{settings_path}/throttling/rateLimit"),
            Some(t.rate.to_string()),
        ),
        patch(
            Op::Replace,
            format!("/{settings_path}/throttling/burstLimit"),
            Some(t.burst.to_string()),
        ),
    ]
}

/// The patch operations that bring a stage's settings (`observed`: `None` for a stage just
/// created, which has none) to the desired ones.
pub(crate) fn stage_patch(
    desired: &DesiredGateway,
    observed: Option<&Resource>,
) -> Vec<PatchOperation> {
    let have = |key| observed.and_then(|r| r.attribute(key)).unwrap_or(OFF);
    let want = crate::protection::stage_resource(desired);
    let differs = |key| want.attribute(key).unwrap_or(OFF) != have(key);
    let mut ops = Vec::new();
    if differs(attr::THROTTLE) {
        ops.extend(throttle_ops("*/*", desired.protection.throttle));
    }
    if differs(attr::ROUTE_THROTTLES) {
        let wanted = desired_route_throttles(desired);
        let had = parse_route_throttles(have(attr::ROUTE_THROTTLES));
        for (path, throttle) in &wanted {
            if had.get(path) != Some(&throttle.to_string()) {
                ops.extend(throttle_ops(&settings_key(path), Some(*throttle)));
            }
        }
        for path in had.keys().filter(|p| !wanted.contains_key(*p)) {
            ops.extend(throttle_ops(&settings_key(path), None));
        }
    }
    if differs(attr::ACCESS_LOG) {
        match &desired.protection.access_log {
            Some(log) => {
                ops.push(patch(
                    Op::Replace,
                    "/accessLogSettings/destinationArn",
                    Some(log.destination_arn.clone()),
                ));
                ops.push(patch(
                    Op::Replace,
                    "/accessLogSettings/format",
                    Some(log.format.clone()),
                ));
            }
            None => ops.push(patch(Op::Remove, "/accessLogSettings", None)),
        }
    }
    ops
}

/// Whether the plan turns an access log on: a stage created or updated while the desired
/// gateway logs and the stage, as observed, does not.
pub(crate) fn turns_on_access_log(ctx: &Context<'_>, plan: &Plan) -> bool {
    let Some(desired) = ctx.desired else {
        return false;
    };
    if desired.protection.access_log.is_none() {
        return false;
    }
    plan.changes.iter().any(|change| {
        change.kind == ResourceKind::Stage
            && change.action != Action::Delete
            && change
                .id
                .as_deref()
                .and_then(|id| {
                    let parent = change.parent.as_deref()?;
                    ctx.observed
                        .children(parent, ResourceKind::Stage)
                        .find(|s| s.id == id)
                })
                .and_then(|s| s.resource.attribute(attr::ACCESS_LOG))
                .is_none_or(|log| log == OFF)
    })
}

/// Access logs need API Gateway's account-wide CloudWatch Logs role. cortex-net does not set
/// an account-wide setting: without the role it stops before any write and says how to set it.
pub(crate) async fn check_cloudwatch_role(ctx: &Context<'_>) -> Result<(), ProviderError> {
    let account = ctx.client.get_account().send().await.aws("GetAccount")?;
    if account
        .cloudwatch_role_arn()
        .is_some_and(|arn| !arn.is_empty())
    {
        return Ok(());
    }
    Err(ProviderError::Failed(
        "access logs need API Gateway's account-wide CloudWatch Logs role, and this account and \
         region have none (GetAccount: cloudwatchRoleArn is empty). cortex-net does not change \
         this account-wide setting. Create an IAM role trusting apigateway.amazonaws.com with the \
         managed policy AmazonAPIGatewayPushToCloudWatchLogs, then set it: `aws apigateway \
         update-account --patch-operations \
         op=replace,path=/cloudwatchRoleArn,value=arn:aws:iam::<account>:role/<role>` (AWS allows \
         one UpdateAccount call per 20 s), and run cortex-net again"
            .to_string(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gw_core::testing::desired;
    use gw_core::{GatewayKind, RouteProtection};

    fn text(ops: &[PatchOperation]) -> Vec<String> {
        ops.iter()
            .map(|op| {
                format!(
                    "{} {} {}",
                    op.op().map(|o| o.as_str()).unwrap_or_default(),
                    op.path().unwrap_or_default(),
                    op.value().unwrap_or_default()
                )
                .trim_end()
                .to_string()
            })
            .collect()
    }

    fn iris_throttled(rate: u32, burst: u32) -> RouteProtection {
        RouteProtection {
            throttle: Some(Throttle { rate, burst }),
            ..Default::default()
        }
    }

    #[test]
    fn a_new_stage_gets_every_setting() {
        let gateway = desired(GatewayKind::Rest)
            .apis(&[("iris", "/iris")])
            .throttle(100, 200)
            .route_protection("iris", iris_throttled(5, 10))
            .access_log("arn:aws:logs:us-west-2:1:log-group:g")
            .build();
        assert_eq!(
            text(&stage_patch(&gateway, None)),
            vec![
                "replace /*/*/throttling/rateLimit 100",
                "replace /*/*/throttling/burstLimit 200",
                "replace /~1iris/ANY/throttling/rateLimit 5",
                "replace /~1iris/ANY/throttling/burstLimit 10",
                "replace /~1iris~1{proxy+}/ANY/throttling/rateLimit 5",
                "replace /~1iris~1{proxy+}/ANY/throttling/burstLimit 10",
                "replace /accessLogSettings/destinationArn arn:aws:logs:us-west-2:1:log-group:g",
                &format!(
                    "replace /accessLogSettings/format {}",
                    gw_core::ACCESS_LOG_FORMAT
                ),
            ]
        );
        let open = desired(GatewayKind::Rest).build();
        assert!(stage_patch(&open, None).is_empty());
    }

    #[test]
    fn only_what_differs_is_patched_and_what_goes_is_removed() {
        let before = desired(GatewayKind::Rest)
            .apis(&[("iris", "/iris")])
            .throttle(100, 200)
            .route_protection("iris", iris_throttled(5, 10))
            .access_log("arn:aws:logs:us-west-2:1:log-group:g")
            .build();
        let observed = crate::protection::stage_resource(&before);
        assert!(stage_patch(&before, Some(&observed)).is_empty());
        let tighter = desired(GatewayKind::Rest)
            .apis(&[("iris", "/iris")])
            .throttle(50, 100)
            .build();
        let open = desired(GatewayKind::Rest)
            .apis(&[("iris", "/iris")])
            .build();
        let ops = text(&stage_patch(&open, Some(&observed)));
        assert_eq!(ops[0], "remove /*/*");
        assert_eq!(
            text(&stage_patch(&tighter, Some(&observed))),
            vec![
                "replace /*/*/throttling/rateLimit 50",
                "replace /*/*/throttling/burstLimit 100",
                "remove /~1iris/ANY",
                "remove /~1iris~1{proxy+}/ANY",
                "remove /accessLogSettings",
            ]
        );
    }
}
