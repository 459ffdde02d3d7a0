//! VPC links: how an API Gateway reaches a load balancer that is not on the internet.
//!
//! - v1 (`apigateway CreateVpcLink`): REST APIs to a Network Load Balancer, by its ARN.
//! - v2 (`apigatewayv2 CreateVpcLink`): HTTP APIs (the only kind they have), and REST APIs to
//!   an NLB or ALB through `integrationTarget`; made from the load balancer's subnets and
//!   security groups.
//!
//! This crate decides which version a gateway needs ([`choose`]); creating links and waiting
//! until they are `AVAILABLE` arrive with the VPC link work. It must never create a second link
//! for a cluster that already has one, nor delete a link an integration still references.

pub use gw_core::VpcLinkVersion as Version;

/// The gateway kinds, as far as VPC links care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gateway {
    Http,
    Rest,
}

/// The load balancer kinds, as far as VPC links care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Network,
    Application,
    Classic,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChoiceError {
    #[error(
        "HTTP APIs connect to private load balancers only through VPC link v2: set `gateway.vpc_link: v2` or remove it"
    )]
    HttpNeedsV2,
    #[error(
        "a REST API reaches an Application Load Balancer only through VPC link v2 (v1 links target Network Load Balancers): set `gateway.vpc_link: v2`"
    )]
    RestAlbNeedsV2,
    #[error(
        "API Gateway VPC links cannot target a classic load balancer: move the cluster's API load balancer to an NLB"
    )]
    Classic,
}

/// The VPC link version for a gateway and a load balancer: the requested one when it can work,
/// else the default (v1 for REST to an NLB, as Cortex's guide does; v2 for HTTP APIs).
pub fn choose(
    gateway: Gateway,
    target: Target,
    requested: Option<Version>,
) -> Result<Version, ChoiceError> {
    match (gateway, target, requested) {
        (_, Target::Classic, _) => Err(ChoiceError::Classic),
        (Gateway::Http, _, Some(Version::V1)) => Err(ChoiceError::HttpNeedsV2),
        (Gateway::Http, _, _) => Ok(Version::V2),
        (Gateway::Rest, Target::Application, Some(Version::V1)) => {
            Err(ChoiceError::RestAlbNeedsV2)
        }
        (Gateway::Rest, Target::Application, _) => Ok(Version::V2),
        (Gateway::Rest, Target::Network, requested) => Ok(requested.unwrap_or(Version::V1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_gateway_kind() {
        assert_eq!(choose(Gateway::Rest, Target::Network, None), Ok(Version::V1));
        assert_eq!(choose(Gateway::Http, Target::Network, None), Ok(Version::V2));
        assert_eq!(choose(Gateway::Http, Target::Application, None), Ok(Version::V2));
        assert_eq!(choose(Gateway::Rest, Target::Application, None), Ok(Version::V2));
    }

    #[test]
    fn requests_that_can_work_are_honoured() {
        assert_eq!(
            choose(Gateway::Rest, Target::Network, Some(Version::V2)),
            Ok(Version::V2)
        );
        assert_eq!(
            choose(Gateway::Http, Target::Network, Some(Version::V2)),
            Ok(Version::V2)
        );
    }

    #[test]
    fn impossible_requests_are_refused_with_the_reason() {
        assert_eq!(
            choose(Gateway::Http, Target::Network, Some(Version::V1)),
            Err(ChoiceError::HttpNeedsV2)
        );
        assert_eq!(
            choose(Gateway::Rest, Target::Application, Some(Version::V1)),
            Err(ChoiceError::RestAlbNeedsV2)
        );
        assert_eq!(
            choose(Gateway::Rest, Target::Classic, None),
            Err(ChoiceError::Classic)
        );
        assert!(ChoiceError::RestAlbNeedsV2.to_string().contains("vpc_link: v2"));
    }
}
