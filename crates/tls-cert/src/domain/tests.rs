//! Tests of the DNS records, and the fixtures the v1, v2 and shared domain tests use.

use std::collections::HashMap;

use gw_core::Ownership;

use super::*;

/// The owner every domain test manages domain names for: cluster `prod`.
pub(crate) fn owner() -> Ownership {
    Ownership::new("prod")
}

/// `owner()`'s tags.
pub(crate) fn ours() -> HashMap<String, String> {
    owner().tags().into_iter().collect()
}

/// Tags from pairs.
pub(crate) fn tags(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Both ownership tags, of cluster `staging`: not `owner()`'s.
pub(crate) fn staging() -> HashMap<String, String> {
    tags(&[
        (gw_core::CLUSTER_TAG, "staging"),
        (gw_core::MANAGED_BY_TAG, gw_core::MANAGED_BY_VALUE),
    ])
}

/// What either API Gateway API says of a domain name or mapping that does not exist.
pub(crate) fn not_found_meta() -> aws_sdk_apigateway::error::ErrorMetadata {
    aws_sdk_apigateway::error::ErrorMetadata::builder()
        .code("NotFoundException")
        .message("Invalid domain name identifier specified")
        .build()
}

fn domain(api: GatewayKind, endpoint: DomainEndpoint) -> DomainName {
    DomainName {
        name: "api.example.com".into(),
        api,
        endpoint,
        certificate_arn: Some("arn:aws:acm:eu-west-1:123456789012:certificate/x".into()),
        target: Some("d-abc123.execute-api.eu-west-1.amazonaws.com".into()),
        hosted_zone_id: Some("ZLY8HYME6SFDD".into()),
    }
}

#[test]
fn a_regional_domain_needs_a_cname_to_its_regional_name() {
    let record = dns_record(&domain(GatewayKind::Http, DomainEndpoint::Regional));
    assert_eq!(
        record,
        DnsRecord {
            name: "api.example.com".into(),
            kind: "CNAME".into(),
            target: Some("d-abc123.execute-api.eu-west-1.amazonaws.com".into()),
            hosted_zone_id: Some("ZLY8HYME6SFDD".into()),
            note: None,
        }
    );
    assert_eq!(
        record.describe(),
        "api.example.com CNAME d-abc123.execute-api.eu-west-1.amazonaws.com (hosted zone ZLY8HYME6SFDD)"
    );
}

#[test]
fn an_edge_domain_needs_an_alias_to_cloudfront() {
    let mut edge = domain(GatewayKind::Rest, DomainEndpoint::Edge);
    edge.target = Some("d111111abcdef8.cloudfront.net".into());
    edge.hosted_zone_id = Some("Z2FDTNDATAQYW2".into());
    let record = dns_record(&edge);
    assert_eq!(record.kind, "A (alias)");
    assert_eq!(
        record.target.as_deref(),
        Some("d111111abcdef8.cloudfront.net")
    );
    assert_eq!(record.hosted_zone_id.as_deref(), Some("Z2FDTNDATAQYW2"));
    assert_eq!(record.note, None);
}

#[test]
fn missing_targets_are_said_with_how_to_look_them_up() {
    // moto: apigatewayv2 domain names come without ApiGatewayDomainName and HostedZoneId.
    let mut http = domain(GatewayKind::Http, DomainEndpoint::Regional);
    http.target = None;
    http.hosted_zone_id = None;
    let record = dns_record(&http);
    assert_eq!(record.target, None);
    assert_eq!(
        record.note.as_deref(),
        Some(
            "AWS did not report the target (ApiGatewayDomainName) nor its hosted zone id \
             (HostedZoneId); look it up with `aws apigatewayv2 get-domain-name --domain-name \
             api.example.com`"
        )
    );
    assert!(record.describe().contains("<target unknown>"));

    // LocalStack: REST regional domain names come without regionalHostedZoneId.
    let mut rest = domain(GatewayKind::Rest, DomainEndpoint::Regional);
    rest.hosted_zone_id = Some(String::new());
    let record = dns_record(&rest);
    assert_eq!(record.hosted_zone_id, None);
    let note = record.note.unwrap();
    assert!(
        note.contains("hosted zone id (regionalHostedZoneId)"),
        "{note}"
    );
    assert!(
        note.contains("`aws apigateway get-domain-name --domain-name api.example.com`"),
        "{note}"
    );
    assert!(
        note.contains("CNAME to the target works without it"),
        "{note}"
    );

    let mut edge = domain(GatewayKind::Rest, DomainEndpoint::Edge);
    edge.target = None;
    let note = dns_record(&edge).note.unwrap();
    assert!(
        note.starts_with("AWS did not report the target (distributionDomainName);"),
        "{note}"
    );
}
