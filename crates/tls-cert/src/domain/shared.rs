//! What REST (`apigateway`) and HTTP (`apigatewayv2`) custom domains have in common, written
//! once: [`CustomDomains`] is the narrow set of calls both APIs answer (a domain name, its
//! tags, its mappings), and the functions here hold the rules on top of them: only domain names
//! carrying both ownership tags are seen or deleted, tags that did not stick at creation are put
//! again, and something already gone counts as done.

use std::collections::HashMap;

use gw_core::{GatewayKind, Ownership};

use super::{DomainName, Mapping, OwnedDomain, not_ours};
use crate::{CertError, DomainEndpoint};

/// A resource's tags, as both API Gateway APIs give them.
pub(crate) type Tags = HashMap<String, String>;

/// A domain name to create.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NewDomain<'a> {
    pub name: &'a str,
    pub certificate_arn: &'a str,
    pub endpoint: DomainEndpoint,
}

/// The calls custom domains need, as each API Gateway API makes them. Failures are
/// [`CertError::Aws`] with AWS's code, so that [`gone_as_none`] can tell "not found".
pub(crate) trait CustomDomains {
    /// Which gateway kind this API serves: `aws_api()` names the AWS CLI command.
    const KIND: GatewayKind;

    /// The client's region, for the ARN tags are put on.
    fn region(&self) -> Option<&str>;

    /// Every domain name of the account and region, every page, with the tags the listing gave
    /// (none when it left them out).
    async fn domain_names(&self) -> Result<Vec<(DomainName, Tags)>, CertError>;

    /// The domain name `name`, with the tags its description gave.
    async fn domain_name(&self, name: &str) -> Result<(DomainName, Tags), CertError>;

    /// The tags of a domain name whose listing or description came without them.
    async fn tags(&self, name: &str) -> Result<Tags, CertError>;

    /// Creates the domain name with `tags` (sent once), and the tags AWS answered with.
    async fn create_domain_name(
        &self,
        new: &NewDomain<'_>,
        tags: &Tags,
    ) -> Result<(DomainName, Tags), CertError>;

    /// Puts `tags` on the resource `arn`.
    async fn tag(&self, arn: &str, tags: &Tags) -> Result<(), gw_core::AwsError>;

    async fn delete_domain_name(&self, name: &str) -> Result<(), CertError>;

    /// Every mapping of the domain name `domain`, every page.
    async fn mappings(&self, domain: &str) -> Result<Vec<Mapping>, CertError>;

    /// Maps the root of `domain` to `stage` of the API `api_id` (sent once).
    async fn map(&self, domain: &str, api_id: &str, stage: &str) -> Result<Mapping, CertError>;

    /// Deletes the mapping `mapping_id` of `domain`.
    async fn unmap(&self, domain: &str, mapping_id: &str) -> Result<(), CertError>;
}

/// `None` for AWS's "not found": something already gone counts as such.
pub(crate) fn gone_as_none<T>(result: Result<T, CertError>) -> Result<Option<T>, CertError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(CertError::Aws(error)) if error.is_not_found() => Ok(None),
        Err(error) => Err(error),
    }
}

/// Domain names carrying both ownership tags for `owner`'s cluster; every other one is
/// invisible.
pub(crate) async fn find_owned<C: CustomDomains>(
    client: &C,
    owner: &Ownership,
) -> Result<Vec<DomainName>, CertError> {
    let owned = find_owned_with_stack(client, owner).await?;
    Ok(owned.into_iter().map(|owned| owned.domain).collect())
}

/// [`find_owned`], each domain name with the CloudFormation stack its tags name, if any.
pub(crate) async fn find_owned_with_stack<C: CustomDomains>(
    client: &C,
    owner: &Ownership,
) -> Result<Vec<OwnedDomain>, CertError> {
    let mut owned = Vec::new();
    for (domain, tags) in client.domain_names().await? {
        let tags = complete_tags(client, &domain.name, tags).await?;
        if owner.owns(&tags) {
            let stack = gw_core::stack_of(&tags).map(str::to_string);
            owned.push(OwnedDomain { domain, stack });
        }
    }
    Ok(owned)
}

/// `tags`, or those asked for when the answer came without any.
async fn complete_tags<C: CustomDomains>(
    client: &C,
    name: &str,
    tags: Tags,
) -> Result<Tags, CertError> {
    if tags.is_empty() {
        client.tags(name).await
    } else {
        Ok(tags)
    }
}

/// The domain name `name`, or `None` if it does not exist.
pub(crate) async fn get<C: CustomDomains>(
    client: &C,
    name: &str,
) -> Result<Option<DomainName>, CertError> {
    Ok(gone_as_none(client.domain_name(name).await)?.map(|(domain, _)| domain))
}

/// Creates the domain name tagged for `owner`. Tags that did not stick are put again: an
/// untagged domain name would be invisible to [`find_owned`] and never cleaned up.
pub(crate) async fn create<C: CustomDomains>(
    client: &C,
    owner: &Ownership,
    new: &NewDomain<'_>,
) -> Result<DomainName, CertError> {
    let tags: Tags = owner.tags().into_iter().collect();
    let (created, answered) = client.create_domain_name(new, &tags).await?;
    tracing::info!("created {} ({})", created.describe(), new.endpoint);
    if !owner.owns(&answered) {
        let arn = arn(client, new.name)?;
        client
            .tag(&arn, &tags)
            .await
            .map_err(|error| error.with_hint(untagged_hint::<C>(new.name, &arn, owner)))?;
        tracing::info!("tagged custom domain {} after creation", new.name);
    }
    Ok(created)
}

/// What to do about a domain name created without our tags.
fn untagged_hint<C: CustomDomains>(name: &str, arn: &str, owner: &Ownership) -> String {
    let cli = C::KIND.aws_api();
    format!(
        "Custom domain {name} was created but is not tagged as cortex-net's, so cortex-net will \
         not manage or remove it: tag it (aws {cli} tag-resource --resource-arn {arn} --tags \
         {}={},{}={}) or delete it (aws {cli} delete-domain-name --domain-name {name}) before \
         re-running",
        gw_core::CLUSTER_TAG,
        owner.cluster(),
        gw_core::MANAGED_BY_TAG,
        gw_core::MANAGED_BY_VALUE,
    )
}

/// Deletes the domain name `name` after reading its tags again: one lacking `owner`'s tags is
/// refused. A domain name already gone counts as deleted. Its mappings go first.
pub(crate) async fn delete<C: CustomDomains>(
    client: &C,
    owner: &Ownership,
    name: &str,
) -> Result<(), CertError> {
    let Some((_, tags)) = gone_as_none(client.domain_name(name).await)? else {
        return Ok(());
    };
    if !owner.owns(&complete_tags(client, name, tags).await?) {
        return Err(not_ours(name, owner));
    }
    if gone_as_none(client.delete_domain_name(name).await)?.is_some() {
        tracing::info!("deleted custom domain {name}");
    }
    Ok(())
}

/// Every mapping of `domain`. A domain name that does not exist has none.
pub(crate) async fn mappings<C: CustomDomains>(
    client: &C,
    domain: &str,
) -> Result<Vec<Mapping>, CertError> {
    Ok(gone_as_none(client.mappings(domain).await)?.unwrap_or_default())
}

/// The mapping of `domain` to the API `api_id`, if there is one. A domain name that does not
/// exist has none.
pub(crate) async fn find_mapping<C: CustomDomains>(
    client: &C,
    domain: &str,
    api_id: &str,
) -> Result<Option<Mapping>, CertError> {
    Ok(mappings(client, domain)
        .await?
        .into_iter()
        .find(|mapping| mapping.api_id == api_id))
}

/// Maps the root of `domain` to `stage` of the API `api_id`.
pub(crate) async fn create_mapping<C: CustomDomains>(
    client: &C,
    domain: &str,
    api_id: &str,
    stage: &str,
) -> Result<Mapping, CertError> {
    let mapping = client.map(domain, api_id, stage).await?;
    let api = C::KIND.label();
    tracing::info!("mapped custom domain {domain} to {api} {api_id}, stage {stage}");
    Ok(mapping)
}

/// Deletes the mapping `mapping_id` of `domain`. One already gone (or whose domain name is
/// gone) counts as deleted.
pub(crate) async fn delete_mapping<C: CustomDomains>(
    client: &C,
    domain: &str,
    mapping_id: &str,
) -> Result<(), CertError> {
    gone_as_none(client.unmap(domain, mapping_id).await)?;
    Ok(())
}

/// The ARN API Gateway tags a domain name by, in the region's partition:
/// `arn:<partition>:apigateway:<region>::/domainnames/<name>`.
pub(crate) fn arn<C: CustomDomains>(client: &C, name: &str) -> Result<String, CertError> {
    let region = client.region().ok_or_else(|| {
        CertError::Unexpected(
            "no AWS region is configured. Set `region` in cluster.yaml, --region, or AWS_REGION"
                .to_string(),
        )
    })?;
    Ok(gw_core::apigateway_arn(
        region,
        &format!("/domainnames/{name}"),
    ))
}

/// The domain names of a listing, with their tags; one AWS listed without a name is logged and
/// skipped (it cannot be ours: ours are found by name).
pub(super) fn named(
    listed: impl IntoIterator<Item = (Result<DomainName, CertError>, Tags)>,
) -> Vec<(DomainName, Tags)> {
    listed
        .into_iter()
        .filter_map(|(domain, tags)| match domain {
            Ok(domain) => Some((domain, tags)),
            Err(_) => {
                tracing::warn!("GetDomainNames returned a domain name without a name; ignoring it");
                None
            }
        })
        .collect()
}

/// The [`CustomDomains`] calls that both SDK clients spell alike (same builder methods on
/// different types): written once, expanded in each client's `impl`.
macro_rules! spelled_alike_calls {
    () => {
        async fn tag(&self, arn: &str, tags: &Tags) -> Result<(), gw_core::AwsError> {
            let request = self.tag_resource().resource_arn(arn);
            request
                .set_tags(Some(tags.clone()))
                .send()
                .await
                .aws("TagResource")?;
            Ok(())
        }

        async fn delete_domain_name(&self, name: &str) -> Result<(), CertError> {
            let request = self.delete_domain_name().domain_name(name);
            request.send().await.aws("DeleteDomainName")?;
            Ok(())
        }
    };
}
pub(super) use spelled_alike_calls;

/// The public functions of [`super::v1`] and [`super::v2`] (the providers call them), for the
/// client `$client`: the rules of this module over that client's calls.
macro_rules! domain_functions {
    ($client:ty) => {
        /// Domain names carrying both ownership tags for `owner`'s cluster; every other one is
        /// invisible.
        pub async fn find_owned(
            client: &$client,
            owner: &gw_core::Ownership,
        ) -> Result<Vec<$crate::domain::DomainName>, $crate::CertError> {
            super::shared::find_owned(client, owner).await
        }

        /// [`find_owned`], each domain name with the CloudFormation stack its tags name, if
        /// any ([`gw_core::STACK_TAG`]).
        pub async fn find_owned_with_stack(
            client: &$client,
            owner: &gw_core::Ownership,
        ) -> Result<Vec<$crate::domain::OwnedDomain>, $crate::CertError> {
            super::shared::find_owned_with_stack(client, owner).await
        }

        /// The domain name `domain`, or `None` if it does not exist.
        pub async fn get(
            client: &$client,
            domain: &str,
        ) -> Result<Option<$crate::domain::DomainName>, $crate::CertError> {
            super::shared::get(client, domain).await
        }

        /// Deletes the domain name `domain` after reading its tags again: one lacking `owner`'s
        /// tags is refused. A domain name already gone counts as deleted. Its mappings go first
        /// ([`delete_mapping`]).
        pub async fn delete(
            client: &$client,
            owner: &gw_core::Ownership,
            domain: &str,
        ) -> Result<(), $crate::CertError> {
            super::shared::delete(client, owner, domain).await
        }

        /// Every mapping of `domain`. A domain name that does not exist has none.
        pub async fn mappings(
            client: &$client,
            domain: &str,
        ) -> Result<Vec<$crate::domain::Mapping>, $crate::CertError> {
            super::shared::mappings(client, domain).await
        }

        /// The mapping of `domain` to the API `api_id`, if there is one. A domain name that
        /// does not exist has none.
        pub async fn find_mapping(
            client: &$client,
            domain: &str,
            api_id: &str,
        ) -> Result<Option<$crate::domain::Mapping>, $crate::CertError> {
            super::shared::find_mapping(client, domain, api_id).await
        }

        /// Maps the root of `domain` to `stage` of the API `api_id`.
        pub async fn create_mapping(
            client: &$client,
            domain: &str,
            api_id: &str,
            stage: &str,
        ) -> Result<$crate::domain::Mapping, $crate::CertError> {
            super::shared::create_mapping(client, domain, api_id, stage).await
        }

        /// Deletes the mapping `mapping_id` of `domain`. One already gone (or whose domain name
        /// is gone) counts as deleted.
        pub async fn delete_mapping(
            client: &$client,
            domain: &str,
            mapping_id: &str,
        ) -> Result<(), $crate::CertError> {
            super::shared::delete_mapping(client, domain, mapping_id).await
        }
    };
}
pub(crate) use domain_functions;

#[cfg(test)]
mod tests;
