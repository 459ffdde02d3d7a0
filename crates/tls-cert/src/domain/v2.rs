//! Custom domain names for HTTP APIs (`apigatewayv2`): REGIONAL, TLS 1.2, API mappings. Tags
//! come back with every domain name.

use std::collections::HashMap;

use aws_sdk_apigatewayv2::Client;
use aws_sdk_apigatewayv2::types::{DomainNameConfiguration, EndpointType, SecurityPolicy};
use gw_core::Ownership;

use super::{DomainApi, DomainName, Mapping, not_ours};
use crate::aws::{aws_error, is_not_found};
use crate::{CertError, DomainEndpoint};

/// Domain names carrying both ownership tags for `owner`'s cluster; every other one is
/// invisible.
pub async fn find_owned(client: &Client, owner: &Ownership) -> Result<Vec<DomainName>, CertError> {
    let mut found = Vec::new();
    let mut next_token: Option<String> = None;
    loop {
        let page = client
            .get_domain_names()
            .set_next_token(next_token.clone())
            .send()
            .await
            .map_err(|e| aws_error("GetDomainNames", &e))?;
        for item in page.items() {
            if item.tags().is_some_and(|tags| owner.owns(tags)) {
                found.push(to_domain(
                    "GetDomainNames",
                    item.domain_name(),
                    item.domain_name_configurations(),
                )?);
            }
        }
        match page.next_token() {
            Some(next) if !next.is_empty() && next_token.as_deref() != Some(next) => {
                next_token = Some(next.to_string());
            }
            _ => break,
        }
    }
    Ok(found)
}

/// Creates the REGIONAL domain name `domain` with `certificate_arn` (which must be in the
/// client's region), TLS 1.2, tagged for `owner` at creation.
pub async fn create(
    client: &Client,
    owner: &Ownership,
    domain: &str,
    certificate_arn: &str,
) -> Result<DomainName, CertError> {
    let tags: HashMap<String, String> = owner.tags().into_iter().collect();
    let out = client
        .create_domain_name()
        .domain_name(domain)
        .domain_name_configurations(
            DomainNameConfiguration::builder()
                .certificate_arn(certificate_arn)
                .endpoint_type(EndpointType::Regional)
                .security_policy(SecurityPolicy::Tls12)
                .build(),
        )
        .set_tags(Some(tags))
        .customize()
        .config_override(create_once())
        .send()
        .await
        .map_err(|e| aws_error("CreateDomainName", &e))?;
    let created = to_domain(
        "CreateDomainName",
        out.domain_name(),
        out.domain_name_configurations(),
    )?;
    tracing::info!("created {}", created.describe());
    Ok(created)
}

/// The domain name `domain`, or `None` if it does not exist.
pub async fn get(client: &Client, domain: &str) -> Result<Option<DomainName>, CertError> {
    match client.get_domain_name().domain_name(domain).send().await {
        Ok(out) => to_domain(
            "GetDomainName",
            out.domain_name(),
            out.domain_name_configurations(),
        )
        .map(Some),
        Err(e) if is_not_found(&e) => Ok(None),
        Err(e) => Err(aws_error("GetDomainName", &e)),
    }
}

/// Deletes the domain name `domain` after reading its tags again: one lacking `owner`'s tags is
/// refused. A domain name already gone counts as deleted. Its mappings go first
/// ([`delete_mapping`]).
pub async fn delete(client: &Client, owner: &Ownership, domain: &str) -> Result<(), CertError> {
    let tags = match client.get_domain_name().domain_name(domain).send().await {
        Ok(out) => out.tags,
        Err(e) if is_not_found(&e) => return Ok(()),
        Err(e) => return Err(aws_error("GetDomainName", &e)),
    };
    if !tags.as_ref().is_some_and(|tags| owner.owns(tags)) {
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

/// The mapping of `domain` to the API `api_id`, if there is one. A domain name that does not
/// exist has none.
pub async fn find_mapping(
    client: &Client,
    domain: &str,
    api_id: &str,
) -> Result<Option<Mapping>, CertError> {
    let mut next_token: Option<String> = None;
    loop {
        let page = match client
            .get_api_mappings()
            .domain_name(domain)
            .set_next_token(next_token.clone())
            .send()
            .await
        {
            Ok(page) => page,
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(aws_error("GetApiMappings", &e)),
        };
        for item in page.items() {
            if item.api_id() == Some(api_id) {
                return to_mapping(
                    "GetApiMappings",
                    item.api_mapping_id(),
                    item.api_id(),
                    item.stage(),
                    item.api_mapping_key(),
                )
                .map(Some);
            }
        }
        match page.next_token() {
            Some(next) if !next.is_empty() && next_token.as_deref() != Some(next) => {
                next_token = Some(next.to_string());
            }
            _ => return Ok(None),
        }
    }
}

/// Maps the root of `domain` to `stage` of the API `api_id`.
pub async fn create_mapping(
    client: &Client,
    domain: &str,
    api_id: &str,
    stage: &str,
) -> Result<Mapping, CertError> {
    let out = client
        .create_api_mapping()
        .domain_name(domain)
        .api_id(api_id)
        .stage(stage)
        .customize()
        .config_override(create_once())
        .send()
        .await
        .map_err(|e| aws_error("CreateApiMapping", &e))?;
    let mapping = to_mapping(
        "CreateApiMapping",
        out.api_mapping_id(),
        out.api_id(),
        out.stage(),
        out.api_mapping_key(),
    )?;
    tracing::info!("mapped custom domain {domain} to API {api_id}, stage {stage}");
    Ok(mapping)
}

/// Deletes the API mapping `mapping_id` of `domain`. One already gone (or whose domain name is
/// gone) counts as deleted.
pub async fn delete_mapping(
    client: &Client,
    domain: &str,
    mapping_id: &str,
) -> Result<(), CertError> {
    match client
        .delete_api_mapping()
        .domain_name(domain)
        .api_mapping_id(mapping_id)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if is_not_found(&e) => Ok(()),
        Err(e) => Err(aws_error("DeleteApiMapping", &e)),
    }
}

fn to_domain(
    operation: &str,
    name: Option<&str>,
    configurations: &[DomainNameConfiguration],
) -> Result<DomainName, CertError> {
    let name = name.filter(|n| !n.is_empty()).ok_or_else(|| {
        CertError::Unexpected(format!("{operation} returned a domain name without a name"))
    })?;
    let config = configurations.first();
    let endpoint = match config.and_then(|c| c.endpoint_type()) {
        Some(EndpointType::Edge) => DomainEndpoint::Edge,
        _ => DomainEndpoint::Regional,
    };
    let text = |value: Option<&str>| value.filter(|v| !v.is_empty()).map(str::to_string);
    Ok(DomainName {
        name: name.to_string(),
        api: DomainApi::Http,
        endpoint,
        certificate_arn: text(config.and_then(|c| c.certificate_arn())),
        target: text(config.and_then(|c| c.api_gateway_domain_name())),
        hosted_zone_id: text(config.and_then(|c| c.hosted_zone_id())),
    })
}

fn to_mapping(
    operation: &str,
    id: Option<&str>,
    api_id: Option<&str>,
    stage: Option<&str>,
    key: Option<&str>,
) -> Result<Mapping, CertError> {
    let id = id.filter(|id| !id.is_empty()).ok_or_else(|| {
        CertError::Unexpected(format!("{operation} returned an API mapping without an id"))
    })?;
    Ok(Mapping {
        id: id.to_string(),
        api_id: api_id.unwrap_or_default().to_string(),
        stage: stage.unwrap_or_default().to_string(),
        path: key.unwrap_or_default().to_string(),
    })
}

#[cfg(test)]
mod tests;

/// Creates are sent once: an unknown outcome is settled by observing again (aws_calls::CreateOnce).
fn create_once() -> aws_sdk_apigatewayv2::config::Builder {
    aws_sdk_apigatewayv2::Config::builder().retry_classifier(aws_calls::CreateOnce)
}
