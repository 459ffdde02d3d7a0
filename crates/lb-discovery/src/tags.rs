//! The tag rules that decide which cluster a load balancer belongs to. Pure functions, no AWS.
//!
//! Current Cortex clusters tag their API load balancer with
//! `cortex.dev/cluster-name=<cluster>` and `cortex.dev/load-balancer=api`. Older clusters (the
//! istio era) left it to Kubernetes, which tags it with
//! `kubernetes.io/service-name=istio-system/ingressgateway-apis` and a key
//! `kubernetes.io/cluster/<cluster>` (value usually `owned`).
//!
//! Names are compared exactly: `a` never matches `a-2`, and a load balancer whose tags name
//! any other cluster is never ours, even if they name ours as well.

/// Tag key holding the cluster name on current clusters.
pub const CLUSTER_NAME_KEY: &str = "cortex.dev/cluster-name";
/// Tag key saying which of the cluster's load balancers this is.
pub const LOAD_BALANCER_KEY: &str = "cortex.dev/load-balancer";
/// Value of [`LOAD_BALANCER_KEY`] on the API load balancer.
pub const API_LOAD_BALANCER: &str = "api";
/// Tag key set by Kubernetes on the load balancer of a `LoadBalancer` service.
pub const SERVICE_NAME_KEY: &str = "kubernetes.io/service-name";
/// Value of [`SERVICE_NAME_KEY`] on the API load balancer of older clusters.
pub const LEGACY_API_SERVICE: &str = "istio-system/ingressgateway-apis";
/// Prefix of the Kubernetes cluster-ownership tag key; the cluster name follows.
pub const KUBERNETES_CLUSTER_PREFIX: &str = "kubernetes.io/cluster/";

/// How a load balancer's tags relate to a cluster's API load balancer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// Tagged `cortex.dev/cluster-name=<cluster>` and `cortex.dev/load-balancer=api`.
    Cortex,
    /// Tagged as the istio API ingress of an older cluster, owned by `<cluster>`.
    Legacy,
    /// Not the cluster's API load balancer.
    No,
}

/// Whose load balancer this is, according to its tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ownership {
    /// The tags name the given cluster and no other.
    Ours,
    /// The tags name another cluster (this is its name).
    Other(String),
    /// The tags name no cluster at all.
    Unclaimed,
}

fn value<'a>(tags: &'a [(String, String)], key: &str) -> Option<&'a str> {
    tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Every cluster name the tags mention, in tag order, without duplicates.
pub fn clusters_named(tags: &[(String, String)]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (key, val) in tags {
        let name = if key == CLUSTER_NAME_KEY {
            Some(val.as_str())
        } else {
            key.strip_prefix(KUBERNETES_CLUSTER_PREFIX)
        };
        if let Some(name) = name.filter(|n| !n.is_empty())
            && !names.iter().any(|n| n == name)
        {
            names.push(name.to_owned());
        }
    }
    names
}

/// The cluster the tags say owns the load balancer: `cortex.dev/cluster-name` if present,
/// else the first `kubernetes.io/cluster/<name>` key; `None` for an untagged one.
pub fn owner_cluster(tags: &[(String, String)]) -> Option<String> {
    match value(tags, CLUSTER_NAME_KEY).filter(|v| !v.is_empty()) {
        Some(name) => Some(name.to_owned()),
        None => clusters_named(tags).into_iter().next(),
    }
}

/// Whether the tags claim the load balancer for `cluster`, for another cluster, or for none.
pub fn ownership(tags: &[(String, String)], cluster: &str) -> Ownership {
    let names = clusters_named(tags);
    if let Some(other) = names.iter().find(|n| *n != cluster) {
        return Ownership::Other(other.clone());
    }
    if names.is_empty() {
        Ownership::Unclaimed
    } else {
        Ownership::Ours
    }
}

/// Whether the tags mark the load balancer as the API load balancer of `cluster`.
pub fn belongs_to(tags: &[(String, String)], cluster: &str) -> Match {
    if cluster.is_empty() || ownership(tags, cluster) != Ownership::Ours {
        return Match::No;
    }
    if value(tags, CLUSTER_NAME_KEY) == Some(cluster)
        && value(tags, LOAD_BALANCER_KEY) == Some(API_LOAD_BALANCER)
    {
        return Match::Cortex;
    }
    let owned_key = format!("{KUBERNETES_CLUSTER_PREFIX}{cluster}");
    if value(tags, SERVICE_NAME_KEY) == Some(LEGACY_API_SERVICE)
        && tags.iter().any(|(k, _)| *k == owned_key)
    {
        return Match::Legacy;
    }
    Match::No
}

/// The tags discovery looks for, in words, for error messages.
pub fn wanted_description(cluster: &str) -> String {
    format!(
        "`{CLUSTER_NAME_KEY}={cluster}` with `{LOAD_BALANCER_KEY}={API_LOAD_BALANCER}` \
         (current clusters), or `{SERVICE_NAME_KEY}={LEGACY_API_SERVICE}` with a \
         `{KUBERNETES_CLUSTER_PREFIX}{cluster}` key (older clusters)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn cortex(cluster: &str) -> Vec<(String, String)> {
        t(&[(CLUSTER_NAME_KEY, cluster), (LOAD_BALANCER_KEY, "api")])
    }

    fn legacy(cluster: &str) -> Vec<(String, String)> {
        t(&[
            (SERVICE_NAME_KEY, LEGACY_API_SERVICE),
            (&format!("{KUBERNETES_CLUSTER_PREFIX}{cluster}"), "owned"),
        ])
    }

    #[test]
    fn current_tags_match_their_cluster_only() {
        assert_eq!(belongs_to(&cortex("a"), "a"), Match::Cortex);
        assert_eq!(belongs_to(&cortex("b"), "a"), Match::No);
        assert_eq!(belongs_to(&cortex("a-2"), "a"), Match::No);
        assert_eq!(belongs_to(&cortex("a"), "a-2"), Match::No);
        assert_eq!(belongs_to(&cortex("A"), "a"), Match::No);
    }

    #[test]
    fn the_operator_load_balancer_is_not_the_api_one() {
        let tags = t(&[(CLUSTER_NAME_KEY, "a"), (LOAD_BALANCER_KEY, "operator")]);
        assert_eq!(belongs_to(&tags, "a"), Match::No);
        let tags = t(&[(CLUSTER_NAME_KEY, "a")]);
        assert_eq!(belongs_to(&tags, "a"), Match::No);
    }

    #[test]
    fn legacy_tags_match_with_any_ownership_value() {
        assert_eq!(belongs_to(&legacy("a"), "a"), Match::Legacy);
        let shared = t(&[
            (SERVICE_NAME_KEY, LEGACY_API_SERVICE),
            ("kubernetes.io/cluster/a", "shared"),
        ]);
        assert_eq!(belongs_to(&shared, "a"), Match::Legacy);
        assert_eq!(belongs_to(&legacy("b"), "a"), Match::No);
        assert_eq!(belongs_to(&legacy("a-2"), "a"), Match::No);
        assert_eq!(belongs_to(&legacy("a"), "a-2"), Match::No);
    }

    #[test]
    fn legacy_needs_both_the_service_and_the_cluster_key() {
        let other_service = t(&[
            (SERVICE_NAME_KEY, "istio-system/ingressgateway-operator"),
            ("kubernetes.io/cluster/a", "owned"),
        ]);
        assert_eq!(belongs_to(&other_service, "a"), Match::No);
        let no_owner = t(&[(SERVICE_NAME_KEY, LEGACY_API_SERVICE)]);
        assert_eq!(belongs_to(&no_owner, "a"), Match::No);
    }

    #[test]
    fn tags_naming_a_second_cluster_never_match() {
        let mut tags = cortex("a");
        tags.push(("kubernetes.io/cluster/b".into(), "owned".into()));
        assert_eq!(belongs_to(&tags, "a"), Match::No);
        let mut tags = legacy("a");
        tags.push((CLUSTER_NAME_KEY.into(), "b".into()));
        assert_eq!(belongs_to(&tags, "a"), Match::No);
    }

    #[test]
    fn empty_cluster_name_matches_nothing() {
        let tags = t(&[(CLUSTER_NAME_KEY, ""), (LOAD_BALANCER_KEY, "api")]);
        assert_eq!(belongs_to(&tags, ""), Match::No);
        assert_eq!(belongs_to(&[], ""), Match::No);
    }

    #[test]
    fn untagged_matches_nothing() {
        assert_eq!(belongs_to(&[], "a"), Match::No);
        assert_eq!(owner_cluster(&[]), None);
        assert_eq!(ownership(&[], "a"), Ownership::Unclaimed);
    }

    #[test]
    fn owner_prefers_the_cortex_tag() {
        assert_eq!(owner_cluster(&cortex("b")), Some("b".into()));
        assert_eq!(owner_cluster(&legacy("c")), Some("c".into()));
        let mut both = legacy("c");
        both.push((CLUSTER_NAME_KEY.into(), "b".into()));
        assert_eq!(owner_cluster(&both), Some("b".into()));
        let unrelated = t(&[("team", "ml"), ("kubernetes.io/service-name", "x/y")]);
        assert_eq!(owner_cluster(&unrelated), None);
    }

    #[test]
    fn ownership_distinguishes_ours_other_and_unclaimed() {
        assert_eq!(ownership(&cortex("a"), "a"), Ownership::Ours);
        assert_eq!(ownership(&legacy("a"), "a"), Ownership::Ours);
        assert_eq!(
            ownership(&cortex("a-2"), "a"),
            Ownership::Other("a-2".into())
        );
        assert_eq!(ownership(&legacy("b"), "a"), Ownership::Other("b".into()));
        let mut mixed = cortex("a");
        mixed.push(("kubernetes.io/cluster/b".into(), "owned".into()));
        assert_eq!(ownership(&mixed, "a"), Ownership::Other("b".into()));
        assert_eq!(ownership(&t(&[("team", "ml")]), "a"), Ownership::Unclaimed);
    }

    #[test]
    fn clusters_named_deduplicates() {
        let mut tags = cortex("a");
        tags.extend(legacy("a"));
        assert_eq!(clusters_named(&tags), vec!["a".to_string()]);
    }
}
