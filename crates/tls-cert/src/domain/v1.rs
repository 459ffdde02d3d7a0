//! Custom domain names for REST APIs (`apigateway`): REGIONAL (`regionalCertificateArn`) or EDGE
//! (`certificateArn`, a us-east-1 certificate), TLS 1.2, base path mappings.
//!
//! `GetDomainNames` returns each domain name's `tags`; when an item comes without them, they are
//! read with `GetTags` on `arn:<partition>:apigateway:<region>::/domainnames/<name>`. After
//! creation, tags that did not stick are put again with `TagResource`: an untagged domain name
//! would be invisible to [`find_owned`] and never cleaned up.

use std::collections::HashMap;

use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::types::{EndpointConfiguration, EndpointType, SecurityPolicy};
use gw_core::Ownership;

use super::{DomainApi, DomainName, Mapping, not_ours, partition};
use crate::aws::{aws_error, is_not_found};
use crate::{CertError, DomainEndpoint};

/// The most a `GetDomainNames` / `GetBasePathMappings` page holds.
const PAGE_SIZE: i32 = 500;

/// How AWS names the root base path.
pub const ROOT_BASE_PATH: &str = "(none)";

/// Domain names carrying both ownership tags for `owner`'s cluster; every other one is
/// invisible.
pub async fn find_owned(client: &Client, owner: &Ownership) -> Result<Vec<DomainName>, CertError> {
    let mut found = Vec::new();
    let mut position: Option<String> = None;
    loop {
        let page = client
            .get_domain_names()
            .limit(PAGE_SIZE)
            .set_position(position.clone())
            .send()
            .await
            .map_err(|e| aws_error("GetDomainNames", &e))?;
        for item in page.items() {
            let Some(name) = item.domain_name().filter(|n| !n.is_empty()) else {
                tracing::warn!("GetDomainNames returned a domain name without a name; ignoring it");
                continue;
            };
            let owned = match item.tags().filter(|tags| !tags.is_empty()) {
                Some(tags) => owner.owns(tags),
                None => owner.owns(&get_tags(client, name).await?),
            };
            if owned {
                found.push(to_domain(
                    "GetDomainNames",
                    &Fields {
                        name: item.domain_name(),
                        types: item.endpoint_configuration().map(|c| c.types()),
                        certificate_arn: item.certificate_arn(),
                        regional_certificate_arn: item.regional_certificate_arn(),
                        regional_domain_name: item.regional_domain_name(),
                        regional_hosted_zone_id: item.regional_hosted_zone_id(),
                        distribution_domain_name: item.distribution_domain_name(),
                        distribution_hosted_zone_id: item.distribution_hosted_zone_id(),
                    },
                )?);
            }
        }
        match page.position() {
            Some(next) if !next.is_empty() && position.as_deref() != Some(next) => {
                position = Some(next.to_string());
            }
            _ => break,
        }
    }
    Ok(found)
}

/// Creates the domain name `domain` with `certificate_arn`, TLS 1.2, tagged for `owner`:
/// REGIONAL (`regionalCertificateArn`, a certificate in the client's region) or EDGE
/// (`certificateArn`, a certificate in us-east-1).
pub async fn create(
    client: &Client,
    owner: &Ownership,
    domain: &str,
    certificate_arn: &str,
    endpoint: DomainEndpoint,
) -> Result<DomainName, CertError> {
    let tags: HashMap<String, String> = owner.tags().into_iter().collect();
    let request = client
        .create_domain_name()
        .domain_name(domain)
        .security_policy(SecurityPolicy::Tls12)
        .set_tags(Some(tags.clone()));
    let request = match endpoint {
        DomainEndpoint::Regional => request
            .regional_certificate_arn(certificate_arn)
            .endpoint_configuration(
                EndpointConfiguration::builder()
                    .types(EndpointType::Regional)
                    .build(),
            ),
        DomainEndpoint::Edge => request
            .certificate_arn(certificate_arn)
            .endpoint_configuration(
                EndpointConfiguration::builder()
                    .types(EndpointType::Edge)
                    .build(),
            ),
    };
    let out = request
        .customize()
        .config_override(create_once())
        .send()
        .await
        .map_err(|e| aws_error("CreateDomainName", &e))?;
    let created = to_domain(
        "CreateDomainName",
        &Fields {
            name: out.domain_name(),
            types: out.endpoint_configuration().map(|c| c.types()),
            certificate_arn: out.certificate_arn(),
            regional_certificate_arn: out.regional_certificate_arn(),
            regional_domain_name: out.regional_domain_name(),
            regional_hosted_zone_id: out.regional_hosted_zone_id(),
            distribution_domain_name: out.distribution_domain_name(),
            distribution_hosted_zone_id: out.distribution_hosted_zone_id(),
        },
    )?;
    tracing::info!("created {} ({endpoint})", created.describe());

    if !out.tags().is_some_and(|found| owner.owns(found)) {
        let arn = arn(client, domain)?;
        client
            .tag_resource()
            .resource_arn(&arn)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|e| {
                CertError::from(aws_calls::aws_error("TagResource", &e).with_hint(format!(
                    "Custom domain {domain} was created but is not tagged as cortex-net's, \
                     so cortex-net will not manage or remove it: tag it (aws apigateway \
                     tag-resource --resource-arn {arn} --tags {}={},{}={}) or delete it (aws \
                     apigateway delete-domain-name --domain-name {domain}) before re-running",
                    gw_core::CLUSTER_TAG,
                    owner.cluster(),
                    gw_core::MANAGED_BY_TAG,
                    gw_core::MANAGED_BY_VALUE,
                )))
            })?;
        tracing::info!("tagged custom domain {domain} after creation");
    }
    Ok(created)
}

/// The domain name `domain`, or `None` if it does not exist.
pub async fn get(client: &Client, domain: &str) -> Result<Option<DomainName>, CertError> {
    match client.get_domain_name().domain_name(domain).send().await {
        Ok(out) => to_domain(
            "GetDomainName",
            &Fields {
                name: out.domain_name(),
                types: out.endpoint_configuration().map(|c| c.types()),
                certificate_arn: out.certificate_arn(),
                regional_certificate_arn: out.regional_certificate_arn(),
                regional_domain_name: out.regional_domain_name(),
                regional_hosted_zone_id: out.regional_hosted_zone_id(),
                distribution_domain_name: out.distribution_domain_name(),
                distribution_hosted_zone_id: out.distribution_hosted_zone_id(),
            },
        )
        .map(Some),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(aws_error("GetDomainName", &e)),
    }
}

/// Deletes the domain name `domain` after reading its tags again: one lacking `owner`'s tags is
/// refused. A domain name already gone counts as deleted. Its base path mappings go first
/// ([`delete_mapping`]).
pub async fn delete(client: &Client, owner: &Ownership, domain: &str) -> Result<(), CertError> {
    let tags = match client.get_domain_name().domain_name(domain).send().await {
        Ok(out) => out.tags.unwrap_or_default(),
        Err(e) if is_not_found(&e) => return Ok(()),
        Err(e) => return Err(aws_error("GetDomainName", &e)),
    };
    let tags = if tags.is_empty() {
        get_tags(client, domain).await?
    } else {
        tags
    };
    if !owner.owns(&tags) {
        return Err(not_ours(domain, owner));
    }
    match client.delete_domain_name().domain_name(domain).send().await {
        Ok(_) => {
            tracing::info!("deleted custom domain {domain}");
            Ok(())
        }
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(aws_error("DeleteDomainName", &e)),
    }
}

/// The base path mapping of `domain` to the REST API `api_id`, if there is one. A domain name
/// that does not exist has none.
pub async fn find_mapping(
    client: &Client,
    domain: &str,
    api_id: &str,
) -> Result<Option<Mapping>, CertError> {
    let mut position: Option<String> = None;
    loop {
        let page = match client
            .get_base_path_mappings()
            .domain_name(domain)
            .limit(PAGE_SIZE)
            .set_position(position.clone())
            .send()
            .await
        {
            Ok(page) => page,
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(aws_error("GetBasePathMappings", &e)),
        };
        if let Some(item) = page
            .items()
            .iter()
            .find(|m| m.rest_api_id() == Some(api_id))
        {
            return Ok(Some(to_mapping(
                item.base_path(),
                item.rest_api_id(),
                item.stage(),
            )));
        }
        match page.position() {
            Some(next) if !next.is_empty() && position.as_deref() != Some(next) => {
                position = Some(next.to_string());
            }
            _ => return Ok(None),
        }
    }
}

/// Maps the root of `domain` to `stage` of the REST API `api_id`.
pub async fn create_mapping(
    client: &Client,
    domain: &str,
    api_id: &str,
    stage: &str,
) -> Result<Mapping, CertError> {
    let out = client
        .create_base_path_mapping()
        .domain_name(domain)
        .rest_api_id(api_id)
        .stage(stage)
        .customize()
        .config_override(create_once())
        .send()
        .await
        .map_err(|e| aws_error("CreateBasePathMapping", &e))?;
    tracing::info!("mapped custom domain {domain} to REST API {api_id}, stage {stage}");
    Ok(to_mapping(
        out.base_path(),
        out.rest_api_id().or(Some(api_id)),
        out.stage().or(Some(stage)),
    ))
}

/// Deletes the base path mapping `mapping_id` (a base path; `(none)` or empty for the root) of
/// `domain`. One already gone (or whose domain name is gone) counts as deleted.
pub async fn delete_mapping(
    client: &Client,
    domain: &str,
    mapping_id: &str,
) -> Result<(), CertError> {
    let base_path = if mapping_id.is_empty() {
        ROOT_BASE_PATH
    } else {
        mapping_id
    };
    match client
        .delete_base_path_mapping()
        .domain_name(domain)
        .base_path(base_path)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(aws_error("DeleteBasePathMapping", &e)),
    }
}

/// The ARN API Gateway tags a domain name by: `arn:aws:apigateway:<region>::/domainnames/<name>`.
pub fn arn(client: &Client, domain: &str) -> Result<String, CertError> {
    let region = client
        .config()
        .region()
        .map(|r| r.as_ref().to_string())
        .ok_or_else(|| {
            CertError::Unexpected(
                "no AWS region is configured. Set `region` in cluster.yaml, --region, or \
                 AWS_REGION"
                    .to_string(),
            )
        })?;
    Ok(format!(
        "arn:{}:apigateway:{region}::/domainnames/{domain}",
        partition(&region)
    ))
}

async fn get_tags(client: &Client, domain: &str) -> Result<HashMap<String, String>, CertError> {
    let arn = arn(client, domain)?;
    match client.get_tags().resource_arn(&arn).send().await {
        Ok(out) => Ok(out.tags.unwrap_or_default()),
        // Deleted between the listing and now: it has no tags, so it is not ours.
        Err(e) if is_not_found(&e) => Ok(HashMap::new()),
        Err(e) => Err(aws_error("GetTags", &e)),
    }
}

/// The fields of a REST domain name that [`DomainName`] needs (three output types carry them).
struct Fields<'a> {
    name: Option<&'a str>,
    types: Option<&'a [EndpointType]>,
    certificate_arn: Option<&'a str>,
    regional_certificate_arn: Option<&'a str>,
    regional_domain_name: Option<&'a str>,
    regional_hosted_zone_id: Option<&'a str>,
    distribution_domain_name: Option<&'a str>,
    distribution_hosted_zone_id: Option<&'a str>,
}

fn to_domain(operation: &str, fields: &Fields<'_>) -> Result<DomainName, CertError> {
    let name = fields.name.filter(|n| !n.is_empty()).ok_or_else(|| {
        CertError::Unexpected(format!("{operation} returned a domain name without a name"))
    })?;
    let types = fields.types.unwrap_or_default();
    let endpoint = if types.contains(&EndpointType::Regional) {
        DomainEndpoint::Regional
    } else if types.contains(&EndpointType::Edge) {
        DomainEndpoint::Edge
    } else if fields.regional_certificate_arn.is_some() || fields.regional_domain_name.is_some() {
        DomainEndpoint::Regional
    } else {
        // AWS's default for REST domain names.
        DomainEndpoint::Edge
    };
    let text = |value: Option<&str>| value.filter(|v| !v.is_empty()).map(str::to_string);
    let (certificate_arn, target, hosted_zone_id) = match endpoint {
        DomainEndpoint::Regional => (
            fields.regional_certificate_arn,
            fields.regional_domain_name,
            fields.regional_hosted_zone_id,
        ),
        DomainEndpoint::Edge => (
            fields.certificate_arn,
            fields.distribution_domain_name,
            fields.distribution_hosted_zone_id,
        ),
    };
    Ok(DomainName {
        name: name.to_string(),
        api: DomainApi::Rest,
        endpoint,
        certificate_arn: text(certificate_arn),
        target: text(target),
        hosted_zone_id: text(hosted_zone_id),
    })
}

fn to_mapping(base_path: Option<&str>, api_id: Option<&str>, stage: Option<&str>) -> Mapping {
    let base_path = base_path
        .filter(|p| !p.is_empty())
        .unwrap_or(ROOT_BASE_PATH);
    Mapping {
        id: base_path.to_string(),
        api_id: api_id.unwrap_or_default().to_string(),
        stage: stage.unwrap_or_default().to_string(),
        path: if base_path == ROOT_BASE_PATH {
            String::new()
        } else {
            base_path.to_string()
        },
    }
}

#[cfg(test)]
mod tests;

/// Creates are sent once: an unknown outcome is settled by observing again (aws_calls::CreateOnce).
fn create_once() -> aws_sdk_apigateway::config::Builder {
    aws_sdk_apigateway::Config::builder().retry_classifier(aws_calls::CreateOnce)
}
