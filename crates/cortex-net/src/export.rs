//! `cortex-net export`: the gateway `up` would build, as a CloudFormation template (YAML, or
//! JSON with `--json`) or as the OpenAPI document API Gateway imports, for deploying it with
//! CloudFormation (StackSets for fleets) instead of cortex-net. Like `plan`, it discovers the
//! load balancer; it changes nothing.

mod http;
mod yaml;

use crate::cli::{Cli, ExportFormat};
use crate::desired;
use crate::error::CliError;
use crate::session::Session;
use gw_core::{DesiredGateway, GatewayKind, Ownership, ResourceKind};
use serde_json::Value;
use std::path::Path;

pub async fn run(
    cli: &Cli,
    format: ExportFormat,
    out_file: Option<&Path>,
    json: bool,
) -> Result<(), CliError> {
    let session = Session::open(cli).await?;
    let lb = session.load_balancer().await?;
    let desired = desired::build(&session.config, &session.region, &lb)?;
    if desired.routes.is_empty() {
        return Err(CliError::invalid(format!(
            "cluster {}: the configuration publishes no API through API Gateway, so there is \
             no gateway to export (set `api_gateway: public` on an API, or remove the APIs' \
             `api_gateway: none`)",
            desired.cluster
        )));
    }
    let provider = session.gateways.selected();
    provider.check_supported(&desired)?;
    let document = match format {
        ExportFormat::Cloudformation => cloudformation(provider.kind(), &desired, session.owner()),
        ExportFormat::Openapi => {
            // A private integration names its VPC link by id: the one `up` made, if any.
            let link_id = match desired.vpc_link {
                Some(_) => Some(existing_link(&session).await?),
                None => None,
            };
            openapi(provider.kind(), &desired, link_id.as_deref())
        }
    };
    let text = render(&document, format, json)?;
    write(&text, out_file)
}

/// The template of the configured kind's gateway (one exhaustive match: a new kind must say
/// how it exports).
pub(crate) fn cloudformation(
    kind: GatewayKind,
    desired: &DesiredGateway,
    owner: &Ownership,
) -> Value {
    match kind {
        GatewayKind::Http => http::cloudformation(desired, owner),
        GatewayKind::Rest => gw_rest::template::cloudformation(desired, owner),
    }
}

/// The API definition as OpenAPI 3 with API Gateway's extensions.
pub(crate) fn openapi(kind: GatewayKind, desired: &DesiredGateway, link_id: Option<&str>) -> Value {
    match kind {
        GatewayKind::Http => http::openapi(desired, link_id),
        GatewayKind::Rest => gw_rest::openapi_document(desired, link_id),
    }
}

/// What a private integration's `connectionId` says when the cluster has no VPC link yet.
pub(crate) const LINK_PLACEHOLDER: &str = "VPC_LINK_ID";

/// The id of the cluster's VPC link, or [`LINK_PLACEHOLDER`] (with a warning) when there is
/// none yet: the integrations stay private either way.
async fn existing_link(session: &Session) -> Result<String, CliError> {
    let provider = session.gateways.selected();
    let observed = provider.observe(session.owner()).await?;
    match observed.primary(ResourceKind::VpcLink) {
        Some(link) => Ok(link.id.clone()),
        None => {
            tracing::warn!(
                "no VPC link of this cluster exists yet: the document names it \
                 {LINK_PLACEHOLDER}; run `cortex-net up` first, or replace it with your link's id"
            );
            Ok(LINK_PLACEHOLDER.to_string())
        }
    }
}

fn render(document: &Value, format: ExportFormat, json: bool) -> Result<String, CliError> {
    if format == ExportFormat::Cloudformation && !json {
        return Ok(yaml::to_yaml(document));
    }
    serde_json::to_string_pretty(document)
        .map(|text| text + "\n")
        .map_err(|e| CliError::failed(format!("cannot encode the export as JSON: {e}")))
}

fn write(text: &str, out_file: Option<&Path>) -> Result<(), CliError> {
    match out_file {
        None => {
            print!("{text}");
            Ok(())
        }
        Some(path) => std::fs::write(path, text)
            .map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gw_core::VpcLinkVersion;
    use gw_core::testing::desired;

    #[test]
    fn a_private_integration_stays_private_before_its_link_exists() {
        for kind in GatewayKind::ALL {
            let gateway = desired(*kind).internal(VpcLinkVersion::V2).build();
            let document = openapi(*kind, &gateway, Some(LINK_PLACEHOLDER));
            let integration = &document["paths"]["/{proxy+}"]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"];
            assert_eq!(integration["connectionType"], "VPC_LINK", "{kind}");
            assert_eq!(integration["connectionId"], LINK_PLACEHOLDER, "{kind}");
        }
    }

    #[test]
    fn each_kind_exports_its_own_resources() {
        let owner = Ownership::new("prod");
        let http = cloudformation(
            GatewayKind::Http,
            &desired(GatewayKind::Http).build(),
            &owner,
        );
        let rest = cloudformation(
            GatewayKind::Rest,
            &desired(GatewayKind::Rest).build(),
            &owner,
        );
        assert_eq!(http["Resources"]["Api"]["Type"], "AWS::ApiGatewayV2::Api");
        assert_eq!(
            rest["Resources"]["RestApi"]["Type"],
            "AWS::ApiGateway::RestApi"
        );
        let yaml = render(&rest, ExportFormat::Cloudformation, false).unwrap_or_default();
        assert!(
            yaml.starts_with("AWSTemplateFormatVersion: \"2010-09-09\"\n"),
            "{yaml}"
        );
        let json = render(&rest, ExportFormat::Cloudformation, true).unwrap_or_default();
        assert_eq!(serde_json::from_str::<Value>(&json).ok(), Some(rest));
    }
}
