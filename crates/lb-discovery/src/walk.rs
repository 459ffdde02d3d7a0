//! The one describe-then-tags walk over both Elastic Load Balancing APIs: [`ElbApi`] is what the
//! walk needs of an API (implemented for the elbv2 and the classic ELB client), [`list_tagged`]
//! and [`find`] are the walk.

use std::collections::HashMap;

use aws_calls::HttpStatus;
use aws_sdk_elasticloadbalancingv2::error::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use gw_core::AwsError;

use crate::error::DiscoveryError;
use crate::model::LoadBalancer;

/// `DescribeTags` takes at most 20 ARNs (elbv2) or names (classic) per call.
pub(crate) const TAGS_PER_CALL: usize = 20;

/// Tags of one load balancer, as key/value pairs.
pub(crate) type Tags = Vec<(String, String)>;

/// The read-only calls discovery makes to one Elastic Load Balancing API. Implementations map
/// AWS's "no such load balancer" to `None` and every other failure to an [`AwsError`].
pub(crate) trait ElbApi {
    /// How logs name the API: `elbv2`, `classic ELB`.
    const API: &'static str;
    /// How the error for an incomplete description names the call.
    const DESCRIBE: &'static str;

    /// One load balancer as `DescribeLoadBalancers` describes it.
    type Description;

    /// Every load balancer of the account and region, page after page (the SDK's paginator).
    async fn describe_all(&self) -> Result<Vec<Self::Description>, AwsError>;

    /// The load balancer with this ARN or name; `None` when the API does not know it.
    async fn describe_one(&self, name_or_arn: &str) -> Result<Option<Self::Description>, AwsError>;

    /// One `DescribeTags` call for at most [`TAGS_PER_CALL`] keys ([`ElbApi::tag_key`]): the
    /// tags of each key AWS answered for.
    async fn describe_tags(&self, keys: Vec<String>) -> Result<Vec<(String, Tags)>, AwsError>;

    /// The description normalised; `Err` names the missing field it cannot do without.
    fn convert(description: &Self::Description) -> Result<LoadBalancer, &'static str>;

    /// The description's name, for logs about one that cannot be used.
    fn name_of(description: &Self::Description) -> Option<&str>;

    /// What `DescribeTags` identifies a load balancer by: its ARN (elbv2) or name (classic).
    fn tag_key(lb: &LoadBalancer) -> Option<&str>;
}

/// Every usable load balancer of one API with its tags, and how many AWS described (including
/// any whose description was too incomplete to use).
pub(crate) struct Listing {
    pub tagged: Vec<(LoadBalancer, Tags)>,
    pub seen: usize,
}

/// Lists every load balancer of `api`, then reads their tags in chunks of [`TAGS_PER_CALL`].
pub(crate) async fn list_tagged<A: ElbApi>(api: &A) -> Result<Listing, DiscoveryError> {
    let described = api.describe_all().await?;
    let seen = described.len();
    let usable: Vec<LoadBalancer> = described
        .iter()
        .filter_map(|description| match A::convert(description) {
            Ok(lb) => Some(lb),
            Err(missing) => {
                tracing::warn!(
                    name = A::name_of(description),
                    "skipping a {} load balancer whose description lacks its {missing}",
                    A::API
                );
                None
            }
        })
        .collect();
    let keys: Vec<String> = usable
        .iter()
        .filter_map(|lb| A::tag_key(lb).map(str::to_owned))
        .collect();
    let mut tags = tags_by_key(api, &keys).await?;
    tracing::debug!(count = usable.len(), "listed {} load balancers", A::API);
    let tagged = usable
        .into_iter()
        .map(|lb| {
            let own = A::tag_key(&lb)
                .and_then(|key| tags.remove(key))
                .unwrap_or_default();
            (lb, own)
        })
        .collect();
    Ok(Listing { tagged, seen })
}

/// The load balancer `name_or_arn` of `api` and its tags; `None` if the API does not know it.
pub(crate) async fn find<A: ElbApi>(
    api: &A,
    name_or_arn: &str,
) -> Result<Option<(LoadBalancer, Tags)>, DiscoveryError> {
    let Some(description) = api.describe_one(name_or_arn).await? else {
        return Ok(None);
    };
    let incomplete = |missing| DiscoveryError::Incomplete {
        operation: A::DESCRIBE,
        missing,
    };
    let lb = A::convert(&description).map_err(incomplete)?;
    let key = A::tag_key(&lb).ok_or_else(|| incomplete("ARN"))?.to_owned();
    let mut tags = tags_by_key(api, std::slice::from_ref(&key)).await?;
    let own = tags.remove(&key).unwrap_or_default();
    Ok(Some((lb, own)))
}

/// The tags of `keys`, by key, in calls of at most [`TAGS_PER_CALL`] keys. A key AWS says
/// nothing about is absent from the map.
async fn tags_by_key<A: ElbApi>(
    api: &A,
    keys: &[String],
) -> Result<HashMap<String, Tags>, DiscoveryError> {
    let mut by_key = HashMap::new();
    for chunk in keys.chunks(TAGS_PER_CALL) {
        by_key.extend(api.describe_tags(chunk.to_vec()).await?);
    }
    Ok(by_key)
}

/// A describe call's answer, with AWS's "no such load balancer" (`is_missing`) as `None`.
pub(crate) fn missing_as_none<T, E, R>(
    result: Result<T, SdkError<E, R>>,
    operation: &'static str,
    is_missing: fn(&E) -> bool,
) -> Result<Option<T>, AwsError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug + HttpStatus,
{
    match result {
        Ok(out) => Ok(Some(out)),
        Err(e) if e.as_service_error().is_some_and(is_missing) => Ok(None),
        Err(e) => Err(aws_calls::aws_error(operation, &e)),
    }
}

/// One load balancer's entry of a `DescribeTags` answer: its key and its (key, value) tags. A
/// tag without a key is dropped; an entry without its load balancer's key is `None`.
pub(crate) fn tag_entry<'a>(
    key: Option<&str>,
    tags: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)>,
) -> Option<(String, Tags)> {
    let tags = tags
        .filter_map(|(k, v)| Some((k?.to_owned(), v.unwrap_or_default().to_owned())))
        .collect();
    Some((key?.to_owned(), tags))
}
