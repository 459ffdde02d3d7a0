//! Certificate checks in ACM, before anything is built on a certificate, and the self-signed
//! certificate command.

use crate::cli::OutputFormat;
use crate::error::CliError;
use crate::output;
use aws_config::{Region, SdkConfig};
use gw_core::Ownership;
use netconf::{Config, EndpointType, GatewayKind};
use serde::Serialize;
use std::path::Path;
use std::time::SystemTime;
use tls_cert::check::{CertReport, CertificateUse, DomainEndpoint};

/// One configured certificate and what ACM says about it.
#[derive(Debug, Serialize)]
pub struct Checked {
    /// The setting that names it: `ssl_certificate_arn` or `gateway.certificate_arn`.
    pub setting: &'static str,
    pub arn: String,
    pub report: CertReport,
}

/// Where the configured custom domain would live.
fn domain_endpoint(config: &Config) -> DomainEndpoint {
    match (
        config.settings.gateway.r#type,
        config.settings.gateway.endpoint_type,
    ) {
        (GatewayKind::Rest, EndpointType::Edge) => DomainEndpoint::Edge,
        _ => DomainEndpoint::Regional,
    }
}

/// ACM in the certificate's own region: that is where it lives, whatever the API's region.
fn acm_for(sdk: &SdkConfig, arn: &str) -> Result<aws_sdk_acm::Client, CliError> {
    let region = tls_cert::check::certificate_region(arn)
        .map_err(|problem| CliError::invalid(problem.to_string()))?;
    let config = aws_sdk_acm::config::Builder::from(sdk)
        .region(Region::new(region))
        .build();
    Ok(aws_sdk_acm::Client::from_conf(config))
}

/// Checks every configured certificate: the load balancer's (`ssl_certificate_arn`, which also
/// serves the custom domain when `gateway.certificate_arn` is not set) and the domain's.
pub async fn check_all(
    sdk: &SdkConfig,
    config: &Config,
    region: &str,
) -> Result<Vec<Checked>, CliError> {
    let domain = config.settings.gateway.domain.as_deref();
    let endpoint = domain_endpoint(config);
    let own_domain_certificate = config.settings.gateway.certificate_arn.as_deref();
    let mut uses = Vec::new();
    if let Some(arn) = config.cluster.ssl_certificate_arn.as_deref() {
        uses.push((
            "ssl_certificate_arn",
            CertificateUse {
                arn,
                api_region: region,
                // The cluster's certificate covers the domain too when no other is given.
                domain: domain.filter(|_| own_domain_certificate.is_none()),
                endpoint,
                for_load_balancer: true,
            },
        ));
    }
    if let (Some(arn), Some(_)) = (own_domain_certificate, domain) {
        uses.push((
            "gateway.certificate_arn",
            CertificateUse {
                arn,
                api_region: region,
                domain,
                endpoint,
                for_load_balancer: false,
            },
        ));
    }
    // Side by side; the first failure in the order above is the one reported.
    let checks = uses.iter().map(|(setting, usage)| async move {
        let acm = acm_for(sdk, usage.arn)?;
        let report = tls_cert::check::check(&acm, usage, SystemTime::now())
            .await
            .map_err(|e| CliError::failed(e.to_string()))?;
        Ok(Checked {
            setting,
            arn: usage.arn.to_string(),
            report,
        })
    });
    futures_util::future::join_all(checks)
        .await
        .into_iter()
        .collect()
}

/// Stops the command, before any change, when a certificate cannot be used; prints warnings
/// (e.g. expiring soon) and lets it go on otherwise.
pub fn enforce(checked: &[Checked]) -> Result<(), CliError> {
    let mut problems = Vec::new();
    for item in checked {
        for warning in &item.report.warnings {
            tracing::warn!("{}: {warning}", item.setting);
        }
        for problem in &item.report.problems {
            problems.push(format!("{} ({}): {problem}", item.setting, item.arn));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CliError::invalid(format!(
            "the configured certificate cannot be used; nothing was changed:\n  {}",
            problems.join("\n  ")
        )))
    }
}

#[derive(Serialize)]
struct SelfSignedReport {
    certificate_file: String,
    key_file: String,
    common_name: String,
    not_after: String,
    arn: Option<String>,
}

/// `cortex-net cert self-signed`: writes a certificate and its key (mode 0600), and imports them
/// into ACM tagged as owned when asked. The key is never printed.
pub async fn self_signed(
    format: OutputFormat,
    common_name: &str,
    days: u32,
    out: &Path,
    import: Option<(&SdkConfig, &Ownership)>,
) -> Result<(), CliError> {
    let cert = tls_cert::selfsigned::generate(common_name, days)
        .map_err(|e| CliError::invalid(e.to_string()))?;
    let (certificate_file, key_file) = tls_cert::selfsigned::write_files(&cert, out, common_name)
        .map_err(|e| CliError::failed(e.to_string()))?;
    let arn = match import {
        Some((sdk, owner)) => Some(
            tls_cert::selfsigned::import(&aws_sdk_acm::Client::new(sdk), &cert, owner)
                .await
                .map_err(|e| CliError::failed(e.to_string()))?,
        ),
        None => None,
    };
    let report = SelfSignedReport {
        certificate_file: certificate_file.display().to_string(),
        key_file: key_file.display().to_string(),
        common_name: cert.common_name.clone(),
        not_after: cert.not_after.clone(),
        arn,
    };
    output::emit(format, &report, || {
        println!(
            "Self-signed certificate for {} (valid until {}):",
            report.common_name, report.not_after
        );
        println!("  certificate  {}", report.certificate_file);
        println!("  private key  {} (mode 0600)", report.key_file);
        if let Some(arn) = &report.arn {
            println!("Imported into ACM as {arn}, tagged as owned by cortex-net.");
            println!("Use it: `gateway.certificate_arn: {arn}` in cortex-net.yaml.");
        }
    })
}
