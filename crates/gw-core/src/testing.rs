//! A builder of [`DesiredGateway`]s for tests, shared by every crate that needs one (feature
//! `testing`): one fixture instead of a copy per test file.

use crate::{
    AccessLog, ApiKeySpec, Auth, Backend, Cors, DesiredGateway, DomainSpec, EndpointType,
    GatewayKind, JwtAuthorizer, KeySource, LoadBalancerKind, RouteProtection, RouteSpec, Scheme,
    Throttle, UsagePlanSpec, VpcLinkSpec, VpcLinkVersion,
};

/// The load balancer's DNS name in [`desired`]'s gateway.
pub const DNS_NAME: &str = "api-lb-1.elb.us-east-1.amazonaws.com";
/// The load balancer's ARN in [`desired`]'s gateway.
pub const LB_ARN: &str = "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/api-lb/1";

/// A gateway of `kind` for cluster `prod` in us-east-1: an internet-facing NLB on port 80 (with
/// subnets and a security group, for VPC links), the kind's default stage, the catch-all route.
pub fn desired(kind: GatewayKind) -> DesiredBuilder {
    DesiredBuilder(DesiredGateway {
        cluster: "prod".into(),
        region: "us-east-1".into(),
        name: "cortex-prod".into(),
        stage: kind.default_stage().into(),
        backend: Backend {
            name: "api-lb".into(),
            arn: Some(LB_ARN.into()),
            dns_name: DNS_NAME.into(),
            scheme: Scheme::InternetFacing,
            kind: LoadBalancerKind::Network,
            port: 80,
            listener_arn: None,
            subnets: vec!["subnet-1".into(), "subnet-2".into()],
            security_groups: vec!["sg-1".into()],
        },
        routes: vec![RouteSpec {
            api: None,
            path: None,
            protection: RouteProtection::default(),
        }],
        cors: None,
        endpoint_type: EndpointType::Regional,
        vpc_link: None,
        domain: None,
        protection: Default::default(),
    })
}

/// Changes one thing at a time from [`desired`]'s defaults.
#[derive(Debug, Clone)]
pub struct DesiredBuilder(DesiredGateway);

impl DesiredBuilder {
    pub fn build(self) -> DesiredGateway {
        self.0
    }

    pub fn region(mut self, region: &str) -> Self {
        self.0.region = region.into();
        self
    }

    pub fn stage(mut self, stage: &str) -> Self {
        self.0.stage = stage.into();
        self
    }

    /// Replaces the routes: one per `(api, path)`.
    pub fn apis(mut self, apis: &[(&str, &str)]) -> Self {
        self.0.routes = apis
            .iter()
            .map(|(api, path)| RouteSpec {
                api: Some((*api).into()),
                path: Some((*path).into()),
                protection: RouteProtection::default(),
            })
            .collect();
        self
    }

    /// No routes: no gateway is wanted.
    pub fn no_routes(mut self) -> Self {
        self.0.routes.clear();
        self
    }

    pub fn dns_name(mut self, dns_name: &str) -> Self {
        self.0.backend.dns_name = dns_name.into();
        self
    }

    pub fn port(mut self, port: u16) -> Self {
        self.0.backend.port = port;
        self
    }

    pub fn load_balancer(mut self, kind: LoadBalancerKind) -> Self {
        self.0.backend.kind = kind;
        self
    }

    /// An internal load balancer reached through a VPC link of `version`.
    pub fn internal(mut self, version: VpcLinkVersion) -> Self {
        self.0.backend.scheme = Scheme::Internal;
        self.0.vpc_link = Some(VpcLinkSpec {
            version,
            name: self.0.name.clone(),
            timeout_seconds: 600,
        });
        self
    }

    pub fn cors(mut self, origins: &[&str]) -> Self {
        self.0.cors = Some(Cors {
            allow_origins: origins.iter().map(|o| (*o).into()).collect(),
            allow_methods: vec!["*".into()],
            allow_headers: vec!["*".into()],
            max_age_seconds: None,
        });
        self
    }

    pub fn endpoint_type(mut self, endpoint_type: EndpointType) -> Self {
        self.0.endpoint_type = endpoint_type;
        self
    }

    pub fn domain(mut self, name: &str, certificate_arn: &str) -> Self {
        self.0.domain = Some(DomainSpec {
            name: name.into(),
            certificate_arn: certificate_arn.into(),
        });
        self
    }

    /// Every route's authorization.
    pub fn auth(mut self, auth: Auth) -> Self {
        for route in &mut self.0.routes {
            route.protection.auth = auth;
        }
        self
    }

    /// The route of API `api`'s authorization, scopes and throttle.
    pub fn route_protection(mut self, api: &str, protection: RouteProtection) -> Self {
        for route in &mut self.0.routes {
            if route.api.as_deref() == Some(api) {
                route.protection = protection.clone();
            }
        }
        self
    }

    /// The stage's default throttle.
    pub fn throttle(mut self, rate: u32, burst: u32) -> Self {
        self.0.protection.throttle = Some(Throttle { rate, burst });
        self
    }

    pub fn access_log(mut self, destination_arn: &str) -> Self {
        self.0.protection.access_log = Some(AccessLog {
            destination_arn: destination_arn.into(),
            format: crate::ACCESS_LOG_FORMAT.into(),
        });
        self
    }

    pub fn jwt(mut self, issuer: &str, audiences: &[&str]) -> Self {
        self.0.protection.jwt = Some(JwtAuthorizer {
            issuer: issuer.into(),
            audiences: audiences.iter().map(|a| (*a).into()).collect(),
        });
        self
    }

    /// An API key whose value AWS generates.
    pub fn api_key(mut self, name: &str) -> Self {
        self.0.protection.api_keys.push(ApiKeySpec {
            name: name.into(),
            source: KeySource::Generated,
            value: None,
        });
        self
    }

    pub fn usage_plan(mut self, plan: UsagePlanSpec) -> Self {
        self.0.protection.usage_plans.push(plan);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builder_changes_one_thing_at_a_time() {
        let http = desired(GatewayKind::Http).build();
        assert_eq!(http.stage, "$default");
        assert!(!http.backend.is_internal());
        let rest = desired(GatewayKind::Rest)
            .internal(VpcLinkVersion::V1)
            .apis(&[("iris", "/iris")])
            .build();
        assert_eq!(rest.stage, "dev");
        assert!(rest.backend.is_internal());
        assert_eq!(rest.routes.len(), 1);
        assert_eq!(rest.vpc_link.map(|l| l.name), Some("cortex-prod".into()));
    }
}
