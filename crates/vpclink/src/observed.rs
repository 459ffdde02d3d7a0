//! A link as the providers report it (a [`gw_core::ObservedResource`]) and as `doctor` reads it
//! back: the one place that decides what an observed link's status means to a plan.

use gw_core::{LinkHealth, Observed, ObservedResource, Resource, ResourceKind, attr};

use crate::links::OwnedLink;
use crate::{Link, Status, Version};

/// Observed-only attribute: the status as AWS spells it (`INACTIVE`), where
/// [`gw_core::attr::STATUS`] says whether the link is usable (`AVAILABLE`).
pub const AWS_STATUS: &str = "aws_status";
/// Observed-only attribute: AWS's explanation of the status (why a link is `FAILED`).
pub const STATUS_MESSAGE: &str = "status_message";

/// The resource a provider reports for `link`, whichever API it came from and whichever
/// gateway reports it, so that the diff judges every link alike:
/// - [`attr::STATUS`] is `AVAILABLE` when the link is usable ([`Status::is_usable`]; an
///   `INACTIVE` link comes back when traffic resumes, so nothing is planned for it), else AWS's
///   status; [`AWS_STATUS`] keeps AWS's status for `doctor` ([`health`]).
/// - [`attr::VERSION`]; [`attr::TARGETS`] (v1: the load balancer ARNs, v2: the subnets, as in
///   [`Link::targets`]); for v2 also [`attr::SUBNETS`] and [`attr::SECURITY_GROUPS`]. Lists
///   are sorted and joined with `,`. The diff compares only the attributes the desired side
///   names, so each gateway's desired link picks the keys it needs.
pub fn observed(link: &Link) -> ObservedResource {
    let status = if link.status.is_usable() {
        Status::Available.as_str()
    } else {
        link.status.as_str()
    };
    let mut resource = Resource::new(ResourceKind::VpcLink, &link.name)
        .with(attr::VERSION, link.version.to_string())
        .with(attr::STATUS, status)
        .with(AWS_STATUS, link.status.as_str())
        .with(attr::TARGETS, joined(&link.targets));
    if link.version == Version::V2 {
        resource = resource
            .with(attr::SUBNETS, joined(&link.targets))
            .with(attr::SECURITY_GROUPS, joined(&link.security_groups));
    }
    if let Some(message) = &link.status_message {
        resource = resource.with(STATUS_MESSAGE, message);
    }
    ObservedResource {
        resource,
        id: link.id.clone(),
        parent_id: None,
        created_millis: link.created_millis,
    }
}

/// [`observed`], naming the CloudFormation stack that made the link ([`gw_core::STACK_TAG`]
/// among its attributes, which `gw_core::Observed::stack` finds): `up` and `down` then leave
/// the gateway to the stack.
pub fn observed_owned(owned: &OwnedLink) -> ObservedResource {
    let mut observed = observed(&owned.link);
    if let Some(stack) = &owned.stack {
        observed.resource = observed.resource.with(gw_core::STACK_TAG, stack);
    }
    observed
}

/// The VPC links among `observed`, as `doctor` checks them, with AWS's status (both providers
/// report their links through [`observed`] and read them back through this one function).
pub fn health(observed: &Observed) -> Vec<LinkHealth> {
    observed
        .of_kind(ResourceKind::VpcLink)
        .map(|link| {
            let status = link
                .resource
                .attribute(AWS_STATUS)
                .or_else(|| link.resource.attribute(attr::STATUS))
                .unwrap_or("UNKNOWN");
            LinkHealth {
                name: link.resource.name.clone(),
                id: link.id.clone(),
                status: status.to_string(),
                usable: Status::from_aws(status).is_usable(),
            }
        })
        .collect()
}

/// A list as one attribute value: sorted, without repeats, joined with `,`.
fn joined(values: &[String]) -> String {
    let mut values = values.to_vec();
    values.sort();
    values.dedup();
    values.join(",")
}

#[cfg(test)]
mod tests {
    use gw_core::{Action, diff};

    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    const NLB: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/a/1";

    fn link(version: Version, status: Status) -> Link {
        let (targets, security_groups) = match version {
            Version::V1 => (strings(&[NLB]), Vec::new()),
            Version::V2 => (strings(&["subnet-a", "subnet-b"]), strings(&["sg-1"])),
        };
        Link {
            id: "abc123".into(),
            name: "cortex-prod".into(),
            version,
            status,
            status_message: None,
            targets,
            security_groups,
            created_millis: Some(1_700_000_000_000),
        }
    }

    /// The desired link each provider builds (`gw-http`: v2 by subnets; `gw-rest`: v1 by the
    /// load balancer's ARN, v2 by its subnets as targets).
    fn desired_links(version: Version) -> Vec<Resource> {
        let common = Resource::new(ResourceKind::VpcLink, "cortex-prod")
            .with(attr::VERSION, version.to_string())
            .with(attr::STATUS, "AVAILABLE");
        match version {
            Version::V1 => vec![common.with(attr::TARGETS, NLB)],
            Version::V2 => vec![
                common
                    .clone()
                    .with(attr::SUBNETS, "subnet-a,subnet-b")
                    .with(attr::SECURITY_GROUPS, "sg-1"),
                common
                    .with(attr::TARGETS, "subnet-a,subnet-b")
                    .with(attr::SECURITY_GROUPS, "sg-1"),
            ],
        }
    }

    fn observing(link: &Link) -> Observed {
        Observed {
            resources: vec![observed(link)],
        }
    }

    #[test]
    fn an_inactive_link_is_available_to_the_plan_for_every_version_and_gateway() {
        for version in [Version::V1, Version::V2] {
            let found = observed(&link(version, Status::Inactive));
            let available = observed(&link(version, Status::Available));
            assert_eq!(found.resource.attribute(attr::STATUS), Some("AVAILABLE"));
            assert_eq!(found.resource.attribute(AWS_STATUS), Some("INACTIVE"));
            // The same resource as an AVAILABLE link but for AWS's own status.
            let mut same = found.clone();
            same.resource.attributes.remove(AWS_STATUS);
            let mut want = available.clone();
            want.resource.attributes.remove(AWS_STATUS);
            assert_eq!(same, want, "{version}");
            for desired in desired_links(version) {
                let plan = diff(
                    std::slice::from_ref(&desired),
                    &observing(&link(version, Status::Inactive)),
                );
                assert!(plan.changes.is_empty(), "{version}: {plan:?}");
            }
        }
    }

    #[test]
    fn a_link_a_cloudformation_stack_made_names_its_stack_and_plans_nothing_for_it() {
        for version in [Version::V1, Version::V2] {
            let stacked = OwnedLink {
                link: link(version, Status::Available),
                stack: Some("cortex-fleet".into()),
            };
            let found = Observed {
                resources: vec![observed_owned(&stacked)],
            };
            assert_eq!(found.stack(), Some("cortex-fleet"), "{version}");
            for desired in desired_links(version) {
                let plan = diff(std::slice::from_ref(&desired), &found);
                assert!(
                    plan.changes.is_empty(),
                    "{version}: the tag is no drift: {plan:?}"
                );
            }
            let plain = OwnedLink {
                stack: None,
                ..stacked
            };
            assert_eq!(observed_owned(&plain), observed(&plain.link), "{version}");
        }
    }

    #[test]
    fn a_link_not_ready_is_planned_and_keeps_aws_status() {
        for version in [Version::V1, Version::V2] {
            for status in [Status::Pending, Status::Failed] {
                let mut pending = link(version, status.clone());
                pending.status_message = Some("why".into());
                let found = observed(&pending);
                assert_eq!(
                    found.resource.attribute(attr::STATUS),
                    Some(status.as_str())
                );
                assert_eq!(found.resource.attribute(STATUS_MESSAGE), Some("why"));
                for desired in desired_links(version) {
                    let plan = diff(std::slice::from_ref(&desired), &observing(&pending));
                    let actions: Vec<_> = plan.changes.iter().map(|c| c.action).collect();
                    assert_eq!(actions, vec![Action::Update], "{version} {status}");
                }
            }
        }
    }

    #[test]
    fn health_says_an_inactive_link_is_usable_and_shows_inactive() {
        for version in [Version::V1, Version::V2] {
            let health = health(&observing(&link(version, Status::Inactive)));
            assert_eq!(
                health,
                vec![LinkHealth {
                    name: "cortex-prod".into(),
                    id: "abc123".into(),
                    status: "INACTIVE".into(),
                    usable: true,
                }]
            );
        }
        let pending = health(&observing(&link(Version::V2, Status::Pending)));
        assert_eq!(
            (pending[0].status.as_str(), pending[0].usable),
            ("PENDING", false)
        );
    }

    #[test]
    fn lists_are_sorted_and_v1_has_no_subnets() {
        let mut v2 = link(Version::V2, Status::Available);
        v2.targets = strings(&["subnet-b", "subnet-a", "subnet-a"]);
        let found = observed(&v2);
        assert_eq!(
            found.resource.attribute(attr::SUBNETS),
            Some("subnet-a,subnet-b")
        );
        assert_eq!(found.created_millis, Some(1_700_000_000_000));
        let v1 = observed(&link(Version::V1, Status::Available));
        assert_eq!(v1.resource.attribute(attr::SUBNETS), None);
        assert_eq!(v1.resource.attribute(attr::SECURITY_GROUPS), None);
        assert_eq!(v1.resource.attribute(attr::TARGETS), Some(NLB));
    }
}
