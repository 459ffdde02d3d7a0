//! Printing results: text for people, JSON (`-o json`) for programs. Data goes to stdout;
//! progress, warnings and errors go to stderr.

use crate::cli::OutputFormat;
use crate::endpoints::{Endpoint, Via};
use crate::error::CliError;
use serde::Serialize;

pub fn json<T: Serialize>(value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::failed(format!("cannot encode the output as JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

/// Prints `value` as JSON, or runs `text` to print it for people.
pub fn emit<T: Serialize>(
    format: OutputFormat,
    value: &T,
    text: impl FnOnce(),
) -> Result<(), CliError> {
    match format {
        OutputFormat::Json => json(value),
        OutputFormat::Text => {
            text();
            Ok(())
        }
    }
}

pub fn endpoints_text(endpoints: &[Endpoint]) {
    let width = endpoints
        .iter()
        .map(|e| e.api.as_deref().unwrap_or("(all APIs)").len())
        .max()
        .unwrap_or(0);
    for endpoint in endpoints {
        let via = match endpoint.via {
            Via::ApiGateway => "api-gateway",
            Via::LoadBalancer => "load-balancer",
        };
        println!(
            "  {:<width$}  {}  (via {via})",
            endpoint.api.as_deref().unwrap_or("(all APIs)"),
            endpoint.url
        );
        if let Some(guard) = &endpoint.protection {
            println!("  {:<width$}  auth: {}", "", guard.summary());
        }
        if let Some(note) = &endpoint.note {
            println!("  {:<width$}  note: {note}", "");
        }
    }
}

/// The custom domain and the DNS record the user must create for it.
pub fn domain_text(domain: &gw_core::CustomDomain) {
    let record = &domain.dns_record;
    println!("Custom domain: {}", domain.url);
    println!(
        "  DNS record to create: {} {} {}",
        record.name,
        record.kind,
        record.target.as_deref().unwrap_or("<target not reported>")
    );
    if let Some(zone) = &record.hosted_zone_id {
        println!("  (alias hosted zone {zone})");
    }
    if let Some(note) = &record.note {
        println!("  note: {note}");
    }
}
