//! The cluster's API keys for `cortex-net keys list|show|rotate`, and the key operations
//! `apply` shares with it: create a tagged key (sent once), find the usage plans holding a key,
//! attach a key to a plan, delete a key. A key's value leaves this module only as a
//! [`SecretValue`], and only from [`ApiKeys::value`]; nothing here logs one.

use crate::observe::keys::owned_keys;
use aws_calls::AwsResultExt;
use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::types::ApiKey;
use gw_core::{AwsError, Ownership, ProviderError, SecretValue};

/// The type of key a usage plan holds (the only one API Gateway has).
const KEY_TYPE: &str = "API_KEY";

/// One of the cluster's API keys, without its value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeyInfo {
    pub name: String,
    pub id: String,
    pub enabled: bool,
    /// When AWS created it, RFC 3339 (empty when AWS does not say).
    pub created: String,
    /// The names of the usage plans holding it, sorted.
    pub usage_plans: Vec<String>,
}

/// The API keys a cluster owns (both ownership tags), over an apigateway client.
pub struct ApiKeys {
    client: Client,
    owner: Ownership,
}

impl ApiKeys {
    pub fn new(client: Client, owner: Ownership) -> Self {
        Self { client, owner }
    }

    /// Every owned key, by name, with the usage plans holding it; no values.
    pub async fn list(&self) -> Result<Vec<KeyInfo>, ProviderError> {
        let mut keys = owned_keys(&self.client, &self.owner, false).await?;
        keys.sort_by_key(|k| (k.name().unwrap_or_default().to_string(), seniority(k)));
        let mut out = Vec::new();
        for key in &keys {
            out.push(self.info(key).await?);
        }
        Ok(out)
    }

    /// The value of the owned key `name` (the oldest, should there be several).
    pub async fn value(&self, name: &str) -> Result<SecretValue, ProviderError> {
        let key = self.find(name).await?;
        let found = self
            .client
            .get_api_key()
            .api_key(key_id(&key)?)
            .include_value(true)
            .send()
            .await
            .aws("GetApiKey")?;
        found.value().map(SecretValue::new).ok_or_else(|| {
            ProviderError::Unexpected(format!("AWS returned API key {name} without its value"))
        })
    }

    /// Replaces the owned key `name` by a new one with a value AWS generates: same name and
    /// tags, in the same usage plans, then the old key deleted (its callers are refused from
    /// then on).
    pub async fn rotate(&self, name: &str) -> Result<KeyInfo, ProviderError> {
        let old = self.find(name).await?;
        let new_id = replace_key(&self.client, &self.owner, key_id(&old)?, name, None).await?;
        let new = self
            .client
            .get_api_key()
            .api_key(&new_id)
            .send()
            .await
            .aws("GetApiKey")?;
        let new = ApiKey::builder()
            .id(new_id)
            .name(name)
            .enabled(new.enabled())
            .set_created_date(new.created_date().copied())
            .build();
        self.info(&new).await
    }

    /// The owned key of this name that every run keeps (the oldest); an error naming the
    /// owned keys when there is none.
    async fn find(&self, name: &str) -> Result<ApiKey, ProviderError> {
        let keys = owned_keys(&self.client, &self.owner, false).await?;
        let mut names: Vec<&str> = keys.iter().filter_map(|k| k.name()).collect();
        names.sort();
        names.dedup();
        let found = keys
            .iter()
            .filter(|k| k.name() == Some(name))
            .min_by(|a, b| seniority(a).cmp(&seniority(b)));
        found.cloned().ok_or_else(|| {
            ProviderError::Failed(format!(
                "no API key named {name} belongs to cluster {} (a key is cortex-net's when it \
                 carries the cluster's ownership tags); its keys: {}",
                self.owner.cluster(),
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            ))
        })
    }

    async fn info(&self, key: &ApiKey) -> Result<KeyInfo, ProviderError> {
        let id = key_id(key)?.to_string();
        let mut usage_plans: Vec<String> = plans_holding(&self.client, &id)
            .await?
            .into_iter()
            .map(|(_, name)| name)
            .collect();
        usage_plans.sort();
        Ok(KeyInfo {
            name: key.name().unwrap_or_default().to_string(),
            id,
            enabled: key.enabled(),
            created: key
                .created_date()
                .and_then(|d| {
                    d.fmt(aws_sdk_apigateway::primitives::DateTimeFormat::DateTime)
                        .ok()
                })
                .unwrap_or_default(),
            usage_plans,
        })
    }
}

/// Oldest first, then by id: the same order every run keeps duplicates in.
fn seniority(key: &ApiKey) -> (i64, String) {
    (
        key.created_date()
            .and_then(|d| d.to_millis().ok())
            .unwrap_or(i64::MAX),
        key.id().unwrap_or_default().to_string(),
    )
}

fn key_id(key: &ApiKey) -> Result<&str, ProviderError> {
    key.id()
        .ok_or_else(|| ProviderError::Unexpected("AWS listed an API key without an id".into()))
}

/// Creates an enabled key tagged as owned, with `value` or one AWS generates. Sent once: after
/// an unknown outcome the key is found again by observing (its tags and name).
pub(crate) async fn create_key(
    client: &Client,
    owner: &Ownership,
    name: &str,
    value: Option<&SecretValue>,
) -> Result<String, ProviderError> {
    let created = client
        .create_api_key()
        .name(name)
        .enabled(true)
        .set_value(value.map(|v| v.expose().to_string()))
        .set_tags(Some(owner.tags().into_iter().collect()))
        .customize()
        .config_override(crate::apply::create_once())
        .send()
        .await
        .aws("CreateApiKey")?;
    created
        .id()
        .map(str::to_string)
        .ok_or_else(|| ProviderError::Unexpected("CreateApiKey returned no id".into()))
}

/// The usage plans holding a key: (id, name).
pub(crate) async fn plans_holding(
    client: &Client,
    key_id: &str,
) -> Result<Vec<(String, String)>, ProviderError> {
    let plans = client
        .get_usage_plans()
        .key_id(key_id)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("GetUsagePlans")?;
    Ok(plans
        .iter()
        .filter_map(|p| Some((p.id()?.to_string(), p.name()?.to_string())))
        .collect())
}

/// Puts a key in a usage plan; already there counts as done.
pub(crate) async fn attach(client: &Client, plan_id: &str, key_id: &str) -> Result<(), AwsError> {
    let attached = client
        .create_usage_plan_key()
        .usage_plan_id(plan_id)
        .key_id(key_id)
        .key_type(KEY_TYPE)
        .send()
        .await
        .aws("CreateUsagePlanKey");
    match attached {
        Err(e) if e.is_conflict() => Ok(()),
        other => other.map(|_| ()),
    }
}

/// Deletes a key; one already gone counts as deleted.
pub(crate) async fn delete_key(client: &Client, key_id: &str) -> Result<(), ProviderError> {
    let deleted = client.delete_api_key().api_key(key_id).send().await;
    crate::apply::gone_is_done(deleted.aws("DeleteApiKey"))
}

/// A new key of the same name (with `value`, or generated) in every usage plan holding the old
/// one, then the old one deleted: callers of the plans are never without a key in between.
/// Returns the new key's id.
pub(crate) async fn replace_key(
    client: &Client,
    owner: &Ownership,
    old_id: &str,
    name: &str,
    value: Option<&SecretValue>,
) -> Result<String, ProviderError> {
    let plans = plans_holding(client, old_id).await?;
    let new_id = create_key(client, owner, name, value).await?;
    for (plan_id, _) in &plans {
        attach(client, plan_id, &new_id).await?;
    }
    delete_key(client, old_id).await?;
    Ok(new_id)
}
