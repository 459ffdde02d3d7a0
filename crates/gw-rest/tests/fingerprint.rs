//! Pins the deployment fingerprints of fixed gateways: the fingerprint of every REST API
//! deployed so far is stored in its deployment's description, so any change to a resource's
//! name, attribute key or value, or to the hash, would redeploy every existing gateway after an
//! upgrade. A failure here means exactly that; change the pins only on purpose.

use gw_core::{
    Backend, Cors, DesiredGateway, DomainSpec, EndpointType, LoadBalancerKind, ResourceKind,
    RouteSpec, Scheme, VpcLinkSpec, VpcLinkVersion,
};
use gw_rest::{desired_fingerprint, desired_resources};

/// Spelled out rather than taken from a shared test builder, so that a change to the builder's
/// defaults cannot move the pins.
fn gateway(scheme: Scheme, routes: &[(&str, &str)]) -> DesiredGateway {
    DesiredGateway {
        cluster: "prod".into(),
        region: "us-east-1".into(),
        name: "cortex-prod".into(),
        stage: "dev".into(),
        backend: Backend {
            name: "api-lb".into(),
            arn: Some("arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/api-lb/1".into()),
            dns_name: "api-lb-1.elb.us-east-1.amazonaws.com".into(),
            scheme,
            kind: LoadBalancerKind::Network,
            port: 80,
            listener_arn: None,
            subnets: vec!["subnet-2".into(), "subnet-1".into()],
            security_groups: vec!["sg-1".into()],
        },
        routes: routes
            .iter()
            .map(|(api, path)| RouteSpec {
                api: Some((*api).into()),
                path: Some((*path).into()),
                protection: Default::default(),
            })
            .collect(),
        cors: None,
        endpoint_type: EndpointType::Regional,
        vpc_link: None,
        domain: None,
        protection: Default::default(),
    }
}

fn link(version: VpcLinkVersion) -> Option<VpcLinkSpec> {
    Some(VpcLinkSpec {
        version,
        name: "cortex-prod".into(),
        timeout_seconds: 600,
    })
}

/// The `fingerprint` attribute of the desired deployment, which `desired_fingerprint` returns.
fn deployment_fingerprint(desired: &DesiredGateway) -> Option<String> {
    let resources = desired_resources(desired);
    let deployment = resources
        .iter()
        .find(|r| r.kind == ResourceKind::Deployment && r.name == "current")?;
    let attribute = deployment.attribute("fingerprint").map(str::to_string);
    assert_eq!(attribute, desired_fingerprint(desired));
    attribute
}

#[test]
fn two_public_apis_with_cors_internet_facing() {
    let mut desired = gateway(
        Scheme::InternetFacing,
        &[("iris", "/iris"), ("text-gen", "/v1/text-gen")],
    );
    desired.cors = Some(Cors {
        allow_origins: vec!["https://a.example".into()],
        allow_methods: vec!["GET".into(), "POST".into()],
        allow_headers: vec![],
        max_age_seconds: Some(300),
    });
    assert_eq!(
        deployment_fingerprint(&desired).as_deref(),
        Some("b7e3956d34f6cc0d")
    );
}

#[test]
fn catch_all_internet_facing() {
    let mut desired = gateway(Scheme::InternetFacing, &[]);
    desired.routes = vec![RouteSpec {
        api: None,
        path: None,
        protection: Default::default(),
    }];
    assert_eq!(
        deployment_fingerprint(&desired).as_deref(),
        Some("3ae6059a832d46c9")
    );
}

#[test]
fn one_internal_api_through_a_vpc_link_v1() {
    let mut desired = gateway(Scheme::Internal, &[("iris", "/iris")]);
    desired.vpc_link = link(VpcLinkVersion::V1);
    assert_eq!(
        deployment_fingerprint(&desired).as_deref(),
        Some("4c8a7954fb379b86")
    );
}

#[test]
fn one_internal_edge_api_through_a_vpc_link_v2_with_a_domain() {
    let mut desired = gateway(Scheme::Internal, &[("iris", "/iris")]);
    desired.vpc_link = link(VpcLinkVersion::V2);
    desired.endpoint_type = EndpointType::Edge;
    desired.domain = Some(DomainSpec {
        name: "api.example.com".into(),
        certificate_arn: "arn:aws:acm:us-east-1:1:certificate/abc".into(),
    });
    assert_eq!(
        deployment_fingerprint(&desired).as_deref(),
        Some("794689457a439a48")
    );
}

#[test]
fn the_stage_is_not_part_of_the_fingerprint() {
    let mut desired = gateway(Scheme::InternetFacing, &[("iris", "/iris")]);
    let dev = deployment_fingerprint(&desired);
    desired.stage = "prod".into();
    assert_eq!(deployment_fingerprint(&desired), dev);
    assert_eq!(dev.as_deref(), Some("1d9318f16f8283d3"));
}
