//! [`Discovery`]: choose a cluster's API load balancer by its tags, or check one named by hand.

use crate::elbv2;
use crate::error::DiscoveryError;
use crate::model::{Candidate, LoadBalancer, LoadBalancerKind};
use crate::tags::{self, Match, Ownership};
use crate::walk;

/// Finds a Cortex cluster's API load balancer with read-only Elastic Load Balancing calls.
#[derive(Debug, Clone)]
pub struct Discovery {
    elbv2: aws_sdk_elasticloadbalancingv2::Client,
    elb: aws_sdk_elasticloadbalancing::Client,
}

impl Discovery {
    /// Use these clients (elbv2 and classic ELB), already set up with region and credentials.
    pub fn new(
        elbv2: aws_sdk_elasticloadbalancingv2::Client,
        elb: aws_sdk_elasticloadbalancing::Client,
    ) -> Self {
        Discovery { elbv2, elb }
    }

    /// The one load balancer, elbv2 or classic, tagged as the API load balancer of `cluster`,
    /// with its listeners. Errors if there is none or more than one: it never guesses.
    ///
    /// The two APIs are walked side by side (each lists, then reads tags); when both fail, the
    /// error is elbv2's, the one a walk of elbv2 first would have met.
    pub async fn discover(&self, cluster: &str) -> Result<LoadBalancer, DiscoveryError> {
        let (v2, classic) =
            tokio::join!(walk::list_tagged(&self.elbv2), walk::list_tagged(&self.elb));
        let (v2, classic) = (v2?, classic?);
        let examined = v2.seen + classic.seen;
        let mut matches: Vec<LoadBalancer> = v2
            .tagged
            .into_iter()
            .chain(classic.tagged)
            .filter_map(|(lb, lb_tags)| match tags::belongs_to(&lb_tags, cluster) {
                Match::No => None,
                rule @ (Match::Cortex | Match::Legacy) => {
                    tracing::debug!(name = %lb.name, kind = %lb.kind, ?rule, "tags match");
                    Some(lb)
                }
            })
            .collect();
        let mut chosen = match matches.len() {
            0 => {
                return Err(DiscoveryError::NotFound {
                    cluster: cluster.to_owned(),
                    examined,
                });
            }
            1 => matches.remove(0),
            _ => {
                return Err(DiscoveryError::Ambiguous {
                    cluster: cluster.to_owned(),
                    candidates: matches.iter().map(Candidate::from).collect(),
                });
            }
        };
        chosen.owned_by_cluster = true;
        self.fill_listeners(&mut chosen).await?;
        tracing::info!(
            name = %chosen.name,
            kind = %chosen.kind,
            examined,
            "found the API load balancer of cluster {cluster}"
        );
        Ok(chosen)
    }

    /// The load balancer named by hand (`load_balancer:` / `--load-balancer`): an elbv2 ARN or
    /// name, else a classic ELB name (or classic ARN). Refuses one whose tags name another
    /// cluster; accepts an untagged one with `owned_by_cluster: false`.
    pub async fn lookup(
        &self,
        cluster: &str,
        name_or_arn: &str,
    ) -> Result<LoadBalancer, DiscoveryError> {
        let key = name_or_arn.trim();
        let not_found = || DiscoveryError::NoSuchLoadBalancer {
            name_or_arn: name_or_arn.to_owned(),
        };
        // Load balancer names are letters, digits and hyphens: a dot means a DNS name or a typo.
        if key.is_empty() || (!key.starts_with("arn:") && key.contains('.')) {
            return Err(not_found());
        }
        let found = if key.starts_with("arn:") {
            match classic_name_from_arn(key) {
                Some(name) => walk::find(&self.elb, name).await?,
                None => walk::find(&self.elbv2, key).await?,
            }
        } else {
            match walk::find(&self.elbv2, key).await? {
                Some(found) => Some(found),
                None => walk::find(&self.elb, key).await?,
            }
        };
        let Some((mut lb, lb_tags)) = found else {
            return Err(not_found());
        };
        match tags::ownership(&lb_tags, cluster) {
            Ownership::Other(owner) => {
                return Err(DiscoveryError::OtherCluster {
                    name: lb.name,
                    owner,
                    cluster: cluster.to_owned(),
                });
            }
            Ownership::Ours => lb.owned_by_cluster = true,
            Ownership::Unclaimed => {
                tracing::warn!(
                    name = %lb.name,
                    "load balancer {} carries no cluster tags; using it for cluster {cluster} as configured",
                    lb.name
                );
                lb.owned_by_cluster = false;
            }
        }
        self.fill_listeners(&mut lb).await?;
        Ok(lb)
    }

    /// elbv2 listeners take a call of their own; classic ones came with the description.
    async fn fill_listeners(&self, lb: &mut LoadBalancer) -> Result<(), DiscoveryError> {
        if lb.kind != LoadBalancerKind::Classic
            && let Some(arn) = &lb.arn
        {
            lb.listeners = elbv2::listeners(&self.elbv2, arn).await?;
        }
        Ok(())
    }
}

/// `arn:<partition>:elasticloadbalancing:<region>:<account>:loadbalancer/<name>` is a classic
/// ELB (elbv2 ARNs have `loadbalancer/<net|app|gwy>/<name>/<id>`): its name, else `None`.
fn classic_name_from_arn(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_partition), Some("elasticloadbalancing"), Some(_), Some(_), Some(res)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    res.strip_prefix("loadbalancer/")
        .filter(|name| !name.is_empty() && !name.contains('/'))
}

#[cfg(test)]
mod arn_tests {
    use super::classic_name_from_arn;

    #[test]
    fn classic_arns_are_told_from_elbv2_ones() {
        assert_eq!(
            classic_name_from_arn("arn:aws:elasticloadbalancing:us-east-1:123:loadbalancer/old"),
            Some("old")
        );
        assert_eq!(
            classic_name_from_arn(
                "arn:aws:elasticloadbalancing:us-east-1:123:loadbalancer/net/api/0123abcd"
            ),
            None
        );
        assert_eq!(
            classic_name_from_arn("arn:aws:elasticloadbalancing:us-east-1:123:targetgroup/t/1"),
            None
        );
        assert_eq!(
            classic_name_from_arn("arn:aws:ec2:us-east-1:123:loadbalancer/x"),
            None
        );
        assert_eq!(classic_name_from_arn("loadbalancer/x"), None);
    }
}
