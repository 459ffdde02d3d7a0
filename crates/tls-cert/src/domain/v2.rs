//! Custom domain names for HTTP APIs (`apigatewayv2`): REGIONAL, TLS 1.2, API mappings. Tags
//! come back with every domain name. [`find_owned`], [`get`], [`delete`] and the
//! mapping functions apply the rules both APIs share (ownership, re-tagging, gone is done),
//! written once in `shared`; this module makes the calls.

use aws_calls::AwsResultExt;
use aws_sdk_apigatewayv2::Client;
use aws_sdk_apigatewayv2::types::{DomainNameConfiguration, EndpointType, SecurityPolicy};
use gw_core::{GatewayKind, Ownership};

use super::shared::{self, CustomDomains, NewDomain, Tags, spelled_alike_calls};
use super::{DomainName, Mapping};
use crate::{CertError, DomainEndpoint};

/// Creates the REGIONAL domain name `domain` with `certificate_arn` (which must be in the
/// client's region), TLS 1.2, tagged for `owner` at creation.
pub async fn create(
    client: &Client,
    owner: &Ownership,
    domain: &str,
    certificate_arn: &str,
) -> Result<DomainName, CertError> {
    let new = NewDomain {
        name: domain,
        certificate_arn,
        endpoint: DomainEndpoint::Regional,
    };
    shared::create(client, owner, &new).await
}

shared::domain_functions!(Client);

impl CustomDomains for Client {
    const KIND: GatewayKind = GatewayKind::Http;

    fn region(&self) -> Option<&str> {
        self.config().region().map(|region| region.as_ref())
    }

    async fn domain_names(&self) -> Result<Vec<(DomainName, Tags)>, CertError> {
        let items = aws_calls::all_pages(|token| {
            let request = self.get_domain_names().set_next_token(token);
            async move {
                let page = request.send().await.aws("GetDomainNames")?;
                Ok((page.items.unwrap_or_default(), page.next_token))
            }
        })
        .await?;
        Ok(shared::named(items.into_iter().map(|item| {
            let domain = to_domain(
                "GetDomainNames",
                item.domain_name(),
                item.domain_name_configurations(),
            );
            (domain, item.tags.unwrap_or_default())
        })))
    }

    async fn domain_name(&self, name: &str) -> Result<(DomainName, Tags), CertError> {
        let request = self.get_domain_name().domain_name(name);
        let out = request.send().await.aws("GetDomainName")?;
        let domain = to_domain(
            "GetDomainName",
            out.domain_name().or(Some(name)),
            out.domain_name_configurations(),
        )?;
        Ok((domain, out.tags.unwrap_or_default()))
    }

    /// apigatewayv2 gives the tags with every domain name: none given means none.
    async fn tags(&self, _name: &str) -> Result<Tags, CertError> {
        Ok(Tags::new())
    }

    async fn create_domain_name(
        &self,
        new: &NewDomain<'_>,
        tags: &Tags,
    ) -> Result<(DomainName, Tags), CertError> {
        let endpoint_type = match new.endpoint {
            DomainEndpoint::Regional => EndpointType::Regional,
            DomainEndpoint::Edge => EndpointType::Edge,
        };
        let configuration = DomainNameConfiguration::builder()
            .certificate_arn(new.certificate_arn)
            .endpoint_type(endpoint_type)
            .security_policy(SecurityPolicy::Tls12)
            .build();
        let out = self
            .create_domain_name()
            .domain_name(new.name)
            .domain_name_configurations(configuration)
            .set_tags(Some(tags.clone()))
            .customize()
            .config_override(create_once())
            .send()
            .await
            .aws("CreateDomainName")?;
        let created = to_domain(
            "CreateDomainName",
            out.domain_name(),
            out.domain_name_configurations(),
        )?;
        Ok((created, out.tags.unwrap_or_default()))
    }

    spelled_alike_calls!();

    async fn mappings(&self, domain: &str) -> Result<Vec<Mapping>, CertError> {
        let items = aws_calls::all_pages(|token| {
            let request = self
                .get_api_mappings()
                .domain_name(domain)
                .set_next_token(token);
            async move {
                let page = request.send().await.aws("GetApiMappings")?;
                Ok((page.items.unwrap_or_default(), page.next_token))
            }
        })
        .await?;
        let mappings = items.iter().filter_map(|item| {
            let mapping = to_mapping(
                "GetApiMappings",
                item.api_mapping_id(),
                item.api_id(),
                item.stage(),
                item.api_mapping_key(),
            );
            mapping
                .inspect_err(|error| tracing::warn!("{error}; ignoring it"))
                .ok()
        });
        Ok(mappings.collect())
    }

    async fn map(&self, domain: &str, api_id: &str, stage: &str) -> Result<Mapping, CertError> {
        let out = self
            .create_api_mapping()
            .domain_name(domain)
            .api_id(api_id)
            .stage(stage)
            .customize()
            .config_override(create_once())
            .send()
            .await
            .aws("CreateApiMapping")?;
        to_mapping(
            "CreateApiMapping",
            out.api_mapping_id(),
            out.api_id(),
            out.stage(),
            out.api_mapping_key(),
        )
    }

    async fn unmap(&self, domain: &str, mapping_id: &str) -> Result<(), CertError> {
        let request = self.delete_api_mapping().domain_name(domain);
        request
            .api_mapping_id(mapping_id)
            .send()
            .await
            .aws("DeleteApiMapping")?;
        Ok(())
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
        api: GatewayKind::Http,
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
