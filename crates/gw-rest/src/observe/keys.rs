//! The cluster's API keys and usage plans: account-wide in apigateway, ours by their ownership
//! tags (both listings return each item's tags), turned into resources comparable with the
//! desired ones. A key's value is read only when asked (a configured value to compare), and
//! only its digest is kept.

use super::PAGE_SIZE;
use crate::protection::{OFF, api_stage_text, joined, observed_throttle_text};
use aws_calls::AwsResultExt;
use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::types::{ApiKey, UsagePlan, UsagePlanKey};
use futures_util::future::join_all;
use gw_core::{Observed, ObservedResource, Ownership, ProviderError, Resource, ResourceKind, attr};

/// Observed only: a usage plan's stages by id, `<api id>:<stage>`, comma-joined (what
/// removing them from the plan takes).
pub(crate) const API_STAGE_IDS: &str = "api_stage_ids";
/// Observed only: a usage plan's keys, `<key id>` comma-joined.
pub(crate) const KEY_IDS: &str = "key_ids";

/// An owned usage plan with the keys AWS lists in it.
pub(crate) struct FoundPlan {
    pub plan: UsagePlan,
    pub keys: Vec<UsagePlanKey>,
}

/// Every API key carrying both ownership tags; with their values when `values` is set.
pub(crate) async fn owned_keys(
    client: &Client,
    owner: &Ownership,
    values: bool,
) -> Result<Vec<ApiKey>, ProviderError> {
    let listed = client
        .get_api_keys()
        .include_values(values)
        .into_paginator()
        .page_size(PAGE_SIZE)
        .items()
        .send()
        .try_collect()
        .await
        .aws("GetApiKeys")?;
    Ok(listed
        .into_iter()
        .filter(|key| key.tags().is_some_and(|tags| owner.owns(tags)))
        .collect())
}

/// Every usage plan carrying both ownership tags, with its keys (read side by side).
pub(crate) async fn owned_plans(
    client: &Client,
    owner: &Ownership,
) -> Result<Vec<FoundPlan>, ProviderError> {
    let listed = client
        .get_usage_plans()
        .into_paginator()
        .page_size(PAGE_SIZE)
        .items()
        .send()
        .try_collect()
        .await
        .aws("GetUsagePlans")?;
    let owned = listed
        .into_iter()
        .filter(|plan| plan.tags().is_some_and(|tags| owner.owns(tags)));
    let read = owned.map(|plan| async move {
        let keys = match plan.id() {
            None => Vec::new(),
            Some(id) => plan_keys(client, id).await?,
        };
        Ok::<_, ProviderError>(FoundPlan { plan, keys })
    });
    join_all(read).await.into_iter().collect()
}

/// The keys of one usage plan; none when the plan went since it was listed.
pub(crate) async fn plan_keys(
    client: &Client,
    plan_id: &str,
) -> Result<Vec<UsagePlanKey>, ProviderError> {
    let keys = client
        .get_usage_plan_keys()
        .usage_plan_id(plan_id)
        .into_paginator()
        .page_size(PAGE_SIZE)
        .items()
        .send()
        .try_collect()
        .await
        .aws("GetUsagePlanKeys");
    match keys {
        Ok(keys) => Ok(keys),
        Err(e) if e.is_not_found() => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

/// Adds the keys, then the plans, to `observed` (whose APIs and keys name the plans' stages
/// and keys).
pub(crate) fn push_keys_and_plans(keys: &[ApiKey], plans: &[FoundPlan], observed: &mut Observed) {
    for key in keys {
        let (Some(id), Some(name)) = (key.id(), key.name()) else {
            continue;
        };
        let mut resource = Resource::new(ResourceKind::ApiKey, name);
        if let Some(value) = key.value() {
            resource = resource.with(attr::VALUE, gw_core::SecretValue::new(value).digest());
        }
        observed.resources.push(ObservedResource {
            resource,
            id: id.to_string(),
            parent_id: None,
            created_millis: key.created_date().and_then(|d| d.to_millis().ok()),
        });
    }
    let resources: Vec<ObservedResource> = plans
        .iter()
        .filter_map(|found| plan_resource(found, observed))
        .collect();
    observed.resources.extend(resources);
}

/// One usage plan: its stages by API name (a duplicate API as `name (id)`, an API not ours by
/// id), its throttle, quota and keys (by name; a key not ours as `name (id)`).
fn plan_resource(found: &FoundPlan, observed: &Observed) -> Option<ObservedResource> {
    let plan = &found.plan;
    let (id, name) = (plan.id()?, plan.name()?);
    let mut stages = Vec::new();
    let mut stage_ids = Vec::new();
    for stage in plan.api_stages() {
        let (api_id, stage_name) = (
            stage.api_id().unwrap_or_default(),
            stage.stage().unwrap_or_default(),
        );
        let api = observed
            .reference(ResourceKind::Api, api_id)
            .unwrap_or_else(|| format!("{api_id} (not an API of this cluster)"));
        stages.push(api_stage_text(&api, stage_name));
        stage_ids.push(format!("{api_id}:{stage_name}"));
    }
    let keys: Vec<String> = found
        .keys
        .iter()
        .filter_map(|key| {
            let key_id = key.id()?;
            Some(
                observed
                    .reference(ResourceKind::ApiKey, key_id)
                    .unwrap_or_else(|| format!("{} ({key_id})", key.name().unwrap_or_default())),
            )
        })
        .collect();
    let key_ids: Vec<String> = found
        .keys
        .iter()
        .filter_map(|k| k.id().map(str::to_string))
        .collect();
    let throttle = plan.throttle().map_or_else(
        || OFF.to_string(),
        |t| observed_throttle_text(t.rate_limit(), t.burst_limit()),
    );
    let quota = plan.quota().map_or_else(
        || OFF.to_string(),
        |q| {
            let period = q.period().map(|p| p.as_str()).unwrap_or_default();
            format!("limit={} period={period}", q.limit())
        },
    );
    let resource = Resource::new(ResourceKind::UsagePlan, name)
        .with(attr::API_STAGES, joined(stages))
        .with(attr::THROTTLE, throttle)
        .with(attr::QUOTA, quota)
        .with(attr::KEYS, joined(keys))
        .with(API_STAGE_IDS, joined(stage_ids))
        .with(KEY_IDS, joined(key_ids));
    Some(ObservedResource {
        resource,
        id: id.to_string(),
        parent_id: None,
        created_millis: None,
    })
}
