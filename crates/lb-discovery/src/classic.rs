//! Read-only calls to the classic ELB API (`elasticloadbalancing`, 2012-06-01): list classic
//! load balancers, read their tags, find one by name. Their listeners come with the
//! description.

use std::collections::HashMap;

use aws_sdk_elasticloadbalancing::Client;
use aws_sdk_elasticloadbalancing::types::LoadBalancerDescription;

use crate::elbv2::Tags;
use crate::error::{DiscoveryError, aws_error, incomplete};
use crate::model::{Listener, LoadBalancer, LoadBalancerKind};

/// Classic DescribeTags accepts at most 20 load balancer names per call.
pub(crate) const TAGS_PER_CALL: usize = 20;

/// Normalise a classic description, listeners included; `Err` names the missing field.
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

/// Every classic ELB of the account and region (following `NextMarker`), and how many AWS
/// described (including any whose description was too incomplete to use).
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
            .map_err(|e| aws_error("DescribeLoadBalancers (classic ELB)", &e))?;
        for desc in page.load_balancer_descriptions() {
            seen += 1;
            match convert(desc) {
                Ok(lb) => found.push(lb),
                Err(missing) => tracing::warn!(
                    name = desc.load_balancer_name(),
                    "skipping a classic ELB whose description lacks its {missing}"
                ),
            }
        }
        match page.next_marker() {
            Some(next) if !next.is_empty() => {
                if marker.as_deref() == Some(next) {
                    return Err(DiscoveryError::Aws {
                        operation: "DescribeLoadBalancers (classic ELB)",
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
    tracing::debug!(count = found.len(), "listed classic load balancers");
    Ok((found, seen))
}

/// The tags of the given classic ELBs, by name, in calls of at most [`TAGS_PER_CALL`] names.
pub(crate) async fn tags(
    client: &Client,
    names: &[String],
) -> Result<HashMap<String, Tags>, DiscoveryError> {
    let mut by_name = HashMap::new();
    for chunk in names.chunks(TAGS_PER_CALL) {
        let out = client
            .describe_tags()
            .set_load_balancer_names(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| aws_error("DescribeTags (classic ELB)", &e))?;
        for desc in out.tag_descriptions() {
            let Some(name) = desc.load_balancer_name() else {
                continue;
            };
            let tags: Tags = desc
                .tags()
                .iter()
                .map(|t| (t.key().to_owned(), t.value().unwrap_or_default().to_owned()))
                .collect();
            by_name.insert(name.to_owned(), tags);
        }
    }
    Ok(by_name)
}

/// Describe one classic ELB by name and read its tags; `None` if it does not exist.
pub(crate) async fn find(
    client: &Client,
    name: &str,
) -> Result<Option<(LoadBalancer, Tags)>, DiscoveryError> {
    let out = match client
        .describe_load_balancers()
        .load_balancer_names(name)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e)
            if e.as_service_error()
                .is_some_and(|se| se.is_access_point_not_found_exception()) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(aws_error("DescribeLoadBalancers (classic ELB)", &e)),
    };
    let Some(described) = out.load_balancer_descriptions().first() else {
        return Ok(None);
    };
    let lb = convert(described)
        .map_err(|missing| incomplete("DescribeLoadBalancers (classic ELB)", missing))?;
    let mut tags = tags(client, std::slice::from_ref(&lb.name)).await?;
    let own = tags.remove(&lb.name).unwrap_or_default();
    Ok(Some((lb, own)))
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
        let lb = convert(&desc).unwrap();
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
            convert(
                &LoadBalancerDescription::builder()
                    .load_balancer_name("x")
                    .build()
            ),
            Err("DNS name")
        );
    }
}
