//! The stage, with auto-deploy, tagged as owned; its default throttle (default route settings),
//! the APIs' own throttles (route settings) and its access log.
//!
//! An update sends only what differs from the observed stage: one `UpdateStage` for what is set,
//! then `DeleteRouteSettings` for each route whose own throttle is no longer wanted and
//! `DeleteAccessLogSettings` when the access log is turned off. Each call after the first takes
//! its own token from the account's budget.
//!
//! A default throttle turned off has no delete call: it is sent as default route settings
//! without a throttle, and if AWS keeps the old one (an update may leave out fields it then
//! keeps), `apply` fails with the way out rather than plan the same update in every run.

use super::{Context, change_id, create_once, gone_is_done, parent_api};
use crate::protection::{OFF, route_throttle_entries};
use crate::resources::{stage_resource, wanted_route_throttles};
use aws_calls::AwsResultExt;
use aws_sdk_apigatewayv2::types::{AccessLogSettings, RouteSettings};
use gw_core::{AccessLog, Action, Change, DesiredGateway, ProviderError, Resource, Throttle, attr};
use std::collections::HashMap;

pub(super) async fn apply(ctx: &mut Context<'_>, change: &Change) -> Result<(), ProviderError> {
    match change.action {
        Action::Delete => {
            let deleted = ctx
                .client
                .delete_stage()
                .api_id(parent_api(change)?)
                .stage_name(change_id(change, "the resource to delete")?)
                .send()
                .await
                .map(|_| ())
                .aws("DeleteStage");
            gone_is_done(deleted)
        }
        Action::Create => create(ctx, change).await,
        // No attribute of a stage is fixed: a replace is an update.
        Action::Update | Action::Replace => update(ctx, change).await,
    }
}

/// Route settings that throttle, and nothing else.
fn throttling(throttle: &Throttle) -> RouteSettings {
    RouteSettings::builder()
        .throttling_rate_limit(f64::from(throttle.rate))
        .throttling_burst_limit(i32::try_from(throttle.burst).unwrap_or(i32::MAX))
        .build()
}

/// Default route settings without a throttle: what AWS holds for a stage made without one.
fn unthrottled() -> RouteSettings {
    RouteSettings::builder()
        .detailed_metrics_enabled(false)
        .build()
}

fn access_log_settings(log: &AccessLog) -> AccessLogSettings {
    AccessLogSettings::builder()
        .destination_arn(&log.destination_arn)
        .format(&log.format)
        .build()
}

async fn create(ctx: &Context<'_>, change: &Change) -> Result<(), ProviderError> {
    let desired = ctx.desired(change)?;
    let protection = &desired.protection;
    let route_settings: HashMap<String, RouteSettings> = wanted_route_throttles(desired)
        .iter()
        .map(|(key, throttle)| (key.clone(), throttling(throttle)))
        .collect();
    ctx.client
        .create_stage()
        .api_id(ctx.api_id()?)
        .stage_name(&change.name)
        .auto_deploy(true)
        .set_default_route_settings(protection.throttle.as_ref().map(throttling))
        .set_route_settings(Some(route_settings).filter(|settings| !settings.is_empty()))
        .set_access_log_settings(protection.access_log.as_ref().map(access_log_settings))
        .set_tags(Some(ctx.owner.tags().into_iter().collect()))
        .customize()
        .config_override(create_once())
        .send()
        .await
        .aws("CreateStage")?;
    Ok(())
}

/// What an update of a stage changes, against its observation.
struct StageChanges {
    /// `Some` when the default throttle changes: the new default route settings.
    default_route_settings: Option<RouteSettings>,
    /// Route keys whose own throttle is new or changed.
    route_settings: HashMap<String, RouteSettings>,
    /// Route keys that had a throttle of their own and no longer do.
    removed_route_settings: Vec<String>,
    /// `Some(Some)` to set the access log, `Some(None)` to turn it off.
    access_log: Option<Option<AccessLogSettings>>,
}

impl StageChanges {
    /// What differs between `desired` and `observed` (everything when the stage was not
    /// observed, which a plan made from an observation does not do).
    fn between(desired: &DesiredGateway, observed: Option<&Resource>) -> Self {
        let want = stage_resource(desired);
        let have = |key| observed.and_then(|stage| stage.attribute(key));
        let differs = |key| have(key) != want.attribute(key);
        let protection = &desired.protection;
        let default_route_settings = differs(attr::THROTTLE).then(|| {
            protection
                .throttle
                .as_ref()
                .map_or_else(unthrottled, throttling)
        });
        let observed_throttles: HashMap<&str, &str> =
            route_throttle_entries(have(attr::ROUTE_THROTTLES).unwrap_or(OFF))
                .into_iter()
                .collect();
        let wanted = wanted_route_throttles(desired);
        let route_settings = wanted
            .iter()
            .filter(|(key, throttle)| {
                observed_throttles.get(key.as_str()).copied() != Some(throttle.to_string().as_str())
            })
            .map(|(key, throttle)| (key.clone(), throttling(throttle)))
            .collect();
        let mut removed_route_settings: Vec<String> = observed_throttles
            .keys()
            .filter(|key| !wanted.iter().any(|(wanted, _)| wanted == *key))
            .map(|key| key.to_string())
            .collect();
        removed_route_settings.sort();
        let access_log = differs(attr::ACCESS_LOG)
            .then(|| protection.access_log.as_ref().map(access_log_settings));
        StageChanges {
            default_route_settings,
            route_settings,
            removed_route_settings,
            access_log,
        }
    }

    /// Whether `UpdateStage` has something to set; also when nothing at all differs, so that
    /// a planned update always reaches AWS (auto-deploy, at least).
    fn sets_anything(&self) -> bool {
        self.default_route_settings.is_some()
            || !self.route_settings.is_empty()
            || matches!(self.access_log, Some(Some(_)))
            || (self.removed_route_settings.is_empty() && self.access_log.is_none())
    }
}

async fn update(ctx: &Context<'_>, change: &Change) -> Result<(), ProviderError> {
    let desired = ctx.desired(change)?;
    let api_id = ctx.api_id()?;
    let stage = change.name.as_str();
    let changes = StageChanges::between(desired, ctx.stages.get(stage));
    let access_log_off = matches!(changes.access_log, Some(None));
    // The change's own token pays for the first call; each further call takes one.
    let mut first = true;
    let mut budget = |operation: &'static str| {
        let pay = !first;
        first = false;
        async move {
            if pay {
                ctx.quotas.acquire(operation).await;
            }
        }
    };
    let removed_route_settings = changes.removed_route_settings.clone();
    if changes.sets_anything() {
        budget("UpdateStage").await;
        set(ctx, api_id, stage, changes).await?;
    }
    for route_key in &removed_route_settings {
        budget("DeleteRouteSettings").await;
        let deleted = ctx
            .client
            .delete_route_settings()
            .api_id(api_id)
            .stage_name(stage)
            .route_key(route_key)
            .send()
            .await
            .map(|_| ())
            .aws("DeleteRouteSettings");
        gone_is_done(deleted)?;
    }
    if access_log_off {
        budget("DeleteAccessLogSettings").await;
        let deleted = ctx
            .client
            .delete_access_log_settings()
            .api_id(api_id)
            .stage_name(stage)
            .send()
            .await
            .map(|_| ())
            .aws("DeleteAccessLogSettings");
        gone_is_done(deleted)?;
    }
    Ok(())
}

/// One `UpdateStage` with what `changes` sets. A default throttle to remove is sent as default
/// route settings without one; when AWS answers with the throttle still there (it keeps
/// fields an update leaves out), that is said with the way out instead of planning the same
/// update in every run.
async fn set(
    ctx: &Context<'_>,
    api_id: &str,
    stage: &str,
    changes: StageChanges,
) -> Result<(), ProviderError> {
    let clears_throttle = changes
        .default_route_settings
        .as_ref()
        .is_some_and(|s| s.throttling_rate_limit().is_none());
    let route_settings = Some(changes.route_settings).filter(|s| !s.is_empty());
    let updated = ctx
        .client
        .update_stage()
        .api_id(api_id)
        .stage_name(stage)
        .auto_deploy(true)
        .set_default_route_settings(changes.default_route_settings)
        .set_route_settings(route_settings)
        .set_access_log_settings(changes.access_log.flatten())
        .send()
        .await
        .aws("UpdateStage")?;
    let kept = updated.default_route_settings().and_then(|s| {
        let rate = s.throttling_rate_limit()?;
        Some((rate, s.throttling_burst_limit()))
    });
    match kept {
        Some((rate, burst)) if clears_throttle => Err(ProviderError::Failed(format!(
            "stage {stage} keeps its default throttle (rate {rate}, burst {}): AWS cannot remove \
             it from an HTTP API's stage in place. Keep a `gateway.throttle`, or run \
             `cortex-net down`, then `cortex-net up` to recreate the stage without one",
            burst.map_or_else(|| "unset".to_string(), |b| b.to_string())
        ))),
        _ => Ok(()),
    }
}
