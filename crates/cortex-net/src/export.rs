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
                Some(_) => existing_link(&session).await?,
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

async fn existing_link(session: &Session) -> Result<Option<String>, CliError> {
    let provider = session.gateways.selected();
    let observed = provider.observe(session.owner()).await?;
    let found = observed
        .primary(ResourceKind::VpcLink)
        .map(|link| link.id.clone());
    if found.is_none() {
        tracing::warn!(
            "no VPC link of this cluster exists yet: the document names it VPC_LINK_ID; \
             run `cortex-net up` first, or replace it with your link's id"
        );
    }
    Ok(found)
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
