//! API keys and usage plans. Keys are created (sent once) before the rollout; a key whose
//! configured value changed is replaced: the new key joins every plan of the old one before the
//! old one goes. Usage plans are created and updated in the rollout, after the stage they name
//! exists (AWS refuses a plan naming a missing stage), and deleted first, after letting go of
//! their stages (AWS refuses to delete a stage still in a plan).

use super::ids::Ids;
use super::{Context, create_once, deleted_id, required};
use crate::keys::{attach, create_key, delete_key, replace_key};
use crate::observe::keys::{API_STAGE_IDS, KEY_IDS};
use crate::protection::OFF;
use aws_calls::AwsResultExt;
use aws_sdk_apigateway::types::{
    ApiStage, Op, PatchOperation, QuotaPeriodType, QuotaSettings, ThrottleSettings,
};
use gw_core::{Action, Change, DesiredGateway, ProviderError, ResourceKind, UsagePlanSpec, attr};
use std::collections::BTreeSet;

pub(super) async fn upsert_key(
    ctx: &Context<'_>,
    desired: &DesiredGateway,
    change: &Change,
    ids: &mut Ids,
) -> Result<(), ProviderError> {
    let spec = desired
        .protection
        .api_keys
        .iter()
        .find(|k| k.name == change.name)
        .ok_or_else(|| ProviderError::Unexpected(format!("no API key {} desired", change.name)))?;
    let value = spec.value.as_ref();
    let id = match change.action {
        Action::Create => create_key(ctx.client, ctx.owner, &spec.name, value).await?,
        Action::Replace => {
            let old = required(&change.id, "the API key to replace")?;
            let observed = ctx.observed.find_id(ResourceKind::ApiKey, old);
            if observed.is_some_and(|k| k.resource.attribute(attr::VALUE).is_none()) {
                // Observed without values: the difference is not known to be real.
                return Err(ProviderError::Unsettled {
                    operation: "GetApiKeys",
                    message: format!("API key {} was read without its value", spec.name),
                });
            }
            replace_key(ctx.client, ctx.owner, old, &spec.name, value).await?
        }
        // Nothing of a key changes in place: its only compared attribute is its value.
        Action::Update | Action::Delete => return Ok(()),
    };
    ids.keys.insert(spec.name.clone(), id);
    Ok(())
}

pub(super) async fn delete_key_change(
    ctx: &Context<'_>,
    change: &Change,
) -> Result<(), ProviderError> {
    delete_key(ctx.client, deleted_id(change)?).await
}

fn plan_spec<'a>(
    desired: &'a DesiredGateway,
    name: &str,
) -> Result<&'a UsagePlanSpec, ProviderError> {
    desired
        .protection
        .usage_plans
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| ProviderError::Unexpected(format!("no usage plan {name} desired")))
}

/// The ids of the desired keys of a plan (observed, or created in this run).
fn key_ids(spec: &UsagePlanSpec, ids: &Ids) -> Result<BTreeSet<String>, ProviderError> {
    spec.keys
        .iter()
        .map(|name| {
            ids.keys.get(name).cloned().ok_or_else(|| {
                ProviderError::Unexpected(format!("no id known for the API key {name}"))
            })
        })
        .collect()
}

pub(super) async fn upsert_plan(
    ctx: &Context<'_>,
    desired: &DesiredGateway,
    change: &Change,
    ids: &mut Ids,
) -> Result<(), ProviderError> {
    let spec = plan_spec(desired, &change.name)?;
    let api_id = ids.api()?;
    let keys = key_ids(spec, ids)?;
    let (plan_id, had_keys) = if change.action == Action::Create {
        (
            create_plan(ctx, desired, spec, &api_id).await?,
            BTreeSet::new(),
        )
    } else {
        let plan_id = required(&change.id, "the usage plan")?.to_string();
        let observed = ctx.observed.find_id(ResourceKind::UsagePlan, &plan_id);
        let text = |key| {
            observed
                .and_then(|p| p.resource.attribute(key))
                .unwrap_or_default()
        };
        let stage = format!("{api_id}:{}", desired.stage);
        let ops = plan_patch(
            spec,
            &stage,
            text(API_STAGE_IDS),
            text(attr::THROTTLE),
            text(attr::QUOTA),
        );
        update_plan(ctx, &plan_id, ops).await?;
        let had = text(KEY_IDS)
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        (plan_id, had)
    };
    for key in keys.difference(&had_keys) {
        attach(ctx.client, &plan_id, key).await?;
    }
    for key in had_keys.difference(&keys) {
        let detached = ctx
            .client
            .delete_usage_plan_key()
            .usage_plan_id(&plan_id)
            .key_id(key)
            .send()
            .await
            .aws("DeleteUsagePlanKey");
        super::gone_is_done(detached)?;
    }
    Ok(())
}

/// Sends a plan's patch. Stages it lets go of go first, on their own: one that is already gone
/// (its API deleted elsewhere) is refused as not found, which leaves nothing to release.
async fn update_plan(
    ctx: &Context<'_>,
    plan_id: &str,
    ops: Vec<PatchOperation>,
) -> Result<(), ProviderError> {
    let (releases, rest): (Vec<PatchOperation>, Vec<PatchOperation>) = ops
        .into_iter()
        .partition(|op| op.op() == Some(&Op::Remove) && op.path() == Some("/apiStages"));
    for release in releases {
        let released = ctx
            .client
            .update_usage_plan()
            .usage_plan_id(plan_id)
            .patch_operations(release)
            .send()
            .await
            .aws("UpdateUsagePlan");
        super::gone_is_done(released)?;
    }
    if rest.is_empty() {
        return Ok(());
    }
    ctx.client
        .update_usage_plan()
        .usage_plan_id(plan_id)
        .set_patch_operations(Some(rest))
        .send()
        .await
        .aws("UpdateUsagePlan")?;
    Ok(())
}

async fn create_plan(
    ctx: &Context<'_>,
    desired: &DesiredGateway,
    spec: &UsagePlanSpec,
    api_id: &str,
) -> Result<String, ProviderError> {
    let created = ctx
        .client
        .create_usage_plan()
        .name(&spec.name)
        .api_stages(
            ApiStage::builder()
                .api_id(api_id)
                .stage(&desired.stage)
                .build(),
        )
        .set_throttle(spec.throttle.map(|t| {
            ThrottleSettings::builder()
                .rate_limit(f64::from(t.rate))
                .burst_limit(i32::try_from(t.burst).unwrap_or(i32::MAX))
                .build()
        }))
        .set_quota(spec.quota.map(|q| {
            QuotaSettings::builder()
                .limit(i32::try_from(q.limit).unwrap_or(i32::MAX))
                .period(QuotaPeriodType::from(q.period.aws()))
                .build()
        }))
        .set_tags(Some(ctx.owner.tags().into_iter().collect()))
        .customize()
        .config_override(create_once())
        .send()
        .await
        .aws("CreateUsagePlan")?;
    created
        .id()
        .map(str::to_string)
        .ok_or_else(|| ProviderError::Unexpected("CreateUsagePlan returned no id".into()))
}

fn patch(op: Op, path: &str, value: Option<String>) -> PatchOperation {
    PatchOperation::builder()
        .op(op)
        .path(path)
        .set_value(value)
        .build()
}

/// `add` where nothing was set, `replace` where something was.
fn set_op(was_off: bool) -> Op {
    if was_off { Op::Add } else { Op::Replace }
}

/// The patch operations bringing a plan's stages (`<api id>:<stage>`), throttle and quota to
/// the desired ones.
pub(crate) fn plan_patch(
    spec: &UsagePlanSpec,
    stage: &str,
    had_stages: &str,
    had_throttle: &str,
    had_quota: &str,
) -> Vec<PatchOperation> {
    let mut ops = Vec::new();
    let had: Vec<&str> = had_stages.split(',').filter(|s| !s.is_empty()).collect();
    if !had.contains(&stage) {
        ops.push(patch(Op::Add, "/apiStages", Some(stage.to_string())));
    }
    for old in had.iter().filter(|s| **s != stage) {
        ops.push(patch(Op::Remove, "/apiStages", Some((*old).to_string())));
    }
    if crate::protection::throttle_text(spec.throttle) != had_throttle {
        match spec.throttle {
            Some(t) => {
                let op = set_op(had_throttle == OFF);
                ops.push(patch(
                    op.clone(),
                    "/throttle/rateLimit",
                    Some(t.rate.to_string()),
                ));
                ops.push(patch(op, "/throttle/burstLimit", Some(t.burst.to_string())));
            }
            None => ops.push(patch(Op::Remove, "/throttle", None)),
        }
    }
    let quota = spec
        .quota
        .map_or_else(|| OFF.to_string(), |q| q.to_string());
    if quota != had_quota {
        match spec.quota {
            Some(q) => {
                let op = set_op(had_quota == OFF);
                ops.push(patch(op.clone(), "/quota/limit", Some(q.limit.to_string())));
                ops.push(patch(op, "/quota/period", Some(q.period.aws().to_string())));
            }
            None => ops.push(patch(Op::Remove, "/quota", None)),
        }
    }
    ops
}

/// Lets go of the plan's stages, then deletes it; what is already gone counts as done.
pub(super) async fn delete_plan(ctx: &Context<'_>, change: &Change) -> Result<(), ProviderError> {
    let plan_id = deleted_id(change)?;
    let stages = ctx
        .observed
        .find_id(ResourceKind::UsagePlan, plan_id)
        .and_then(|p| p.resource.attribute(API_STAGE_IDS))
        .unwrap_or_default();
    let ops: Vec<PatchOperation> = stages
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|stage| patch(Op::Remove, "/apiStages", Some(stage.to_string())))
        .collect();
    if !ops.is_empty() {
        let released = ctx
            .client
            .update_usage_plan()
            .usage_plan_id(plan_id)
            .set_patch_operations(Some(ops))
            .send()
            .await
            .aws("UpdateUsagePlan");
        super::gone_is_done(released)?;
    }
    let deleted = ctx
        .client
        .delete_usage_plan()
        .usage_plan_id(plan_id)
        .send()
        .await
        .aws("DeleteUsagePlan");
    super::gone_is_done(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gw_core::{Quota, QuotaPeriod, Throttle};

    fn spec(throttle: Option<Throttle>, quota: Option<Quota>) -> UsagePlanSpec {
        UsagePlanSpec {
            name: "partners".into(),
            throttle,
            quota,
            keys: vec![],
        }
    }

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

    #[test]
    fn a_converged_plan_needs_no_patch() {
        let t = Throttle {
            rate: 10,
            burst: 20,
        };
        let q = Quota {
            limit: 1000,
            period: QuotaPeriod::Month,
        };
        let ops = plan_patch(
            &spec(Some(t), Some(q)),
            "a1:dev",
            "a1:dev",
            &t.to_string(),
            &q.to_string(),
        );
        assert!(ops.is_empty());
    }

    #[test]
    fn a_plan_moves_to_the_stage_and_sets_or_removes_limits() {
        let t = Throttle { rate: 5, burst: 8 };
        let ops = plan_patch(
            &spec(Some(t), None),
            "a1:prod",
            "a1:dev",
            OFF,
            "limit=1 period=DAY",
        );
        assert_eq!(
            text(&ops),
            vec![
                "add /apiStages a1:prod",
                "remove /apiStages a1:dev",
                "add /throttle/rateLimit 5",
                "add /throttle/burstLimit 8",
                "remove /quota",
            ]
        );
        let ops = plan_patch(
            &spec(Some(t), None),
            "a1:prod",
            "a1:prod",
            "rate=10 burst=20",
            OFF,
        );
        assert_eq!(
            text(&ops),
            vec![
                "replace /throttle/rateLimit 5",
                "replace /throttle/burstLimit 8"
            ]
        );
    }
}
