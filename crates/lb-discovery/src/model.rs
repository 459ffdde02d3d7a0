//! The data this crate hands back: a load balancer as the rest of cortex-net needs to see it,
//! whichever Elastic Load Balancing API described it.

use std::fmt;

pub use gw_core::{LoadBalancerKind, Scheme};
use serde::Serialize;

/// A load balancer found by [`crate::Discovery`], normalised across elbv2 and classic ELB.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LoadBalancer {
    /// Its name (elbv2 `LoadBalancerName`, classic `LoadBalancerName`).
    pub name: String,
    /// Its ARN; `None` for classic ELBs, which are addressed by name.
    pub arn: Option<String>,
    /// Its DNS name, e.g. `a1b2...elb.us-east-1.amazonaws.com`.
    pub dns_name: String,
    /// `internet-facing` or `internal` (internet-facing when AWS did not say: its default).
    pub scheme: Scheme,
    /// Network, application, gateway or classic.
    #[serde(rename = "type")]
    pub kind: LoadBalancerKind,
    /// The VPC it lives in (absent for EC2-Classic ELBs).
    pub vpc_id: Option<String>,
    /// Its subnet ids (elbv2: from `AvailabilityZones[].SubnetId`).
    pub subnets: Vec<String>,
    /// Its security group ids (NLBs often have none).
    pub security_groups: Vec<String>,
    /// Its listeners.
    pub listeners: Vec<Listener>,
    /// elbv2 `State.Code`, e.g. `active`; `None` for classic ELBs.
    pub state: Option<String>,
    /// Whether its tags name the cluster it was asked for. Always `true` from
    /// [`crate::Discovery::discover`]; `false` from [`crate::Discovery::lookup`] for an
    /// untagged load balancer, so that the caller can warn.
    pub owned_by_cluster: bool,
}

/// One listener of a load balancer.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Listener {
    /// The listener's ARN; `None` for classic ELBs.
    pub arn: Option<String>,
    /// The port the load balancer listens on.
    pub port: i32,
    /// The protocol as AWS spells it: `TCP`, `TLS`, `HTTP`, `HTTPS`, `UDP`, `SSL`...
    pub protocol: String,
}

/// A load balancer that matched during discovery, listed when more than one did.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Candidate {
    /// Its name.
    pub name: String,
    /// Its ARN (`None` for classic ELBs).
    pub arn: Option<String>,
    /// Its kind.
    #[serde(rename = "type")]
    pub kind: LoadBalancerKind,
}

impl From<&LoadBalancer> for Candidate {
    fn from(lb: &LoadBalancer) -> Self {
        Candidate {
            name: lb.name.clone(),
            arn: lb.arn.clone(),
            kind: lb.kind,
        }
    }
}

impl fmt::Display for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.arn {
            Some(arn) => write!(f, "`{}` ({}, {})", self.name, self.kind, arn),
            None => write!(
                f,
                "`{}` ({} ELB, no ARN: use its name)",
                self.name, self.kind
            ),
        }
    }
}

/// AWS's scheme: `internal`, else internet-facing (AWS's default when it does not say).
pub(crate) fn scheme(aws: Option<&str>) -> Scheme {
    match aws {
        Some("internal") => Scheme::Internal,
        _ => Scheme::InternetFacing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_displays_and_serialises_lowercase() {
        for (kind, text) in [
            (LoadBalancerKind::Network, "network"),
            (LoadBalancerKind::Application, "application"),
            (LoadBalancerKind::Gateway, "gateway"),
            (LoadBalancerKind::Classic, "classic"),
        ] {
            assert_eq!(kind.to_string(), text);
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{text}\""));
        }
    }

    #[test]
    fn load_balancer_serialises_kind_as_type() {
        let lb = LoadBalancer {
            name: "n".into(),
            arn: None,
            dns_name: "d".into(),
            scheme: gw_core::Scheme::Internal,
            kind: LoadBalancerKind::Classic,
            vpc_id: None,
            subnets: vec![],
            security_groups: vec![],
            listeners: vec![],
            state: None,
            owned_by_cluster: true,
        };
        let v = serde_json::to_value(&lb).unwrap();
        assert_eq!(v["type"], "classic");
        assert!(v.get("kind").is_none());
    }
}
