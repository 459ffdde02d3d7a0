//! The elbv2 API (network, application and gateway load balancers) for the discovery walk
//! ([`ElbApi`]), and the listeners of one load balancer, which take a call of their own.

use aws_calls::AwsResultExt;
use aws_sdk_elasticloadbalancingv2::Client;
use aws_sdk_elasticloadbalancingv2::operation::describe_load_balancers::DescribeLoadBalancersError;
use aws_sdk_elasticloadbalancingv2::types::{self as v2, LoadBalancerTypeEnum};
use gw_core::AwsError;

use crate::error::DiscoveryError;
use crate::model::{Listener, LoadBalancer, LoadBalancerKind, scheme};
use crate::walk::{ElbApi, Tags, missing_as_none, tag_entry};

impl ElbApi for Client {
    const API: &'static str = "elbv2";
    const DESCRIBE: &'static str = "DescribeLoadBalancers";
    type Description = v2::LoadBalancer;

    async fn describe_all(&self) -> Result<Vec<v2::LoadBalancer>, AwsError> {
        self.describe_load_balancers()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .aws("DescribeLoadBalancers")
    }

    async fn describe_one(&self, name_or_arn: &str) -> Result<Option<v2::LoadBalancer>, AwsError> {
        let request = self.describe_load_balancers();
        let request = if name_or_arn.starts_with("arn:") {
            request.load_balancer_arns(name_or_arn)
        } else {
            request.names(name_or_arn)
        };
        let out = missing_as_none(
            request.send().await,
            "DescribeLoadBalancers",
            DescribeLoadBalancersError::is_load_balancer_not_found_exception,
        )?;
        Ok(out.and_then(|out| out.load_balancers?.into_iter().next()))
    }

    async fn describe_tags(&self, arns: Vec<String>) -> Result<Vec<(String, Tags)>, AwsError> {
        let out = self
            .describe_tags()
            .set_resource_arns(Some(arns))
            .send()
            .await
            .aws("DescribeTags")?;
        let entries = out.tag_descriptions().iter().filter_map(|desc| {
            let tags = desc.tags().iter().map(|t| (t.key(), t.value()));
            tag_entry(desc.resource_arn(), tags)
        });
        Ok(entries.collect())
    }

    /// Listeners are left empty (they take another call) and `owned_by_cluster` false.
    fn convert(lb: &v2::LoadBalancer) -> Result<LoadBalancer, &'static str> {
        let arn = lb.load_balancer_arn().ok_or("ARN")?;
        let name = lb.load_balancer_name().ok_or("name")?;
        let dns_name = lb.dns_name().ok_or("DNS name")?;
        let kind = match lb.r#type() {
            Some(LoadBalancerTypeEnum::Network) => LoadBalancerKind::Network,
            Some(LoadBalancerTypeEnum::Application) => LoadBalancerKind::Application,
            Some(LoadBalancerTypeEnum::Gateway) => LoadBalancerKind::Gateway,
            _ => return Err("type"),
        };
        Ok(LoadBalancer {
            name: name.to_owned(),
            arn: Some(arn.to_owned()),
            dns_name: dns_name.to_owned(),
            scheme: scheme(lb.scheme().map(|s| s.as_str())),
            kind,
            vpc_id: lb.vpc_id().map(str::to_owned),
            subnets: lb
                .availability_zones()
                .iter()
                .filter_map(|az| az.subnet_id().map(str::to_owned))
                .collect(),
            security_groups: lb.security_groups().to_vec(),
            listeners: Vec::new(),
            state: lb
                .state()
                .and_then(|s| s.code())
                .map(|c| c.as_str().to_owned()),
            owned_by_cluster: false,
        })
    }

    fn name_of(lb: &v2::LoadBalancer) -> Option<&str> {
        lb.load_balancer_name().or(lb.load_balancer_arn())
    }

    fn tag_key(lb: &LoadBalancer) -> Option<&str> {
        lb.arn.as_deref()
    }
}

/// The listeners of one elbv2 load balancer, every page. Listeners without a port or protocol
/// (gateway load balancers have neither) are left out.
pub(crate) async fn listeners(client: &Client, arn: &str) -> Result<Vec<Listener>, DiscoveryError> {
    let all = client
        .describe_listeners()
        .load_balancer_arn(arn)
        .into_paginator()
        .items()
        .send()
        .try_collect()
        .await
        .aws("DescribeListeners")?;
    Ok(all
        .iter()
        .filter_map(|l| match (l.port(), l.protocol()) {
            (Some(port), Some(protocol)) => Some(Listener {
                arn: l.listener_arn().map(str::to_owned),
                port,
                protocol: protocol.as_str().to_owned(),
            }),
            _ => {
                tracing::debug!(
                    listener = l.listener_arn(),
                    "leaving out a listener without port or protocol"
                );
                None
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_elasticloadbalancingv2::types::{
        AvailabilityZone, LoadBalancerSchemeEnum, LoadBalancerState, LoadBalancerStateEnum,
    };
    use gw_core::Scheme;

    fn full() -> v2::builders::LoadBalancerBuilder {
        v2::LoadBalancer::builder()
            .load_balancer_arn("arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/x/1")
            .load_balancer_name("x")
            .dns_name("x.elb.amazonaws.com")
            .r#type(LoadBalancerTypeEnum::Network)
    }

    #[test]
    fn convert_reads_every_field() {
        let lb = full()
            .scheme(LoadBalancerSchemeEnum::Internal)
            .vpc_id("vpc-1")
            .availability_zones(AvailabilityZone::builder().subnet_id("subnet-1").build())
            .availability_zones(AvailabilityZone::builder().zone_name("us-east-1b").build())
            .availability_zones(AvailabilityZone::builder().subnet_id("subnet-3").build())
            .security_groups("sg-1")
            .state(
                LoadBalancerState::builder()
                    .code(LoadBalancerStateEnum::Active)
                    .build(),
            )
            .build();
        let got = Client::convert(&lb).unwrap();
        assert_eq!(got.name, "x");
        assert_eq!(got.scheme, Scheme::Internal);
        assert_eq!(got.kind, LoadBalancerKind::Network);
        assert_eq!(got.vpc_id.as_deref(), Some("vpc-1"));
        assert_eq!(got.subnets, vec!["subnet-1", "subnet-3"]);
        assert_eq!(got.security_groups, vec!["sg-1"]);
        assert_eq!(got.state.as_deref(), Some("active"));
        assert!(!got.owned_by_cluster);
    }

    #[test]
    fn convert_refuses_descriptions_missing_essentials() {
        assert_eq!(
            Client::convert(&full().set_load_balancer_arn(None).build()),
            Err("ARN")
        );
        assert_eq!(
            Client::convert(&full().set_dns_name(None).build()),
            Err("DNS name")
        );
        assert_eq!(Client::convert(&full().set_type(None).build()), Err("type"));
        assert_eq!(
            Client::convert(&full().r#type(LoadBalancerTypeEnum::from("future")).build()),
            Err("type")
        );
        let minimal = Client::convert(&full().build()).unwrap();
        assert_eq!(minimal.scheme, Scheme::InternetFacing);
        assert_eq!(minimal.state, None);
    }
}
