//! Ownership tags: the only state cortex-net keeps lives on the AWS resources themselves.

use std::collections::BTreeMap;

/// Tag naming the Cortex cluster a resource serves (the same key Cortex puts on its own resources).
pub const CLUSTER_TAG: &str = "cortex.dev/cluster-name";
/// Tag marking a resource as created, and therefore deletable, by cortex-net.
pub const MANAGED_BY_TAG: &str = "managed-by";
/// Value of [`MANAGED_BY_TAG`].
pub const MANAGED_BY_VALUE: &str = "cortex-net";

/// The owner of a set of resources: cortex-net acting for one cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ownership {
    cluster: String,
}

impl Ownership {
    pub fn new(cluster: impl Into<String>) -> Self {
        Self {
            cluster: cluster.into(),
        }
    }

    pub fn cluster(&self) -> &str {
        &self.cluster
    }

    /// The tags to put on every resource we create.
    pub fn tags(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            (CLUSTER_TAG.to_string(), self.cluster.clone()),
            (MANAGED_BY_TAG.to_string(), MANAGED_BY_VALUE.to_string()),
        ])
    }

    /// Whether tags found on a resource make it ours. Both tags must match exactly: a resource
    /// of another cluster, or one tagged for this cluster by someone else, is never ours.
    pub fn owns<'a, I>(&self, tags: I) -> bool
    where
        I: IntoIterator<Item = (&'a String, &'a String)>,
    {
        let mut cluster = false;
        let mut managed = false;
        for (key, value) in tags {
            if key == CLUSTER_TAG && *value == self.cluster {
                cluster = true;
            }
            if key == MANAGED_BY_TAG && value == MANAGED_BY_VALUE {
                managed = true;
            }
        }
        cluster && managed
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
}
