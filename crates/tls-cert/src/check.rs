//! Checking a certificate in ACM before anything is built on it. Read-only: `DescribeCertificate`
//! is the only call.

use std::fmt;
use std::time::SystemTime;

use aws_calls::AwsResultExt;
use aws_sdk_acm::primitives::{DateTime, DateTimeFormat};
use aws_sdk_acm::types::{CertificateDetail, CertificateStatus};
use serde::Serialize;

use crate::{CertError, CertificateArn, covers};

/// A certificate expiring sooner than this is reported with a warning.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// The region of edge-optimized custom domains' certificates (CloudFront reads them there).
pub const EDGE_CERTIFICATE_REGION: &str = "us-east-1";

const SECONDS_PER_DAY: i64 = 24 * 60 * 60;

/// Where a custom domain will live: HTTP APIs and REGIONAL REST APIs are [`Regional`]; EDGE REST
/// APIs are [`Edge`] (served by CloudFront, so their certificate must be in us-east-1).
///
/// [`Regional`]: DomainEndpoint::Regional
/// [`Edge`]: DomainEndpoint::Edge
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum DomainEndpoint {
    Regional,
    Edge,
}

impl DomainEndpoint {
    /// AWS's spelling: `REGIONAL` or `EDGE`.
    pub fn as_str(self) -> &'static str {
        match self {
            DomainEndpoint::Regional => "REGIONAL",
            DomainEndpoint::Edge => "EDGE",
        }
    }
}

impl fmt::Display for DomainEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a certificate is going to be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertificateUse<'a> {
    /// The certificate ARN as configured (`ssl_certificate_arn`).
    pub arn: &'a str,
    /// The region of the API Gateway API (and of the cluster).
    pub api_region: &'a str,
    /// The custom domain the certificate must cover (`gateway.domain`), if any.
    pub domain: Option<&'a str>,
    /// Where the custom domain lives; decides the region a domain's certificate must be in.
    pub endpoint: DomainEndpoint,
    /// The certificate goes on the load balancer's HTTPS listener (Cortex's
    /// `ssl_certificate_arn`), which reads it from its own region, `api_region`. When this is
    /// set and `domain` is not, `endpoint` does not matter; when both are set, both regions
    /// must hold (an EDGE domain outside us-east-1 then needs a second certificate).
    pub for_load_balancer: bool,
}

/// The outcome of [`check`]: problems (each stops `up`), warnings (printed, do not stop), and
/// what ACM said about the certificate when it was found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CertReport {
    pub problems: Vec<CertProblem>,
    pub warnings: Vec<String>,
    pub certificate: Option<CertSummary>,
}

impl CertReport {
    /// No problems (warnings allowed).
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What ACM says about a certificate, as far as cortex-net cares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertSummary {
    pub arn: String,
    pub domain_name: String,
    pub subject_alternative_names: Vec<String>,
    /// ACM's status, as AWS spells it (`ISSUED`, `PENDING_VALIDATION`, ...).
    pub status: String,
    /// The end of validity, RFC 3339.
    pub not_after: Option<String>,
    pub region: String,
}

/// Something that makes a certificate unusable for the intended use. Displayed as a sentence
/// that says what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum CertProblem {
    /// ACM has no such certificate in the ARN's region.
    NotFound { region: String, arn: String },
    /// The certificate is not `ISSUED`. For `PENDING_VALIDATION`, the DNS records ACM waits for
    /// as (name, type, value).
    NotIssued {
        status: String,
        validation_records: Vec<(String, String, String)>,
    },
    /// The certificate's validity ended (RFC 3339).
    Expired { not_after: String },
    /// The certificate is in `found` but the use needs `needed`, for the reason `why`.
    WrongRegion {
        found: String,
        needed: String,
        why: String,
    },
    /// The certificate's `names` (domain name and subject alternative names) do not cover
    /// `domain`.
    DoesNotCover { domain: String, names: Vec<String> },
    /// The ARN is not an ACM certificate ARN; the text says what was expected.
    BadArn(String),
}

impl fmt::Display for CertProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Cortex's own wording, kept exactly.
            CertProblem::NotFound { region, arn } => write!(
                f,
                "unable to find the specified ssl certificate in {region}: {arn}"
            ),
            CertProblem::NotIssued {
                status,
                validation_records,
            } if status == "PENDING_VALIDATION" => {
                if validation_records.is_empty() {
                    write!(
                        f,
                        "the certificate is PENDING_VALIDATION and ACM lists no DNS validation \
                         records for it (it may use email validation, or ACM has not published \
                         them yet): complete the validation (`aws acm describe-certificate` shows \
                         what is missing), then wait for ACM to issue the certificate"
                    )
                } else {
                    write!(
                        f,
                        "the certificate is PENDING_VALIDATION: ACM waits for its DNS validation \
                         records; create these DNS records, then wait for ACM to issue the \
                         certificate: "
                    )?;
                    for (i, (name, kind, value)) in validation_records.iter().enumerate() {
                        if i > 0 {
                            f.write_str("; ")?;
                        }
                        write!(f, "{name} {kind} {value}")?;
                    }
                    Ok(())
                }
            }
            CertProblem::NotIssued { status, .. } => {
                let why = match status.as_str() {
                    "EXPIRED" => "it has expired",
                    "REVOKED" => "it was revoked",
                    "FAILED" => "ACM could not issue it",
                    "VALIDATION_TIMED_OUT" => "its domain validation was not completed in time",
                    "INACTIVE" => "it is inactive",
                    _ => "only ISSUED certificates can be used",
                };
                write!(
                    f,
                    "the certificate's status is {status}, not ISSUED ({why}): request or import \
                     a new certificate in ACM and configure its ARN instead"
                )
            }
            CertProblem::Expired { not_after } => write!(
                f,
                "the certificate expired on {not_after}: renew it (re-import it, for an imported \
                 certificate) or request a new one and configure its ARN instead"
            ),
            CertProblem::WrongRegion { found, needed, why } => write!(
                f,
                "the certificate is in {found}, but {why}, so it must be in {needed}: request or \
                 import a certificate in {needed} and configure its ARN instead"
            ),
            CertProblem::DoesNotCover { domain, names } => {
                let names = if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                };
                write!(
                    f,
                    "the certificate does not cover {domain} (its names: {names}): use a \
                     certificate for {domain} (a wildcard covers exactly one label), or change \
                     gateway.domain"
                )
            }
            CertProblem::BadArn(message) => f.write_str(message),
        }
    }
}

/// The region of the certificate `arn`: where it must be looked up. The caller builds the ACM
/// client passed to [`check`] for this region.
pub fn certificate_region(arn: &str) -> Result<String, CertProblem> {
    CertificateArn::parse(arn)
        .map(|arn| arn.region)
        .map_err(|e| CertProblem::BadArn(e.to_string()))
}

/// Checks the certificate `usage.arn` for `usage`, as of `now`. `acm` must be a client for the
/// certificate's region ([`certificate_region`]). Only AWS failures are errors; everything
/// about the certificate itself is in the report.
pub async fn check(
    acm: &aws_sdk_acm::Client,
    usage: &CertificateUse<'_>,
    now: SystemTime,
) -> Result<CertReport, CertError> {
    let mut report = CertReport::default();
    let arn = match CertificateArn::parse(usage.arn) {
        Ok(arn) => arn,
        Err(e) => {
            report.problems.push(CertProblem::BadArn(e.to_string()));
            return Ok(report);
        }
    };
    if let Some(client_region) = acm.config().region().map(|r| r.as_ref())
        && client_region != arn.region
    {
        // A caller bug, not the user's: ACM would answer "not found" and mislead them.
        return Err(CertError::Invalid(format!(
            "DescribeCertificate: the ACM client is for {client_region} but the certificate is \
             in {}: look it up with a client for the certificate's region",
            arn.region
        )));
    }
    report.problems.extend(region_problems(&arn.region, usage));

    let described = acm
        .describe_certificate()
        .certificate_arn(usage.arn)
        .send()
        .await
        .aws("DescribeCertificate");
    let detail = match described {
        Ok(out) => out.certificate,
        Err(e) if e.has_code("ResourceNotFoundException") => None,
        Err(e) if e.has_code("InvalidArnException") => {
            report.problems.push(CertProblem::BadArn(format!(
                "ACM rejected the certificate ARN `{}`: {}",
                usage.arn,
                e.describe()
            )));
            return Ok(report);
        }
        Err(e) => return Err(e.into()),
    };
    let Some(detail) = detail else {
        report.problems.insert(
            0,
            CertProblem::NotFound {
                region: arn.region.clone(),
                arn: usage.arn.to_string(),
            },
        );
        return Ok(report);
    };

    let summary = summarise(usage.arn, &arn.region, &detail);
    let status = detail.status();
    let expired = match detail.not_after() {
        Some(not_after) => check_expiry(not_after, now, &mut report),
        None => false,
    };
    match status {
        Some(CertificateStatus::Issued) => {}
        Some(CertificateStatus::Expired) if expired => {} // already reported as Expired
        Some(CertificateStatus::PendingValidation) => {
            report.problems.push(CertProblem::NotIssued {
                status: summary.status.clone(),
                validation_records: validation_records(&detail),
            })
        }
        _ => report.problems.push(CertProblem::NotIssued {
            status: summary.status.clone(),
            validation_records: Vec::new(),
        }),
    }
    if let Some(domain) = usage.domain {
        let names = certificate_names(&detail);
        if !covers(&names, domain) {
            report.problems.push(CertProblem::DoesNotCover {
                domain: domain.to_string(),
                names,
            });
        }
    }
    report.certificate = Some(summary);
    Ok(report)
}

/// The regions `usage` needs the certificate in, with the reason, that `found` is not.
fn region_problems(found: &str, usage: &CertificateUse<'_>) -> Vec<CertProblem> {
    let mut needs: Vec<(&str, String)> = Vec::new();
    if usage.for_load_balancer {
        needs.push((
            usage.api_region,
            format!(
                "the load balancer's HTTPS listener uses certificates from its own region ({})",
                usage.api_region
            ),
        ));
    }
    if !usage.for_load_balancer || usage.domain.is_some() {
        needs.push(match usage.endpoint {
            DomainEndpoint::Edge => (
                EDGE_CERTIFICATE_REGION,
                "edge-optimized custom domains use certificates in us-east-1 (CloudFront)"
                    .to_string(),
            ),
            DomainEndpoint::Regional => (
                usage.api_region,
                format!(
                    "regional custom domains (HTTP APIs and REGIONAL REST APIs) use certificates \
                     from the API's region ({})",
                    usage.api_region
                ),
            ),
        });
    }
    needs
        .into_iter()
        .filter(|(needed, _)| *needed != found)
        .map(|(needed, why)| CertProblem::WrongRegion {
            found: found.to_string(),
            needed: needed.to_string(),
            why,
        })
        .collect()
}

/// Adds `Expired` or the expiry warning; returns whether the certificate has expired.
fn check_expiry(not_after: &DateTime, now: SystemTime, report: &mut CertReport) -> bool {
    let left = not_after.secs() - DateTime::from(now).secs();
    let text = rfc3339(not_after);
    if left <= 0 {
        report
            .problems
            .push(CertProblem::Expired { not_after: text });
        return true;
    }
    if left < EXPIRY_WARNING_DAYS * SECONDS_PER_DAY {
        let days = left / SECONDS_PER_DAY;
        let when = match days {
            0 => "in less than a day".to_string(),
            1 => "in 1 day".to_string(),
            n => format!("in {n} days"),
        };
        report.warnings.push(format!(
            "the certificate expires on {} ({when}): renew it before then (ACM renews \
             certificates it issued while their validation DNS records stay in place; an \
             imported certificate must be re-imported)",
            text.get(..10).unwrap_or(&text)
        ));
    }
    false
}

fn summarise(arn: &str, region: &str, detail: &CertificateDetail) -> CertSummary {
    CertSummary {
        arn: detail.certificate_arn().unwrap_or(arn).to_string(),
        domain_name: detail.domain_name().unwrap_or_default().to_string(),
        subject_alternative_names: detail.subject_alternative_names().to_vec(),
        status: detail
            .status()
            .map_or("UNKNOWN", |s| s.as_str())
            .to_string(),
        not_after: detail.not_after().map(rfc3339),
        region: region.to_string(),
    }
}

/// The domain name and the subject alternative names, without repeats.
fn certificate_names(detail: &CertificateDetail) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in detail.domain_name().into_iter().chain(
        detail
            .subject_alternative_names()
            .iter()
            .map(String::as_str),
    ) {
        if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            names.push(name.to_string());
        }
    }
    names
}

/// The DNS records ACM waits for, without repeats (a name and its wildcard share one record).
fn validation_records(detail: &CertificateDetail) -> Vec<(String, String, String)> {
    let mut records: Vec<(String, String, String)> = Vec::new();
    for option in detail.domain_validation_options() {
        if let Some(record) = option.resource_record() {
            let record = (
                record.name().to_string(),
                record.r#type().as_str().to_string(),
                record.value().to_string(),
            );
            if !records.contains(&record) {
                records.push(record);
            }
        }
    }
    records
}

fn rfc3339(time: &DateTime) -> String {
    time.fmt(DateTimeFormat::DateTime)
        .unwrap_or_else(|_| format!("{} seconds after the epoch", time.secs()))
}

#[cfg(test)]
mod tests;
