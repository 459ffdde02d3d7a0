//! The fingerprint that decides when a REST API must be redeployed, and the deployment
//! description that stores it in AWS: pure, and stable across machines and releases.

use crate::resources::desired_resources;
use gw_core::{DesiredGateway, Resource, ResourceKind, attr};

/// What the descriptions of our deployments start with, followed by the fingerprint.
const DEPLOYMENT_PREFIX: &str = "cortex-net ";
/// A stable hash of every resource but stages and deployments: the same configuration gives the
/// same fingerprint on every machine and Rust version (FNV-1a, 64 bits, hex).
pub fn fingerprint(resources: &[Resource]) -> String {
    let mut hash = Fnv1a::new();
    for resource in resources {
        // Stage settings, keys and plans take effect without a new deployment.
        if matches!(
            resource.kind,
            ResourceKind::Stage
                | ResourceKind::Deployment
                | ResourceKind::ApiKey
                | ResourceKind::UsagePlan
        ) {
            continue;
        }
        hash.write(resource.kind.as_str().as_bytes());
        hash.write(&[0x1f]);
        hash.write(resource.name.as_bytes());
        hash.write(&[0x1f]);
        // BTreeMap: sorted keys, so insertion order does not matter.
        for (key, value) in &resource.attributes {
            hash.write(key.as_bytes());
            hash.write(&[0x1e]);
            hash.write(value.as_bytes());
            hash.write(&[0x1e]);
        }
        hash.write(&[0x1d]);
    }
    format!("{:016x}", hash.finish())
}

/// The fingerprint of a desired gateway (what its deployment `current` carries).
pub fn desired_fingerprint(desired: &DesiredGateway) -> Option<String> {
    desired_resources(desired)
        .into_iter()
        .find(|r| r.kind == ResourceKind::Deployment)
        .and_then(|r| r.attribute(attr::FINGERPRINT).map(str::to_string))
}

/// A short stable digest of a text (an access log format): FNV-1a, 64 bits, hex.
pub(crate) fn text_digest(text: &str) -> String {
    let mut hash = Fnv1a::new();
    hash.write(text.as_bytes());
    format!("{:016x}", hash.finish())
}

/// FNV-1a, 64 bits: tiny, and unlike `DefaultHasher` the same everywhere, forever.
struct Fnv1a(u64);

impl Fnv1a {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;

    fn new() -> Self {
        Self(Self::OFFSET)
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The deployment description: `cortex-net <fingerprint>`, plus the id of the VPC link the
/// integrations used when it was made, so that a link replaced since is seen as a change.
pub(crate) fn deployment_description(fingerprint: &str, link_id: Option<&str>) -> String {
    match link_id {
        Some(id) => format!("{DEPLOYMENT_PREFIX}{fingerprint} vpclink={id}"),
        None => format!("{DEPLOYMENT_PREFIX}{fingerprint}"),
    }
}

/// Reads a description back: (fingerprint, VPC link id). `None` for deployments not made by
/// cortex-net.
pub(crate) fn parse_deployment_description(description: &str) -> Option<(String, Option<String>)> {
    let rest = description.strip_prefix(DEPLOYMENT_PREFIX)?;
    let mut words = rest.split_whitespace();
    let fingerprint = words.next()?.to_string();
    let link = words
        .find_map(|w| w.strip_prefix("vpclink="))
        .map(str::to_string);
    Some((fingerprint, link))
}
#[cfg(test)]
mod tests {
    use super::*;
    use gw_core::GatewayKind;
    use gw_core::testing::desired;

    #[test]
    fn fingerprint_is_stable() {
        // Pinned: a change here means every deployed gateway redeploys after an upgrade (the
        // fingerprints of whole gateways are pinned in tests/fingerprint.rs).
        assert_eq!(fingerprint(&[]), "cbf29ce484222325");
        let resources = [Resource::new(ResourceKind::Resource, "/iris")];
        assert_eq!(fingerprint(&resources), "050a185ad08f26bc");
        let two_apis = || {
            desired(GatewayKind::Rest)
                .apis(&[("iris", "/iris"), ("text", "/v1/text-gen")])
                .build()
        };
        let a = desired_fingerprint(&two_apis());
        assert!(a.is_some());
        assert_eq!(a, desired_fingerprint(&two_apis()));
    }

    #[test]
    fn attribute_order_does_not_matter_but_field_boundaries_do() {
        let x = Resource::new(ResourceKind::Method, "ANY /")
            .with("a", "1")
            .with("b", "2");
        let y = Resource::new(ResourceKind::Method, "ANY /")
            .with("b", "2")
            .with("a", "1");
        assert_eq!(fingerprint(&[x]), fingerprint(&[y]));
        // Moving bytes between name and value changes the hash.
        let a = Resource::new(ResourceKind::Resource, "ab").with("c", "");
        let b = Resource::new(ResourceKind::Resource, "a").with("bc", "");
        assert_ne!(fingerprint(&[a]), fingerprint(&[b]));
    }

    #[test]
    fn fingerprint_sees_every_change_but_the_stage() {
        let iris = || desired(GatewayKind::Rest).apis(&[("iris", "/iris")]);
        let fp = desired_fingerprint(&iris().build());
        assert_eq!(desired_fingerprint(&iris().stage("prod").build()), fp);
        assert_ne!(
            desired_fingerprint(&iris().dns_name("other-lb").build()),
            fp
        );
        assert_ne!(desired_fingerprint(&iris().port(8080).build()), fp);
        let more = iris().apis(&[("iris", "/iris"), ("mnist", "/mnist")]);
        assert_ne!(desired_fingerprint(&more.build()), fp);
        assert_ne!(desired_fingerprint(&iris().cors(&["*"]).build()), fp);
    }

    #[test]
    fn deployment_descriptions_round_trip() {
        let text = deployment_description("0123456789abcdef", Some("lnk1"));
        assert_eq!(text, "cortex-net 0123456789abcdef vpclink=lnk1");
        assert_eq!(
            parse_deployment_description(&text),
            Some(("0123456789abcdef".into(), Some("lnk1".into())))
        );
        assert_eq!(
            parse_deployment_description("cortex-net abc"),
            Some(("abc".into(), None))
        );
        assert_eq!(parse_deployment_description("deployed by hand"), None);
    }
}
