//! The classic ELB API (`elasticloadbalancing`, 2012-06-01) for the discovery walk
//! ([`ElbApi`]). Classic load balancers are addressed by name, and their listeners come with
//! the description.

use aws_calls::AwsResultExt;
use aws_sdk_elasticloadbalancing::Client;
use aws_sdk_elasticloadbalancing::operation::describe_load_balancers::DescribeLoadBalancersError;
use aws_sdk_elasticloadbalancing::types::LoadBalancerDescription;
use gw_core::AwsError;

use crate::model::{Listener, LoadBalancer, LoadBalancerKind};
use crate::walk::{ElbApi, Tags, missing_as_none, tag_entry};

impl ElbApi for Client {
    const API: &'static str = "classic ELB";
    const DESCRIBE: &'static str = "DescribeLoadBalancers (classic ELB)";
    type Description = LoadBalancerDescription;

    async fn describe_all(&self) -> Result<Vec<LoadBalancerDescription>, AwsError> {
        self.describe_load_balancers()
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .aws("DescribeLoadBalancers")
    }

    async fn describe_one(&self, name: &str) -> Result<Option<LoadBalancerDescription>, AwsError> {
        let request = self.describe_load_balancers().load_balancer_names(name);
        let out = missing_as_none(
            request.send().await,
            "DescribeLoadBalancers",
            DescribeLoadBalancersError::is_access_point_not_found_exception,
        )?;
        Ok(out.and_then(|out| out.load_balancer_descriptions?.into_iter().next()))
    }

    async fn describe_tags(&self, names: Vec<String>) -> Result<Vec<(String, Tags)>, AwsError> {
        let out = self
            .describe_tags()
            .set_load_balancer_names(Some(names))
            .send()
            .await
            .aws("DescribeTags")?;
        let entries = out.tag_descriptions().iter().filter_map(|desc| {
            let tags = desc.tags().iter().map(|t| (Some(t.key()), t.value()));
            tag_entry(desc.load_balancer_name(), tags)
        });
        Ok(entries.collect())
    }

    /// Listeners included (they come with the description); `owned_by_cluster` false.
    fn convert(desc: &LoadBalancerDescription) -> Result<LoadBalancer, &'static str> {
        let name = desc.load_balancer_name().ok_or("name")?;
        let dns_name = desc.dns_name().ok_or("DNS name")?;
        Ok(LoadBalancer {
            name: name.to_owned(),
            arn: None,
            dns_name: dns_name.to_owned(),
            scheme: crate::model::scheme(desc.scheme()),
            kind: LoadBalancerKind::Classic,
            vpc_id: desc.vpc_id().map(str::to_owned),
            subnets: desc.subnets().to_vec(),
            security_groups: desc.security_groups().to_vec(),
            listeners: desc
                .listener_descriptions()
                .iter()
                .filter_map(|ld| ld.listener())
                .map(|l| Listener {
                    arn: None,
                    port: l.load_balancer_port(),
                    protocol: l.protocol().to_owned(),
                })
                .collect(),
            state: None,
            owned_by_cluster: false,
        })
    }

    fn name_of(desc: &LoadBalancerDescription) -> Option<&str> {
        desc.load_balancer_name()
    }

    fn tag_key(lb: &LoadBalancer) -> Option<&str> {
        Some(&lb.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_elasticloadbalancing::types::{Listener as ClassicListener, ListenerDescription};
    use gw_core::Scheme;

    #[test]
    fn convert_reads_listeners_and_network_fields() {
        let listener = ClassicListener::builder()
            .protocol("TCP")
            .load_balancer_port(443)
            .instance_port(30443)
            .build()
            .unwrap();
        let desc = LoadBalancerDescription::builder()
            .load_balancer_name("old")
            .dns_name("old.elb.amazonaws.com")
            .scheme("internet-facing")
            .vpc_id("vpc-1")
            .subnets("subnet-1")
            .security_groups("sg-1")
            .listener_descriptions(ListenerDescription::builder().listener(listener).build())
            .listener_descriptions(ListenerDescription::builder().build())
            .build();
        let lb = Client::convert(&desc).unwrap();
        assert_eq!(lb.kind, LoadBalancerKind::Classic);
        assert_eq!(lb.arn, None);
        assert_eq!(lb.scheme, Scheme::InternetFacing);
        assert_eq!(lb.subnets, vec!["subnet-1"]);
        assert_eq!(
            lb.listeners,
            vec![Listener {
                arn: None,
                port: 443,
                protocol: "TCP".into()
            }]
        );
        assert_eq!(
            Client::convert(
                &LoadBalancerDescription::builder()
                    .load_balancer_name("x")
                    .build()
            ),
            Err("DNS name")
        );
    }
}
