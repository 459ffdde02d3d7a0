//! Read-only calls to the elbv2 API (network, application and gateway load balancers):
//! list them, read their tags, find one by ARN or name, read its listeners.

use std::collections::HashMap;

use aws_sdk_elasticloadbalancingv2::Client;
use aws_sdk_elasticloadbalancingv2::types::{self as v2, LoadBalancerTypeEnum};

use crate::error::{DiscoveryError, aws_error, incomplete};
use crate::model::{Listener, LoadBalancer, LoadBalancerKind, scheme};

/// elbv2 DescribeTags accepts at most 20 resource ARNs per call.
pub(crate) const TAGS_PER_CALL: usize = 20;

/// Tags of one load balancer, as key/value pairs.
pub(crate) type Tags = Vec<(String, String)>;

/// Normalise an elbv2 description; `Err` names the field that was missing. Listeners are
/// left empty (they take another call) and `owned_by_cluster` false.
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

/// Every elbv2 load balancer of the account and region (following `NextMarker`), and how many
/// AWS described (including any whose description was too incomplete to use).
pub(crate) async fn list(client: &Client) -> Result<(Vec<LoadBalancer>, usize), DiscoveryError> {
    let mut found = Vec::new();
    let mut seen = 0;
    let mut marker: Option<String> = None;
    loop {
        let page = client
            .describe_load_balancers()
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| aws_error("DescribeLoadBalancers", &e))?;
        for lb in page.load_balancers() {
            seen += 1;
            match convert(lb) {
                Ok(lb) => found.push(lb),
                Err(missing) => tracing::warn!(
                    arn = lb.load_balancer_arn(),
                    name = lb.load_balancer_name(),
                    "skipping an elbv2 load balancer whose description lacks its {missing}"
                ),
            }
        }
        match page.next_marker() {
            Some(next) if !next.is_empty() => {
                if marker.as_deref() == Some(next) {
                    return Err(DiscoveryError::Aws {
                        operation: "DescribeLoadBalancers",
                        message: "the service returned the same NextMarker twice, so the \
                                  listing would never end; check --endpoint-url"
                            .into(),
                    });
                }
                marker = Some(next.to_owned());
            }
            _ => break,
        }
    }
    tracing::debug!(count = found.len(), "listed elbv2 load balancers");
    Ok((found, seen))
}

/// The tags of the given load balancers, by ARN, in calls of at most [`TAGS_PER_CALL`] ARNs.
/// An ARN AWS says nothing about is absent from the map.
pub(crate) async fn tags(
    client: &Client,
    arns: &[String],
) -> Result<HashMap<String, Tags>, DiscoveryError> {
    let mut by_arn = HashMap::new();
    for chunk in arns.chunks(TAGS_PER_CALL) {
        let out = client
            .describe_tags()
            .set_resource_arns(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| aws_error("DescribeTags", &e))?;
        for desc in out.tag_descriptions() {
            let Some(arn) = desc.resource_arn() else {
                continue;
            };
            let tags: Tags = desc
                .tags()
                .iter()
                .filter_map(|t| {
                    t.key()
                        .map(|k| (k.to_owned(), t.value().unwrap_or_default().to_owned()))
                })
                .collect();
            by_arn.insert(arn.to_owned(), tags);
        }
    }
    Ok(by_arn)
}

/// Which load balancer to describe.
pub(crate) enum By<'a> {
    Arn(&'a str),
    Name(&'a str),
}

/// Describe one load balancer and read its tags; `None` if elbv2 does not know it.
pub(crate) async fn find(
    client: &Client,
    by: By<'_>,
) -> Result<Option<(LoadBalancer, Tags)>, DiscoveryError> {
    let request = match by {
        By::Arn(arn) => client.describe_load_balancers().load_balancer_arns(arn),
        By::Name(name) => client.describe_load_balancers().names(name),
    };
    let out = match request.send().await {
        Ok(out) => out,
        Err(e)
            if e.as_service_error()
                .is_some_and(|se| se.is_load_balancer_not_found_exception()) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(aws_error("DescribeLoadBalancers", &e)),
    };
    let Some(described) = out.load_balancers().first() else {
        return Ok(None);
    };
    let lb = convert(described).map_err(|missing| incomplete("DescribeLoadBalancers", missing))?;
    let Some(arn) = lb.arn.clone() else {
        return Err(incomplete("DescribeLoadBalancers", "ARN"));
    };
    let mut tags = tags(client, std::slice::from_ref(&arn)).await?;
    let own = tags.remove(&arn).unwrap_or_default();
    Ok(Some((lb, own)))
}

/// The listeners of one elbv2 load balancer (following `NextMarker`). Listeners without a
/// port or protocol (gateway load balancers have neither) are left out.
pub(crate) async fn listeners(client: &Client, arn: &str) -> Result<Vec<Listener>, DiscoveryError> {
    let mut listeners = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = client
            .describe_listeners()
            .load_balancer_arn(arn)
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| aws_error("DescribeListeners", &e))?;
        for l in page.listeners() {
            match (l.port(), l.protocol()) {
                (Some(port), Some(protocol)) => listeners.push(Listener {
                    arn: l.listener_arn().map(str::to_owned),
                    port,
                    protocol: protocol.as_str().to_owned(),
                }),
                _ => tracing::debug!(
                    listener = l.listener_arn(),
                    "leaving out a listener without port or protocol"
                ),
            }
        }
        match page.next_marker() {
            Some(next) if !next.is_empty() && marker.as_deref() != Some(next) => {
                marker = Some(next.to_owned());
            }
            _ => break,
        }
    }
    Ok(listeners)
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
        let got = convert(&lb).unwrap();
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
            convert(&full().set_load_balancer_arn(None).build()),
            Err("ARN")
        );
        assert_eq!(convert(&full().set_dns_name(None).build()), Err("DNS name"));
        assert_eq!(convert(&full().set_type(None).build()), Err("type"));
        assert_eq!(
            convert(&full().r#type(LoadBalancerTypeEnum::from("future")).build()),
            Err("type")
        );
        let minimal = convert(&full().build()).unwrap();
        assert_eq!(minimal.scheme, Scheme::InternetFacing);
        assert_eq!(minimal.state, None);
    }
}
