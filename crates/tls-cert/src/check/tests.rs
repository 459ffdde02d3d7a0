//! [`check`] against a mocked ACM holding one certificate (or answering with an error).

use std::time::{Duration, UNIX_EPOCH};

use aws_sdk_acm::Client;
use aws_sdk_acm::config::Region;
use aws_sdk_acm::error::ErrorMetadata;
use aws_sdk_acm::operation::describe_certificate::{
    DescribeCertificateError, DescribeCertificateOutput,
};
use aws_sdk_acm::types::{DomainValidation, RecordType, ResourceRecord};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};

use super::*;

const EU_ARN: &str =
    "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
const US_ARN: &str =
    "arn:aws:acm:us-east-1:123456789012:certificate/66666666-7777-8888-9999-000000000000";
const DAY: u64 = 24 * 60 * 60;

/// 2027-01-15T08:00:00Z: every test's "now".
fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn days_from_now(days: i64) -> DateTime {
    DateTime::from_secs(1_800_000_000 + days * DAY as i64)
}

/// A certificate for `example.com` and `*.example.com`, ending `not_after_days` from now.
fn certificate(arn: &str, status: CertificateStatus, not_after_days: i64) -> CertificateDetail {
    CertificateDetail::builder()
        .certificate_arn(arn)
        .domain_name("example.com")
        .subject_alternative_names("example.com")
        .subject_alternative_names("*.example.com")
        .status(status)
        .not_after(days_from_now(not_after_days))
        .build()
}

/// An issued certificate valid for 200 more days.
fn issued(arn: &str) -> CertificateDetail {
    certificate(arn, CertificateStatus::Issued, 200)
}

/// ACM in one region, answering `DescribeCertificate` with one certificate or one error.
struct Acm {
    rule: Rule,
    client: Client,
}

impl Acm {
    /// ACM in `region`, holding `detail` under its own ARN.
    fn holding(region: &'static str, detail: CertificateDetail) -> Self {
        let arn = detail.certificate_arn().unwrap_or_default().to_string();
        let rule = mock!(Client::describe_certificate)
            .match_requests(move |r| r.certificate_arn() == Some(arn.as_str()))
            .then_output(move || {
                DescribeCertificateOutput::builder()
                    .certificate(detail.clone())
                    .build()
            });
        Self::serving(region, rule)
    }

    /// ACM in eu-west-1, answering every `DescribeCertificate` with `code: message`.
    fn failing(code: &'static str, message: &'static str) -> Self {
        let rule = mock!(Client::describe_certificate).then_error(move || {
            let meta = ErrorMetadata::builder().code(code).message(message).build();
            DescribeCertificateError::generic(meta)
        });
        Self::serving("eu-west-1", rule)
    }

    fn serving(region: &'static str, rule: Rule) -> Self {
        let client = mock_client!(aws_sdk_acm, RuleMode::MatchAny, [&rule], |c| c
            .region(Region::from_static(region)));
        Acm { rule, client }
    }

    async fn check(&self, usage: &CertificateUse<'_>) -> Result<CertReport, CertError> {
        check(&self.client, usage, now()).await
    }

    /// The report for `usage`, which must not be an AWS failure.
    async fn report(&self, usage: &CertificateUse<'_>) -> CertReport {
        match self.check(usage).await {
            Ok(report) => report,
            Err(error) => panic!("{error:?}"),
        }
    }
}

fn regional<'a>(arn: &'a str, region: &'a str, domain: Option<&'a str>) -> CertificateUse<'a> {
    CertificateUse {
        arn,
        api_region: region,
        domain,
        endpoint: DomainEndpoint::Regional,
        for_load_balancer: false,
    }
}

/// The EU certificate for a regional domain (or none) of an API in eu-west-1.
fn in_eu(domain: Option<&str>) -> CertificateUse<'_> {
    regional(EU_ARN, "eu-west-1", domain)
}

#[tokio::test]
async fn an_issued_certificate_in_the_api_region_passes_and_is_summarised() {
    let acm = Acm::holding("eu-west-1", issued(EU_ARN));
    let report = acm.report(&in_eu(Some("api.example.com"))).await;
    assert_eq!(report.problems, vec![]);
    assert_eq!(report.warnings, Vec::<String>::new());
    assert!(report.is_ok());
    assert_eq!(
        report.certificate,
        Some(CertSummary {
            arn: EU_ARN.to_string(),
            domain_name: "example.com".to_string(),
            subject_alternative_names: vec!["example.com".into(), "*.example.com".into()],
            status: "ISSUED".to_string(),
            not_after: Some("2027-08-03T08:00:00Z".to_string()),
            region: "eu-west-1".to_string(),
        })
    );
    assert_eq!(acm.rule.num_calls(), 1);
}

#[tokio::test]
async fn not_found_uses_cortex_wording_exactly() {
    let acm = Acm::failing("ResourceNotFoundException", "Could not find certificate");
    let report = acm.report(&in_eu(None)).await;
    assert_eq!(
        report.problems,
        vec![CertProblem::NotFound {
            region: "eu-west-1".into(),
            arn: EU_ARN.into()
        }]
    );
    assert_eq!(
        report.problems[0].to_string(),
        format!("unable to find the specified ssl certificate in eu-west-1: {EU_ARN}")
    );
    assert_eq!(report.certificate, None);
}

#[tokio::test]
async fn an_arn_acm_rejects_is_a_bad_arn_with_acms_words() {
    let acm = Acm::failing("InvalidArnException", "The ARN is not well formed");
    let report = acm.report(&in_eu(None)).await;
    assert!(
        matches!(&report.problems[..], [CertProblem::BadArn(text)]
            if text.starts_with(&format!("ACM rejected the certificate ARN `{EU_ARN}`: InvalidArnException: The ARN is not well formed"))),
        "{:?}",
        report.problems
    );
}

#[tokio::test]
async fn pending_validation_lists_the_dns_records_acm_waits_for() {
    let validation = |domain: &str, name: &str, value: &str| {
        let record = ResourceRecord::builder()
            .name(name)
            .r#type(RecordType::Cname)
            .value(value)
            .build()
            .unwrap();
        DomainValidation::builder()
            .domain_name(domain)
            .resource_record(record)
            .build()
            .unwrap()
    };
    let (a1, b1) = ("_a1.example.com.", "_b1.acm-validations.aws.");
    let (a2, b2) = ("_a2.example.org.", "_b2.acm-validations.aws.");
    let detail = CertificateDetail::builder()
        .certificate_arn(EU_ARN)
        .domain_name("example.com")
        .subject_alternative_names("*.example.com")
        .status(CertificateStatus::PendingValidation)
        // example.com and *.example.com share one record: listed once.
        .domain_validation_options(validation("example.com", a1, b1))
        .domain_validation_options(validation("*.example.com", a1, b1))
        .domain_validation_options(validation("example.org", a2, b2))
        .build();
    let report = Acm::holding("eu-west-1", detail).report(&in_eu(None)).await;
    let record = |name: &str, value: &str| (name.to_string(), "CNAME".to_string(), value.into());
    assert_eq!(
        report.problems,
        vec![CertProblem::NotIssued {
            status: "PENDING_VALIDATION".into(),
            validation_records: vec![record(a1, b1), record(a2, b2)],
        }]
    );
    let text = report.problems[0].to_string();
    assert!(
        text.contains("create these DNS records, then wait for ACM to issue the certificate"),
        "{text}"
    );
    assert!(
        text.contains("_a1.example.com. CNAME _b1.acm-validations.aws.; _a2.example.org. CNAME"),
        "{text}"
    );
}

#[tokio::test]
async fn other_statuses_are_not_issued_with_the_status() {
    let failed = certificate(EU_ARN, CertificateStatus::Failed, 200);
    let report = Acm::holding("eu-west-1", failed).report(&in_eu(None)).await;
    assert_eq!(
        report.problems,
        vec![CertProblem::NotIssued {
            status: "FAILED".into(),
            validation_records: vec![],
        }]
    );
    let text = report.problems[0].to_string();
    assert!(text.contains("FAILED, not ISSUED"), "{text}");
    // The caller names the setting (ssl_certificate_arn or gateway.certificate_arn); the
    // problem itself must not guess which one was used.
    assert!(text.contains("configure its ARN instead"), "{text}");
    assert!(!text.contains("ssl_certificate_arn"), "{text}");
}

#[tokio::test]
async fn an_expired_certificate_is_a_problem_naming_the_date() {
    let expired = certificate(EU_ARN, CertificateStatus::Expired, -1);
    let report = Acm::holding("eu-west-1", expired)
        .report(&in_eu(None))
        .await;
    // Reported once, as Expired, not also as "not ISSUED".
    assert_eq!(
        report.problems,
        vec![CertProblem::Expired {
            not_after: "2027-01-14T08:00:00Z".into()
        }]
    );
    assert!(
        report.problems[0]
            .to_string()
            .contains("expired on 2027-01-14T08:00:00Z")
    );
}

#[tokio::test]
async fn expiring_in_10_days_warns_and_in_40_days_does_not() {
    let soon = certificate(EU_ARN, CertificateStatus::Issued, 10);
    let report = Acm::holding("eu-west-1", soon).report(&in_eu(None)).await;
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(
        report.warnings[0].contains("expires on 2027-01-25 (in 10 days)"),
        "{}",
        report.warnings[0]
    );

    let later = certificate(EU_ARN, CertificateStatus::Issued, 40);
    let report = Acm::holding("eu-west-1", later).report(&in_eu(None)).await;
    assert!(report.is_ok());
    assert_eq!(report.warnings, Vec::<String>::new());
}

#[tokio::test]
async fn a_wildcard_covers_one_label_and_nothing_deeper() {
    let acm = Acm::holding("eu-west-1", issued(EU_ARN));
    let report = acm.report(&in_eu(Some("ml.example.com"))).await;
    assert!(report.is_ok(), "{:?}", report.problems);

    let report = acm.report(&in_eu(Some("a.b.example.com"))).await;
    assert_eq!(
        report.problems,
        vec![CertProblem::DoesNotCover {
            domain: "a.b.example.com".into(),
            // The domain name repeated as a SAN is listed once.
            names: vec!["example.com".into(), "*.example.com".into()],
        }]
    );
    let text = report.problems[0].to_string();
    assert!(
        text.contains("does not cover a.b.example.com (its names: example.com, *.example.com)"),
        "{text}"
    );
}

#[tokio::test]
async fn an_edge_domain_needs_a_us_east_1_certificate() {
    let usage = CertificateUse {
        endpoint: DomainEndpoint::Edge,
        ..in_eu(Some("api.example.com"))
    };
    let report = Acm::holding("eu-west-1", issued(EU_ARN))
        .report(&usage)
        .await;
    assert_eq!(
        report.problems,
        vec![CertProblem::WrongRegion {
            found: "eu-west-1".into(),
            needed: "us-east-1".into(),
            why: "edge-optimized custom domains use certificates in us-east-1 (CloudFront)".into(),
        }]
    );
    assert!(
        report.problems[0]
            .to_string()
            .contains("must be in us-east-1")
    );

    // The same domain with a us-east-1 certificate, API in eu-west-1: fine.
    let usage = CertificateUse {
        arn: US_ARN,
        ..usage
    };
    let acm = Acm::holding("us-east-1", issued(US_ARN));
    assert!(acm.report(&usage).await.is_ok());
}

#[tokio::test]
async fn a_regional_domain_needs_the_api_region() {
    let acm = Acm::holding("us-east-1", issued(US_ARN));
    let usage = regional(US_ARN, "eu-west-1", Some("api.example.com"));
    let report = acm.report(&usage).await;
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    let CertProblem::WrongRegion { found, needed, why } = &report.problems[0] else {
        panic!("{:?}", report.problems)
    };
    assert_eq!(
        (found.as_str(), needed.as_str()),
        ("us-east-1", "eu-west-1")
    );
    assert!(why.contains("API's region"), "{why}");
}

#[tokio::test]
async fn a_load_balancer_certificate_needs_the_cluster_region_whatever_the_endpoint() {
    let usage = CertificateUse {
        endpoint: DomainEndpoint::Edge,
        for_load_balancer: true,
        ..in_eu(None)
    };
    let acm = Acm::holding("eu-west-1", issued(EU_ARN));
    assert!(acm.report(&usage).await.is_ok());

    let usage = CertificateUse {
        arn: US_ARN,
        ..usage
    };
    let report = Acm::holding("us-east-1", issued(US_ARN))
        .report(&usage)
        .await;
    assert!(
        matches!(&report.problems[..], [CertProblem::WrongRegion { needed, why, .. }]
            if needed == "eu-west-1" && why.contains("load balancer")),
        "{:?}",
        report.problems
    );
}

#[tokio::test]
async fn a_bad_arn_is_reported_without_calling_aws() {
    let acm = Acm::holding("eu-west-1", issued(EU_ARN));
    let iam_arn = "arn:aws:iam::123456789012:server-certificate/x";
    let report = acm.report(&regional(iam_arn, "eu-west-1", None)).await;
    assert!(
        matches!(&report.problems[..], [CertProblem::BadArn(text)] if text.contains("not an ACM certificate ARN")),
        "{:?}",
        report.problems
    );
    assert_eq!(acm.rule.num_calls(), 0);
}

#[tokio::test]
async fn a_client_for_another_region_is_refused() {
    let acm = Acm::holding("us-east-1", issued(EU_ARN));
    let err = acm.check(&in_eu(None)).await.unwrap_err();
    assert!(
        matches!(&err, CertError::Invalid(message) if message.contains("client for the certificate's region")),
        "{err:?}"
    );
    assert_eq!(acm.rule.num_calls(), 0);
}

#[tokio::test]
async fn other_aws_failures_are_errors_with_the_operation() {
    let acm = Acm::failing("AccessDeniedException", "not allowed");
    let err = acm.check(&in_eu(None)).await.unwrap_err();
    let CertError::Aws(error) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(error.operation, "DescribeCertificate");
    assert!(error.has_code("AccessDeniedException"), "{error}");
}

#[test]
fn certificate_region_reads_the_arn() {
    assert_eq!(certificate_region(EU_ARN), Ok("eu-west-1".to_string()));
    assert!(matches!(
        certificate_region("not-an-arn"),
        Err(CertProblem::BadArn(_))
    ));
}
