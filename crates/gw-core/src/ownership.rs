//! Ownership tags: the only state cortex-net keeps lives on the AWS resources themselves.

use crate::GatewayKind;
use std::collections::BTreeMap;

/// Tag naming the Cortex cluster a resource serves (the same key Cortex puts on its own resources).
pub const CLUSTER_TAG: &str = "cortex.dev/cluster-name";
/// Tag marking a resource as created, and therefore deletable, by cortex-net.
pub const MANAGED_BY_TAG: &str = "managed-by";
/// Value of [`MANAGED_BY_TAG`].
pub const MANAGED_BY_VALUE: &str = "cortex-net";
/// Tag naming the gateway kind a shared resource serves, where two kinds could both own one
/// (VPC links v2 serve HTTP and REST APIs alike).
pub const GATEWAY_TAG: &str = "cortex-net/gateway";

/// Tag CloudFormation puts on every resource of a stack: such a resource is the stack's, even
/// when it carries our tags too (a template from `cortex-net export`), and cortex-net never
/// changes or deletes it.
pub const STACK_TAG: &str = "aws:cloudformation:stack-name";

/// The CloudFormation stack that owns a resource with these tags, if any ([`STACK_TAG`]).
pub fn stack_of<'a, I>(tags: I) -> Option<&'a str>
where
    I: IntoIterator<Item = (&'a String, &'a String)>,
{
    tags.into_iter()
        .find(|(key, _)| key.as_str() == STACK_TAG)
        .map(|(_, value)| value.as_str())
}

/// The owner of a set of resources: cortex-net acting for one cluster, optionally for one
/// gateway kind within it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ownership {
    cluster: String,
    gateway: Option<GatewayKind>,
}

impl Ownership {
    pub fn new(cluster: impl Into<String>) -> Self {
        Self {
            cluster: cluster.into(),
            gateway: None,
        }
    }

    /// The same owner, narrowed to resources of one gateway kind (`http`, `rest`): its tags add
    /// [`GATEWAY_TAG`], and it owns only resources carrying that tag with that value.
    pub fn for_gateway(&self, kind: GatewayKind) -> Self {
        Self {
            cluster: self.cluster.clone(),
            gateway: Some(kind),
        }
    }

    pub fn cluster(&self) -> &str {
        &self.cluster
    }

    /// The tags to put on every resource we create.
    pub fn tags(&self) -> BTreeMap<String, String> {
        let mut tags = BTreeMap::from([
            (CLUSTER_TAG.to_string(), self.cluster.clone()),
            (MANAGED_BY_TAG.to_string(), MANAGED_BY_VALUE.to_string()),
        ]);
        if let Some(kind) = &self.gateway {
            tags.insert(GATEWAY_TAG.to_string(), kind.as_str().to_string());
        }
        tags
    }

    /// Whether tags found on a resource make it ours. Both tags must match exactly: a resource
    /// of another cluster, or one tagged for this cluster by someone else, is never ours. A
    /// narrowed owner also needs its gateway tag.
    pub fn owns<'a, I>(&self, tags: I) -> bool
    where
        I: IntoIterator<Item = (&'a String, &'a String)>,
    {
        let mut cluster = false;
        let mut managed = false;
        let mut gateway = self.gateway.is_none();
        for (key, value) in tags {
            if key == CLUSTER_TAG && *value == self.cluster {
                cluster = true;
            }
            if key == MANAGED_BY_TAG && value == MANAGED_BY_VALUE {
                managed = true;
            }
            if key == GATEWAY_TAG && self.gateway.is_some_and(|kind| kind.as_str() == value) {
                gateway = true;
            }
        }
        cluster && managed && gateway
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn owns_only_with_both_tags_for_this_cluster() {
        let owner = Ownership::new("prod");
        assert!(owner.owns(&owner.tags()));
        assert!(owner.owns(&tags(&[
            (CLUSTER_TAG, "prod"),
            (MANAGED_BY_TAG, "cortex-net"),
            ("team", "ml"),
        ])));
        assert!(!owner.owns(&tags(&[(CLUSTER_TAG, "prod")])));
        assert!(!owner.owns(&tags(&[(MANAGED_BY_TAG, "cortex-net")])));
        assert!(!owner.owns(&tags(&[
            (CLUSTER_TAG, "prod-2"),
            (MANAGED_BY_TAG, "cortex-net")
        ])));
        assert!(!owner.owns(&tags(&[
            (CLUSTER_TAG, "prod"),
            (MANAGED_BY_TAG, "terraform")
        ])));
        assert!(!owner.owns(&BTreeMap::new()));
    }

    #[test]
    fn a_narrowed_owner_needs_its_gateway_tag() {
        let owner = Ownership::new("prod");
        let http = owner.for_gateway(GatewayKind::Http);
        let rest = owner.for_gateway(GatewayKind::Rest);
        assert_eq!(
            http.tags().get(GATEWAY_TAG).map(String::as_str),
            Some("http")
        );
        assert!(http.owns(&http.tags()));
        assert!(
            !http.owns(&rest.tags()),
            "http must not claim a REST gateway's link"
        );
        assert!(!http.owns(&owner.tags()), "nor one without a gateway tag");
        assert!(
            owner.owns(&http.tags()),
            "the cluster-wide owner still owns both"
        );
        assert!(
            !Ownership::new("prod-2")
                .for_gateway(GatewayKind::Http)
                .owns(&http.tags())
        );
    }
}
