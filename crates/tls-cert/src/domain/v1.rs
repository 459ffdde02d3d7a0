//! Custom domain names for REST APIs (`apigateway`): REGIONAL (`regionalCertificateArn`) or EDGE
//! (`certificateArn`, a us-east-1 certificate), TLS 1.2, base path mappings. [`find_owned`],
//! [`get`], [`delete`] and the mapping functions apply the rules both APIs share (ownership,
//! re-tagging, gone is done), written once in `shared`; this module makes the calls.
//!
//! `GetDomainNames` returns each domain name's `tags`; when an item comes without them, they are
//! read with `GetTags` on `arn:<partition>:apigateway:<region>::/domainnames/<name>`. After
//! creation, tags that did not stick are put again with `TagResource`: an untagged domain name
//! would be invisible to [`find_owned`] and never cleaned up.

use aws_calls::AwsResultExt;
use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::types::{EndpointConfiguration, EndpointType, SecurityPolicy};
use gw_core::{GatewayKind, Ownership};

use super::shared::{self, CustomDomains, NewDomain, Tags, gone_as_none, spelled_alike_calls};
use super::{DomainName, Mapping};
use crate::{CertError, DomainEndpoint};

/// The most a `GetDomainNames` / `GetBasePathMappings` page holds.
const PAGE_SIZE: i32 = 500;

/// How AWS names the root base path.
pub const ROOT_BASE_PATH: &str = "(none)";

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
    let new = NewDomain {
        name: domain,
        certificate_arn,
        endpoint,
    };
    shared::create(client, owner, &new).await
}

shared::domain_functions!(Client);

/// The ARN API Gateway tags a domain name by:
/// `arn:<partition>:apigateway:<region>::/domainnames/<name>`.
pub fn arn(client: &Client, domain: &str) -> Result<String, CertError> {
    shared::arn(client, domain)
}

/// The [`Fields`] of any of the three answers that describe a REST domain name (a listed item,
/// `CreateDomainName`'s and `GetDomainName`'s outputs): they share the accessors.
macro_rules! fields_of {
    ($out:expr) => {
        Fields {
            name: $out.domain_name(),
            types: $out.endpoint_configuration().map(|c| c.types()),
            certificate_arn: $out.certificate_arn(),
            regional_certificate_arn: $out.regional_certificate_arn(),
            regional_domain_name: $out.regional_domain_name(),
            regional_hosted_zone_id: $out.regional_hosted_zone_id(),
            distribution_domain_name: $out.distribution_domain_name(),
            distribution_hosted_zone_id: $out.distribution_hosted_zone_id(),
        }
    };
}
impl CustomDomains for Client {
    const KIND: GatewayKind = GatewayKind::Rest;

    fn region(&self) -> Option<&str> {
        self.config().region().map(|region| region.as_ref())
    }

    async fn domain_names(&self) -> Result<Vec<(DomainName, Tags)>, CertError> {
        let items = self
            .get_domain_names()
            .limit(PAGE_SIZE)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .aws("GetDomainNames")?;
        Ok(shared::named(items.into_iter().map(|item| {
            let domain = to_domain("GetDomainNames", &fields_of!(item));
            (domain, item.tags.unwrap_or_default())
        })))
    }

    async fn domain_name(&self, name: &str) -> Result<(DomainName, Tags), CertError> {
        let out = self
            .get_domain_name()
            .domain_name(name)
            .send()
            .await
            .aws("GetDomainName")?;
        let fields = Fields {
            name: out.domain_name().or(Some(name)),
            ..fields_of!(out)
        };
        Ok((
            to_domain("GetDomainName", &fields)?,
            out.tags.unwrap_or_default(),
        ))
    }

    async fn tags(&self, name: &str) -> Result<Tags, CertError> {
        let arn = shared::arn(self, name)?;
        let out = self.get_tags().resource_arn(&arn).send().await;
        // Deleted between the listing and now: it has no tags, so it is not ours.
        let found = gone_as_none(out.aws("GetTags").map_err(CertError::from))?;
        Ok(found.and_then(|out| out.tags).unwrap_or_default())
    }

    async fn create_domain_name(
        &self,
        new: &NewDomain<'_>,
        tags: &Tags,
    ) -> Result<(DomainName, Tags), CertError> {
        let request = self
            .create_domain_name()
            .domain_name(new.name)
            .security_policy(SecurityPolicy::Tls12)
            .set_tags(Some(tags.clone()));
        let (request, endpoint_type) = match new.endpoint {
            DomainEndpoint::Regional => (
                request.regional_certificate_arn(new.certificate_arn),
                EndpointType::Regional,
            ),
            DomainEndpoint::Edge => (
                request.certificate_arn(new.certificate_arn),
                EndpointType::Edge,
            ),
        };
        let out = request
            .endpoint_configuration(
                EndpointConfiguration::builder()
                    .types(endpoint_type)
                    .build(),
            )
            .customize()
            .config_override(create_once())
            .send()
            .await
            .aws("CreateDomainName")?;
        let created = to_domain("CreateDomainName", &fields_of!(out))?;
        Ok((created, out.tags.unwrap_or_default()))
    }

    spelled_alike_calls!();

    async fn mappings(&self, domain: &str) -> Result<Vec<Mapping>, CertError> {
        let items = self
            .get_base_path_mappings()
            .domain_name(domain)
            .limit(PAGE_SIZE)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .aws("GetBasePathMappings")?;
        let mappings = items
            .iter()
            .map(|item| to_mapping(item.base_path(), item.rest_api_id(), item.stage()));
        Ok(mappings.collect())
    }

    async fn map(&self, domain: &str, api_id: &str, stage: &str) -> Result<Mapping, CertError> {
        let out = self
            .create_base_path_mapping()
            .domain_name(domain)
            .rest_api_id(api_id)
            .stage(stage)
            .customize()
            .config_override(create_once())
            .send()
            .await
            .aws("CreateBasePathMapping")?;
        Ok(to_mapping(
            out.base_path(),
            out.rest_api_id().or(Some(api_id)),
            out.stage().or(Some(stage)),
        ))
    }

    async fn unmap(&self, domain: &str, mapping_id: &str) -> Result<(), CertError> {
        let base_path = if mapping_id.is_empty() {
            ROOT_BASE_PATH
        } else {
            mapping_id
        };
        let request = self.delete_base_path_mapping().domain_name(domain);
        request
            .base_path(base_path)
            .send()
            .await
            .aws("DeleteBasePathMapping")?;
        Ok(())
    }
}

/// The fields of a REST domain name that [`DomainName`] needs (three output types carry them).
#[derive(Clone, Copy)]
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
        api: GatewayKind::Rest,
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
