//! Which gateways made by hand front this cluster's load balancer, and which of them cortex-net
//! may take over: pure decisions over what the providers read (`gw_http::adopt`,
//! `gw_rest::adopt`), so that every rule is tested without AWS.

use gw_core::{
    CLUSTER_TAG, GatewayKind, MANAGED_BY_TAG, MANAGED_BY_VALUE, Ownership, VpcLinkVersion, stack_of,
};
use lb_discovery::LoadBalancer;
use serde::Serialize;
use std::collections::BTreeMap;

/// Tags as AWS lists them.
pub(crate) type Tags = BTreeMap<String, String>;

/// An HTTP or REST API as both kinds are judged.
#[derive(Debug, Clone, Default)]
pub(crate) struct Gateway {
    pub(crate) kind: Option<GatewayKind>,
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) base_url: String,
    pub(crate) tags: Tags,
    pub(crate) stages: Vec<String>,
    /// Where each integration sends requests, and through which VPC link.
    pub(crate) targets: Vec<(String, Option<String>)>,
    /// The VPC links its integrations use, as found (id, name, version, tags, v1 targets).
    pub(crate) links: Vec<Link>,
    /// The custom domains mapped to it.
    pub(crate) domains: Vec<Shared>,
}

/// A VPC link an API's integrations use.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Link {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) version: VpcLinkVersion,
    #[serde(skip)]
    pub(crate) tags: Tags,
    /// A v1 link's Network Load Balancers.
    #[serde(skip)]
    pub(crate) target_arns: Vec<String>,
}

/// A custom domain name mapped to an API.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Shared {
    pub(crate) name: String,
    #[serde(skip)]
    pub(crate) tags: Tags,
}

/// What cortex-net may do with a gateway fronting the cluster's load balancer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub(crate) enum Verdict {
    /// Made by hand and fronting only this cluster's load balancer: `adopt --api-id` takes it.
    Adoptable,
    /// Already carries this cluster's ownership tags.
    Adopted,
    /// Someone else's, or not only in front of this cluster: the reason says what to do.
    Refused { reason: String },
}

/// A gateway as `adopt` lists it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Candidate {
    #[serde(rename = "type")]
    pub(crate) kind: Option<GatewayKind>,
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) invoke_urls: Vec<String>,
    pub(crate) stages: Vec<String>,
    pub(crate) vpc_links: Vec<Link>,
    pub(crate) domains: Vec<Shared>,
    /// Where its integrations send requests.
    pub(crate) targets: Vec<String>,
    #[serde(flatten)]
    pub(crate) verdict: Verdict,
}

impl Gateway {
    /// The URL clients call for `stage` (`$default` is served at the root).
    pub(crate) fn invoke_url(&self, stage: &str) -> String {
        if stage == "$default" {
            self.base_url.clone()
        } else {
            format!("{}/{stage}", self.base_url)
        }
    }

    /// Whether one of its integrations reaches `lb`: the gateways `adopt` lists.
    pub(crate) fn fronts(&self, lb: &LoadBalancer) -> bool {
        self.targets.iter().any(|t| self.aim(t, lb).is_ok())
    }

    /// Where a target goes: `Ok` for `lb`, else a description of where.
    fn aim(&self, (uri, link): &(String, Option<String>), lb: &LoadBalancer) -> Result<(), String> {
        let v1 = link
            .as_deref()
            .and_then(|id| self.links.iter().find(|l| l.id == id))
            .filter(|l| l.version == VpcLinkVersion::V1);
        if let Some(link) = v1 {
            return match &lb.arn {
                Some(arn) if link.target_arns.contains(arn) => Ok(()),
                _ => Err(format!(
                    "VPC link {} to {}",
                    link.id,
                    link.target_arns.join(", ")
                )),
            };
        }
        if uri.starts_with("arn:") {
            let listeners = lb.listeners.iter().filter_map(|l| l.arn.as_ref());
            let mut ours = listeners.chain(lb.arn.as_ref());
            return match ours.any(|arn| arn == uri) {
                true => Ok(()),
                false => Err(uri.clone()),
            };
        }
        match host(uri) {
            Some(host) if host.eq_ignore_ascii_case(&lb.dns_name) => Ok(()),
            Some(host) => Err(host.to_string()),
            None => Err(uri.clone()),
        }
    }

    /// Where its integrations send requests other than to `lb`, each once.
    fn elsewhere(&self, lb: &LoadBalancer) -> Vec<String> {
        let mut found: Vec<String> = self
            .targets
            .iter()
            .filter_map(|t| self.aim(t, lb).err())
            .collect();
        found.sort();
        found.dedup();
        found
    }

    /// The verdict for `owner`'s cluster in front of `lb`.
    pub(crate) fn verdict(&self, lb: &LoadBalancer, owner: &Ownership) -> Verdict {
        let refused = |reason: String| Verdict::Refused { reason };
        let parts = std::iter::once((format!("API {}", self.id), &self.tags))
            .chain(
                self.links
                    .iter()
                    .map(|l| (format!("VPC link {}", l.id), &l.tags)),
            )
            .chain(
                self.domains
                    .iter()
                    .map(|d| (format!("custom domain {}", d.name), &d.tags)),
            );
        for (what, tags) in parts {
            if let Some(owner) = foreign_owner(tags, owner) {
                return refused(format!("{what} belongs to {owner}"));
            }
        }
        let elsewhere = self.elsewhere(lb);
        if !self.fronts(lb) {
            return refused(format!(
                "it sends requests to {}, not to this cluster's load balancer {} ({}): adopt the \
                 gateway in front of this cluster, or check `load_balancer` in the settings",
                list_or_nothing(&elsewhere),
                lb.name,
                lb.dns_name
            ));
        }
        if !elsewhere.is_empty() {
            return refused(format!(
                "it also sends requests to {}, which `up` would replace by this cluster's load \
                 balancer: remove those integrations first if that is not what you want",
                elsewhere.join(", ")
            ));
        }
        if self.links.len() > 1 {
            return refused(format!(
                "its integrations use {} VPC links ({}); cortex-net keeps one: move them onto one \
                 link first",
                self.links.len(),
                self.links
                    .iter()
                    .map(|l| l.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if owner.owns(&self.tags) {
            Verdict::Adopted
        } else {
            Verdict::Adoptable
        }
    }

    /// The gateway as `adopt` lists it.
    pub(crate) fn candidate(&self, lb: &LoadBalancer, owner: &Ownership) -> Candidate {
        let mut targets: Vec<String> = self.targets.iter().map(|(uri, _)| uri.clone()).collect();
        targets.sort();
        targets.dedup();
        Candidate {
            kind: self.kind,
            id: self.id.clone(),
            name: self.name.clone(),
            invoke_urls: self.stages.iter().map(|s| self.invoke_url(s)).collect(),
            stages: self.stages.clone(),
            vpc_links: self.links.clone(),
            domains: self.domains.clone(),
            targets,
            verdict: self.verdict(lb, owner),
        }
    }
}

fn list_or_nothing(found: &[String]) -> String {
    if found.is_empty() {
        "nothing".to_string()
    } else {
        found.join(", ")
    }
}

/// `http(s)://host[:port]/...` -> `host`.
fn host(uri: &str) -> Option<&str> {
    let rest = uri
        .strip_prefix("http://")
        .or_else(|| uri.strip_prefix("https://"))?;
    let authority = rest.split(['/', '?']).next()?;
    let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
    (!host.is_empty()).then_some(host)
}

/// Who, other than cortex-net for `owner`'s cluster, owns a resource with these tags, with the
/// way out; `None` when nobody does (made by hand) or it is already `owner`'s.
pub(crate) fn foreign_owner(tags: &Tags, owner: &Ownership) -> Option<String> {
    if let Some(stack) = stack_of(tags) {
        return Some(format!(
            "CloudFormation stack `{stack}` (tag aws:cloudformation:stack-name): change it \
             through its stack; cortex-net never changes a stack's resources"
        ));
    }
    if let Some(cluster) = tags.get(CLUSTER_TAG)
        && cluster != owner.cluster()
    {
        return Some(format!(
            "cluster `{cluster}` (tag {CLUSTER_TAG}): adopt it with that cluster's \
             configuration, or remove the tag if it is wrong"
        ));
    }
    if let Some(tool) = tags.get(MANAGED_BY_TAG)
        && tool != MANAGED_BY_VALUE
    {
        return Some(format!(
            "`{tool}` (tag {MANAGED_BY_TAG}): change it with that tool, or remove the tag if it \
             is wrong"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::load_balancer;
    use gw_core::{LoadBalancerKind, Scheme};

    fn lb() -> LoadBalancer {
        load_balancer(Scheme::InternetFacing, LoadBalancerKind::Network)
    }

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn by_hand(uri: &str) -> Gateway {
        Gateway {
            kind: Some(GatewayKind::Http),
            id: "a1".into(),
            name: "by-hand".into(),
            base_url: "https://a1.execute-api.us-east-1.amazonaws.com".into(),
            stages: vec!["$default".into()],
            targets: vec![(uri.to_string(), None)],
            ..Gateway::default()
        }
    }

    fn owner() -> Ownership {
        Ownership::new("prod")
    }

    fn reason(verdict: Verdict) -> String {
        match verdict {
            Verdict::Refused { reason } => reason,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn the_guides_internet_facing_api_is_adoptable_and_its_url_kept() {
        let lb = lb();
        let api = by_hand(&format!("http://{}/{{proxy}}", lb.dns_name.to_uppercase()));
        assert!(api.fronts(&lb));
        assert_eq!(api.verdict(&lb, &owner()), Verdict::Adoptable);
        let listed = api.candidate(&lb, &owner());
        assert_eq!(
            listed.invoke_urls,
            ["https://a1.execute-api.us-east-1.amazonaws.com"]
        );
        let with_port = by_hand(&format!("http://{}:8080/{{proxy}}", lb.dns_name));
        assert_eq!(with_port.verdict(&lb, &owner()), Verdict::Adoptable);
    }

    #[test]
    fn a_private_integration_fronts_by_listener_arn_or_by_its_v1_links_target() {
        let lb = load_balancer(Scheme::Internal, LoadBalancerKind::Network);
        let listener = lb.listeners[0].arn.clone().expect("a listener ARN");
        let mut http = by_hand(&listener);
        http.targets[0].1 = Some("l2".into());
        assert_eq!(http.verdict(&lb, &owner()), Verdict::Adoptable);

        let link = |arn: &str| Link {
            id: "v1".into(),
            name: "by-hand".into(),
            version: VpcLinkVersion::V1,
            tags: Tags::new(),
            target_arns: vec![arn.to_string()],
        };
        let mut rest = by_hand("http://nlb.internal/{proxy}");
        rest.targets[0].1 = Some("v1".into());
        rest.links = vec![link(lb.arn.as_deref().expect("an ARN"))];
        assert_eq!(rest.verdict(&lb, &owner()), Verdict::Adoptable);
        rest.links = vec![link("arn:aws:elasticloadbalancing:other")];
        assert!(!rest.fronts(&lb), "the link's target decides, not the URI");
    }

    #[test]
    fn another_load_balancer_another_cluster_a_stack_or_a_tool_is_refused_with_the_way_out() {
        let lb = lb();
        let ours = format!("http://{}/{{proxy}}", lb.dns_name);
        let elsewhere = by_hand("http://other-lb.example.com/{proxy}");
        assert!(!elsewhere.fronts(&lb));
        let why = reason(elsewhere.verdict(&lb, &owner()));
        assert!(
            why.contains("other-lb.example.com") && why.contains(&lb.name),
            "{why}"
        );

        let mut mixed = by_hand(&ours);
        mixed
            .targets
            .push(("https://lambda.example.com/x".into(), None));
        assert!(reason(mixed.verdict(&lb, &owner())).contains("also sends requests"));

        for (tag, value, says) in [
            (CLUSTER_TAG, "staging", "cluster `staging`"),
            (gw_core::STACK_TAG, "net", "stack `net`"),
            (MANAGED_BY_TAG, "terraform", "`terraform`"),
        ] {
            let mut api = by_hand(&ours);
            api.tags = tags(&[(tag, value)]);
            let why = reason(api.verdict(&lb, &owner()));
            assert!(why.contains(says), "{why}");
        }
        let mut domain_of_a_stack = by_hand(&ours);
        domain_of_a_stack.domains = vec![Shared {
            name: "api.example.com".into(),
            tags: tags(&[(gw_core::STACK_TAG, "dns")]),
        }];
        assert!(reason(domain_of_a_stack.verdict(&lb, &owner())).contains("custom domain"));
    }

    #[test]
    fn ours_already_is_adopted_and_our_cluster_tag_alone_is_no_refusal() {
        let lb = lb();
        let mut api = by_hand(&format!("https://{}/", lb.dns_name));
        api.tags = owner().tags();
        assert_eq!(api.verdict(&lb, &owner()), Verdict::Adopted);
        api.tags = tags(&[(CLUSTER_TAG, "prod")]);
        assert_eq!(api.verdict(&lb, &owner()), Verdict::Adoptable);
    }

    #[test]
    fn hosts_are_read_from_urls_only() {
        assert_eq!(host("http://a.b:80/x"), Some("a.b"));
        assert_eq!(host("https://a.b?q"), Some("a.b"));
        assert_eq!(host("arn:aws:x"), None);
        assert_eq!(host("http:///x"), None);
    }
}
