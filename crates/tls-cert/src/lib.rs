//! Certificates for cortex-net: checking an ACM certificate before anything is built on it,
//! self-signed certificates for testing, and the custom domain names that use them.
//!
//! What is here:
//! - The pure rules the checks rest on: reading a certificate ARN ([`CertificateArn`]) and
//!   whether a certificate's names cover a domain ([`covers`]).
//! - [`check`](mod@check): `ssl_certificate_arn` checked in ACM before any change (exists, `ISSUED`, not
//!   expired, covers the domain, in the right region). Read-only: the checker never writes to
//!   AWS. Problems come back as data ([`CertProblem`]), each displayed as a sentence with the fix.
//! - [`selfsigned`]: `cortex-net cert self-signed`: an RSA-2048 certificate and key made with
//!   rcgen (on aws-lc-rs, the SDK's own crypto), written as PEM files (the key created 0600),
//!   optionally imported into ACM tagged as owned.
//! - [`domain`]: API Gateway custom domain names and their mappings, for HTTP APIs ([`domain::v2`])
//!   and REST APIs ([`domain::v1`]), and the DNS record the user must create ([`domain::dns_record`]).
//!
//! Checking a certificate takes one ACM client for the certificate's own region; here a mocked
//! one holds an issued wildcard certificate:
//!
//! ```
//! use std::time::{Duration, SystemTime};
//!
//! use aws_sdk_acm::config::Region;
//! use aws_sdk_acm::operation::describe_certificate::DescribeCertificateOutput;
//! use aws_sdk_acm::primitives::DateTime;
//! use aws_sdk_acm::types::{CertificateDetail, CertificateStatus};
//! use aws_smithy_mocks::{RuleMode, mock, mock_client};
//! use tls_cert::{CertProblem, CertificateUse, DomainEndpoint, certificate_region, check};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), tls_cert::CertError> {
//! const ARN: &str = "arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d";
//! let in_a_year = DateTime::from(SystemTime::now() + Duration::from_secs(365 * 86_400));
//! let describe = mock!(aws_sdk_acm::Client::describe_certificate).then_output(move || {
//!     let certificate = CertificateDetail::builder()
//!         .certificate_arn(ARN)
//!         .domain_name("*.example.com")
//!         .status(CertificateStatus::Issued)
//!         .not_after(in_a_year)
//!         .build();
//!     DescribeCertificateOutput::builder().certificate(certificate).build()
//! });
//! let region = certificate_region(ARN).expect("an ACM certificate ARN");
//! assert_eq!(region, "eu-west-1");
//! let acm = mock_client!(aws_sdk_acm, RuleMode::MatchAny, [&describe], |c| c
//!     .region(Region::new(region.clone())));
//!
//! // For a regional custom domain of an API in eu-west-1: fine.
//! let usage = CertificateUse {
//!     arn: ARN,
//!     api_region: "eu-west-1",
//!     domain: Some("api.example.com"),
//!     endpoint: DomainEndpoint::Regional,
//!     for_load_balancer: false,
//! };
//! let report = check(&acm, &usage, SystemTime::now()).await?;
//! assert!(report.is_ok(), "{:?}", report.problems);
//! assert_eq!(report.certificate.map(|c| c.status).as_deref(), Some("ISSUED"));
//!
//! // For an edge-optimized domain, CloudFront reads certificates in us-east-1: a problem,
//! // displayed as a sentence with the fix.
//! let edge = CertificateUse { endpoint: DomainEndpoint::Edge, ..usage };
//! let report = check(&acm, &edge, SystemTime::now()).await?;
//! let [CertProblem::WrongRegion { needed, .. }] = &report.problems[..] else {
//!     panic!("{:?}", report.problems);
//! };
//! assert_eq!(needed, "us-east-1");
//! assert!(report.problems[0].to_string().contains("request or import a certificate in us-east-1"));
//! # Ok(())
//! # }
//! ```
//!
//! Invariants (what must never happen):
//! - **Never print or log private key material.** [`selfsigned::SelfSigned`]'s `Debug` and
//!   `Display` leave the key out; no log line carries it; the key file is created with mode 0600
//!   (never loosened afterwards) and never overwrites an existing file.
//! - **Never delete a certificate or domain name we did not create.** Domain names are created
//!   with both ownership tags ([`gw_core::Ownership`]); `find_owned` returns only those carrying
//!   them, and `delete` reads the tags again and refuses a domain name that lacks them. Nothing in
//!   this crate deletes a certificate.
//! - Deleting something already gone counts as done, so an interrupted `down` can be re-run.
//! - No `unwrap`/`expect` on AWS data: a missing field is an [`CertError::Unexpected`] or, where
//!   the user can act on it, a note (see [`domain::DnsRecord::note`]).

use std::fmt;
use std::path::PathBuf;

pub mod check;
pub mod domain;
pub mod selfsigned;

pub use check::{
    CertProblem, CertReport, CertSummary, CertificateUse, DomainEndpoint, certificate_region, check,
};
pub use selfsigned::SelfSigned;

/// Failures of this crate's operations. Findings about a certificate are not errors: they are
/// [`CertProblem`]s in a [`CertReport`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    /// An AWS call failed; its `Display` says what to do.
    #[error(transparent)]
    Aws(Box<gw_core::AwsError>),
    /// An AWS call whose outcome a fresh observation may settle (see
    /// [`gw_core::ProviderError::Unsettled`]).
    #[error("{operation} did not complete: {message}")]
    Unsettled {
        operation: &'static str,
        message: String,
    },
    /// A request this crate refuses before calling anything (an empty common name, 0 days, a
    /// domain name that is not ours...). The message says what to change.
    #[error("{0}")]
    Invalid(String),
    /// Generating the certificate failed (rcgen or the crypto library).
    #[error("could not generate the self-signed certificate: {0}")]
    Generate(String),
    /// A file to write already exists; cortex-net never overwrites a key or certificate.
    #[error(
        "{} already exists; cortex-net never overwrites a certificate or key: remove it, or choose another directory with --out",
        .0.display()
    )]
    FileExists(PathBuf),
    /// Writing a file failed.
    #[error("could not write {}: {message}", path.display())]
    Io { path: PathBuf, message: String },
    /// AWS answered without a field it always sends.
    #[error("{0}")]
    Unexpected(String),
}

impl From<gw_core::AwsError> for CertError {
    fn from(error: gw_core::AwsError) -> Self {
        CertError::Aws(Box::new(error))
    }
}

/// So that providers can use `?` on this crate's calls.
impl From<CertError> for gw_core::ProviderError {
    fn from(error: CertError) -> Self {
        match error {
            CertError::Aws(error) => gw_core::ProviderError::Aws(error),
            CertError::Unsettled { operation, message } => {
                gw_core::ProviderError::Unsettled { operation, message }
            }
            other => gw_core::ProviderError::Failed(other.to_string()),
        }
    }
}

/// The parts of an ACM certificate ARN that the checks need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateArn {
    pub partition: String,
    pub region: String,
    pub account: String,
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not an ACM certificate ARN: expected arn:aws:acm:<region>:<account>:certificate/<id>"
)]
pub struct NotACertificateArn(pub String);

impl CertificateArn {
    pub fn parse(arn: &str) -> Result<Self, NotACertificateArn> {
        let bad = || NotACertificateArn(arn.to_string());
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let [prefix, partition, service, region, account, resource] = parts[..] else {
            return Err(bad());
        };
        let id = resource.strip_prefix("certificate/").ok_or_else(bad)?;
        let valid = prefix == "arn"
            && partition.starts_with("aws")
            && service == "acm"
            && !region.is_empty()
            && account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit())
            && !id.is_empty();
        if !valid {
            return Err(bad());
        }
        Ok(Self {
            partition: partition.to_string(),
            region: region.to_string(),
            account: account.to_string(),
            id: id.to_string(),
        })
    }
}

impl fmt::Display for CertificateArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arn:{}:acm:{}:{}:certificate/{}",
            self.partition, self.region, self.account, self.id
        )
    }
}

/// Whether a certificate with these names (domain and subject alternative names) is valid for
/// `domain`. A wildcard covers exactly one label: `*.example.com` covers `api.example.com`,
/// not `example.com` nor `a.b.example.com`. Comparison ignores case and a trailing dot.
pub fn covers<S: AsRef<str>>(names: &[S], domain: &str) -> bool {
    let domain = normalise(domain);
    names.iter().any(|name| {
        let name = normalise(name.as_ref());
        match name.strip_prefix("*.") {
            Some(parent) => domain
                .split_once('.')
                .is_some_and(|(label, rest)| !label.is_empty() && rest == parent),
            None => name == domain,
        }
    })
}

fn normalise(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_certificate_arn_and_prints_it_back() {
        let text =
            "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab";
        let arn = CertificateArn::parse(text).expect("valid ARN");
        assert_eq!(arn.region, "us-east-1");
        assert_eq!(arn.account, "123456789012");
        assert_eq!(arn.id, "0a1b2c3d-aaaa-bbbb-cccc-0123456789ab");
        assert_eq!(arn.to_string(), text);
        assert_eq!(
            CertificateArn::parse("arn:aws-cn:acm:cn-north-1:123456789012:certificate/x")
                .map(|a| a.partition),
            Ok("aws-cn".to_string())
        );
    }

    #[test]
    fn rejects_other_arns() {
        for text in [
            "",
            "arn:aws:iam::123456789012:server-certificate/x",
            "arn:aws:acm:us-east-1:1234:certificate/x",
            "arn:aws:acm:us-east-1:123456789012:certificate/",
            "arn:aws:acm::123456789012:certificate/x",
        ] {
            assert!(CertificateArn::parse(text).is_err(), "{text} accepted");
        }
    }

    #[test]
    fn wildcards_cover_exactly_one_label() {
        let names = ["*.example.com", "example.org"];
        assert!(covers(&names, "api.example.com"));
        assert!(covers(&names, "API.Example.com."));
        assert!(!covers(&names, "example.com"));
        assert!(!covers(&names, "a.b.example.com"));
        assert!(covers(&names, "example.org"));
        assert!(!covers(&names, "www.example.org"));
        assert!(!covers::<&str>(&[], "example.org"));
    }
}
