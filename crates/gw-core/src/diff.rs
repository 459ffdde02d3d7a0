//! The one place that decides what changes: a pure comparison of desired and observed resources.

use crate::{Action, Change, Observed, ObservedResource, Plan, Resource, ResourceKind};
use std::collections::HashSet;

/// Computes the changes that turn `observed` into `desired`.
///
/// - A desired resource without an observed one of the same kind and name is created.
/// - Identity is scoped to the parent: a desired top-level resource matches the most senior
///   observed one of its kind and name ([`ObservedResource::seniority`]: the oldest, then the
///   lowest id); the API and the VPC link, one per gateway
///   ([`ResourceKind::is_one_per_gateway`]), match the most senior of their kind whatever its
///   name (an adopted gateway keeps the name it was made with). A desired child
///   (route, stage, method, mapping ...) matches only a child of a matched parent. So duplicates,
///   however they arose, resolve the same way in every run, and a stage of API A never stands
///   for a stage of API B.
/// - One whose attributes differ is updated; only attributes the desired side names are
///   compared, so read-only attributes AWS adds do not cause churn. When one of the differing
///   attributes cannot change in place ([`ResourceKind::fixed_attributes`]), it is replaced.
/// - Every observed resource not matched is deleted, duplicates included. The children of an
///   API that is deleted go with it (AWS deletes them): they are listed, marked so
///   ([`Plan::goes_with_parent`]), and left out of what is applied ([`Plan::executable`]).
///   Observed resources are owned by construction, so nothing here can plan the deletion of
///   something cortex-net did not create.
///
/// The plan's order is the order of execution: see [`Plan`].
pub fn diff(desired: &[Resource], observed: &Observed) -> Plan {
    let mut changes = Vec::new();
    let mut matched: HashSet<usize> = HashSet::new();
    // Ids of the matched top-level resources: children are only matched inside them.
    let mut kept_parents: HashSet<&str> = HashSet::new();

    for want in desired {
        match best_match(want, observed, &matched, &kept_parents) {
            None => changes.push(Change {
                action: Action::Create,
                kind: want.kind,
                name: want.name.clone(),
                id: None,
                parent: None,
                detail: None,
            }),
            Some((index, have)) => {
                matched.insert(index);
                if have.parent_id.is_none() {
                    kept_parents.insert(have.id.as_str());
                }
                if let Some((detail, fixed)) = differences(want, &have.resource) {
                    changes.push(Change {
                        action: if fixed {
                            Action::Replace
                        } else {
                            Action::Update
                        },
                        kind: want.kind,
                        name: want.name.clone(),
                        id: Some(have.id.clone()),
                        parent: have.parent_id.clone(),
                        detail: Some(detail),
                    });
                }
            }
        }
    }

    let unmatched = |index: &usize| !matched.contains(index);
    let deleted_apis: HashSet<&str> = observed
        .resources
        .iter()
        .enumerate()
        .filter(|(index, have)| unmatched(index) && have.resource.kind == ResourceKind::Api)
        .map(|(_, have)| have.id.as_str())
        .collect();
    let mut deletions: Vec<Change> = observed
        .resources
        .iter()
        .enumerate()
        .filter(|(index, _)| unmatched(index))
        .map(|(_, have)| {
            let with_api = have
                .parent_id
                .as_deref()
                .is_some_and(|parent| deleted_apis.contains(parent));
            Change {
                action: Action::Delete,
                kind: have.resource.kind,
                name: have.resource.name.clone(),
                id: Some(have.id.clone()),
                parent: have.parent_id.clone(),
                detail: with_api.then(|| crate::plan::GOES_WITH_API.to_string()),
            }
        })
        .collect();
    // Stable: resources of one rank keep the order they were observed in.
    deletions.sort_by_key(|change| change.kind.deletion_rank());
    Plan {
        changes: in_execution_order(changes, deletions),
    }
}

/// The content first, then its trimming, then the rollout, then the other deletions.
fn in_execution_order(upserts: Vec<Change>, deletions: Vec<Change>) -> Vec<Change> {
    let (rollout, content): (Vec<Change>, Vec<Change>) =
        upserts.into_iter().partition(|c| c.kind.is_rollout());
    let (trims, rest): (Vec<Change>, Vec<Change>) = deletions
        .into_iter()
        .partition(|c| c.kind.is_trimmed_before_rollout());
    content
        .into_iter()
        .chain(trims)
        .chain(rollout)
        .chain(rest)
        .collect()
}

/// The observed resource `want` stands for: same kind and name (any name for a kind the
/// gateway has one of), not matched yet, top-level or inside a kept parent; the most senior of
/// several.
fn best_match<'a>(
    want: &Resource,
    observed: &'a Observed,
    matched: &HashSet<usize>,
    kept_parents: &HashSet<&str>,
) -> Option<(usize, &'a ObservedResource)> {
    observed
        .resources
        .iter()
        .enumerate()
        .filter(|(index, have)| {
            !matched.contains(index)
                && have.resource.kind == want.kind
                && (want.kind.is_one_per_gateway() || have.resource.name == want.name)
                && have
                    .parent_id
                    .as_deref()
                    .is_none_or(|parent| kept_parents.contains(parent))
        })
        .min_by(|(_, a), (_, b)| a.seniority().cmp(&b.seniority()))
}

/// `key: old -> new` for every attribute the desired side names that differs, and whether one
/// of them cannot change in place.
fn differences(want: &Resource, have: &Resource) -> Option<(String, bool)> {
    let differing: Vec<&String> = want
        .attributes
        .iter()
        .filter(|(key, value)| have.attributes.get(*key) != Some(value))
        .map(|(key, _)| key)
        .collect();
    let fixed = differing
        .iter()
        .any(|key| want.kind.fixed_attributes().contains(&key.as_str()));
    let text: Vec<String> = differing
        .iter()
        .map(|key| {
            let old = have.attribute(key).unwrap_or("(none)");
            let new = want.attribute(key).unwrap_or("(none)");
            format!("{key}: {old} -> {new}")
        })
        .collect();
    (!text.is_empty()).then(|| (text.join(", "), fixed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{GOES_WITH_API, ObservedResource, ResourceKind};

    fn have(kind: ResourceKind, name: &str, id: &str, attrs: &[(&str, &str)]) -> ObservedResource {
        let mut resource = Resource::new(kind, name);
        for (k, v) in attrs {
            resource = resource.with(k, *v);
        }
        ObservedResource {
            resource,
            id: id.to_string(),
            parent_id: None,
            created_millis: None,
        }
    }

    fn aged(mut resource: ObservedResource, created_millis: i64) -> ObservedResource {
        resource.created_millis = Some(created_millis);
        resource
    }

    fn within(mut resource: ObservedResource, parent: &str) -> ObservedResource {
        resource.parent_id = Some(parent.to_string());
        resource
    }

    fn actions(plan: &Plan) -> Vec<(Action, ResourceKind, &str)> {
        plan.changes
            .iter()
            .map(|c| (c.action, c.kind, c.name.as_str()))
            .collect()
    }

    #[test]
    fn everything_missing_is_created_in_desired_order() {
        let desired = vec![
            Resource::new(ResourceKind::Api, "cortex-a"),
            Resource::new(ResourceKind::Integration, "ANY /{proxy+}")
                .with("uri", "http://lb/{proxy}"),
            Resource::new(ResourceKind::Route, "ANY /{proxy+}"),
        ];
        let plan = diff(&desired, &Observed::default());
        assert_eq!(
            actions(&plan),
            vec![
                (Action::Create, ResourceKind::Api, "cortex-a"),
                (Action::Create, ResourceKind::Integration, "ANY /{proxy+}"),
                (Action::Create, ResourceKind::Route, "ANY /{proxy+}"),
            ]
        );
    }

    #[test]
    fn converged_state_gives_an_empty_plan_even_with_extra_observed_attributes() {
        let desired =
            vec![Resource::new(ResourceKind::Stage, "$default").with("auto_deploy", "true")];
        let observed = Observed {
            resources: vec![have(
                ResourceKind::Stage,
                "$default",
                "s1",
                &[("auto_deploy", "true"), ("created", "yesterday")],
            )],
        };
        assert!(diff(&desired, &observed).is_empty());
    }

    #[test]
    fn changed_attribute_is_an_update_naming_old_and_new() {
        let desired =
            vec![Resource::new(ResourceKind::Integration, "ANY /a").with("uri", "http://new/a")];
        let observed = Observed {
            resources: vec![have(
                ResourceKind::Integration,
                "ANY /a",
                "i1",
                &[("uri", "http://old/a")],
            )],
        };
        let plan = diff(&desired, &observed);
        assert_eq!(plan.changes.len(), 1);
        let change = &plan.changes[0];
        assert_eq!(change.action, Action::Update);
        assert_eq!(change.id.as_deref(), Some("i1"));
        assert_eq!(
            change.detail.as_deref(),
            Some("uri: http://old/a -> http://new/a")
        );
    }

    #[test]
    fn missing_attribute_counts_as_a_difference() {
        let desired = vec![Resource::new(ResourceKind::Api, "x").with("cors", "on")];
        let observed = Observed {
            resources: vec![have(ResourceKind::Api, "x", "a1", &[])],
        };
        let plan = diff(&desired, &observed);
        assert_eq!(
            plan.changes[0].detail.as_deref(),
            Some("cors: (none) -> on")
        );
    }

    #[test]
    fn undesired_resources_are_deleted_children_first_and_duplicates_too() {
        let desired = vec![Resource::new(ResourceKind::Api, "cortex-a")];
        let observed = Observed {
            resources: vec![
                aged(have(ResourceKind::Api, "cortex-a", "keep", &[]), 1),
                aged(have(ResourceKind::Api, "cortex-a", "dup", &[]), 2),
                have(ResourceKind::Integration, "ANY /old", "i1", &[]),
                have(ResourceKind::Stage, "$default", "s1", &[]),
                have(ResourceKind::Route, "ANY /old", "r1", &[]),
                have(ResourceKind::VpcLink, "link", "v1", &[]),
                have(ResourceKind::ApiMapping, "m", "m1", &[]),
            ],
        };
        let plan = diff(&desired, &observed);
        let ids: Vec<_> = plan
            .changes
            .iter()
            .map(|c| c.id.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(ids, vec!["m1", "r1", "i1", "s1", "dup", "v1"]);
        assert!(plan.changes.iter().all(|c| c.action == Action::Delete));
    }

    #[test]
    fn duplicates_keep_the_oldest_then_the_lowest_id_and_their_children() {
        let desired = vec![
            Resource::new(ResourceKind::Api, "cortex-a"),
            Resource::new(ResourceKind::Stage, "$default").with("auto_deploy", "true"),
        ];
        let api = |id, created| aged(have(ResourceKind::Api, "cortex-a", id, &[]), created);
        let stage = |parent| {
            within(
                have(
                    ResourceKind::Stage,
                    "$default",
                    "$default",
                    &[("auto_deploy", "true")],
                ),
                parent,
            )
        };
        // Listed newest first, as a concurrent run might see them.
        let observed = Observed {
            resources: vec![
                api("b-new", 20),
                stage("b-new"),
                api("a-old", 10),
                stage("a-old"),
                api("c-same-age", 10),
            ],
        };
        let plan = diff(&desired, &observed);
        // The oldest API (ties: lowest id) is kept with its stage; the others go whole, their
        // children with them.
        fn listed(plan: &Plan) -> Vec<(Action, ResourceKind, &str)> {
            plan.changes
                .iter()
                .map(|c| (c.action, c.kind, c.id.as_deref().unwrap_or("")))
                .collect()
        }
        assert_eq!(
            listed(&plan),
            vec![
                (Action::Delete, ResourceKind::Stage, "$default"),
                (Action::Delete, ResourceKind::Api, "b-new"),
                (Action::Delete, ResourceKind::Api, "c-same-age"),
            ]
        );
        assert_eq!(plan.changes[0].parent.as_deref(), Some("b-new"));
        assert!(plan.goes_with_parent(&plan.changes[0]));
        assert_eq!(
            listed(&plan.executable()),
            vec![
                (Action::Delete, ResourceKind::Api, "b-new"),
                (Action::Delete, ResourceKind::Api, "c-same-age"),
            ]
        );
    }

    #[test]
    fn references_to_a_duplicate_name_its_id_so_its_users_move() {
        let observed = Observed {
            resources: vec![
                aged(have(ResourceKind::VpcLink, "cortex-a", "new", &[]), 20),
                aged(have(ResourceKind::VpcLink, "cortex-a", "old", &[]), 10),
            ],
        };
        assert_eq!(
            observed.reference(ResourceKind::VpcLink, "old").as_deref(),
            Some("cortex-a")
        );
        assert_eq!(
            observed.reference(ResourceKind::VpcLink, "new").as_deref(),
            Some("cortex-a (new)")
        );
        assert_eq!(observed.reference(ResourceKind::VpcLink, "gone"), None);
        let kept: Vec<_> = observed
            .kept(ResourceKind::VpcLink)
            .map(|l| l.id.as_str())
            .collect();
        assert_eq!(kept, ["old"]);
    }

    #[test]
    fn a_child_of_another_api_never_stands_for_ours() {
        let desired = vec![
            Resource::new(ResourceKind::Api, "cortex-a"),
            Resource::new(ResourceKind::Stage, "dev"),
        ];
        let observed = Observed {
            resources: vec![
                aged(have(ResourceKind::Api, "cortex-a", "old", &[]), 1),
                aged(have(ResourceKind::Api, "cortex-a", "young", &[]), 2),
                within(have(ResourceKind::Stage, "dev", "dev", &[]), "young"),
            ],
        };
        let plan = diff(&desired, &observed);
        let create = &plan.changes[0];
        assert_eq!(
            (create.action, create.kind, create.parent.as_deref()),
            (Action::Create, ResourceKind::Stage, None)
        );
        let executable = plan.executable();
        let delete = &executable.changes[1];
        assert_eq!(
            (delete.action, delete.kind, delete.id.as_deref()),
            (Action::Delete, ResourceKind::Api, Some("young"))
        );
        assert_eq!(executable.len(), 2, "{plan}");
        // The duplicate's stage is listed, as going with it.
        assert_eq!(plan.len(), 3, "{plan}");
        assert_eq!(plan.changes[1].detail.as_deref(), Some(GOES_WITH_API));
    }

    #[test]
    fn deletions_and_updates_carry_the_parent_id() {
        let desired = vec![
            Resource::new(ResourceKind::Api, "cortex-a"),
            Resource::new(ResourceKind::Stage, "dev").with("auto_deploy", "true"),
        ];
        let observed = Observed {
            resources: vec![
                have(ResourceKind::Api, "cortex-a", "api1", &[]),
                within(
                    have(
                        ResourceKind::Stage,
                        "dev",
                        "dev",
                        &[("auto_deploy", "false")],
                    ),
                    "api1",
                ),
                within(have(ResourceKind::Stage, "old", "old", &[]), "api1"),
            ],
        };
        let plan = diff(&desired, &observed);
        let parents: Vec<_> = plan
            .changes
            .iter()
            .map(|c| (c.action, c.parent.as_deref()))
            .collect();
        assert_eq!(
            parents,
            vec![
                (Action::Update, Some("api1")),
                (Action::Delete, Some("api1"))
            ]
        );
    }

    #[test]
    fn removing_everything_is_a_diff_against_nothing() {
        let observed = Observed {
            resources: vec![
                have(ResourceKind::Api, "cortex-a", "a1", &[]),
                have(ResourceKind::Route, "ANY /{proxy+}", "r1", &[]),
                have(ResourceKind::Integration, "ANY /{proxy+}", "i1", &[]),
            ],
        };
        let plan = diff(&[], &observed);
        assert_eq!(
            actions(&plan),
            vec![
                (Action::Delete, ResourceKind::Route, "ANY /{proxy+}"),
                (Action::Delete, ResourceKind::Integration, "ANY /{proxy+}"),
                (Action::Delete, ResourceKind::Api, "cortex-a"),
            ]
        );
        assert_eq!(plan.summary(), "0 to create, 0 to update, 3 to delete");
    }

    #[test]
    fn plan_prints_as_text_and_json() {
        let plan = diff(
            &[Resource::new(ResourceKind::Api, "cortex-a")],
            &Observed::default(),
        );
        assert_eq!(
            plan.to_string(),
            "  + api cortex-a\nPlan: 1 to create, 0 to update, 0 to delete."
        );
        let json = serde_json::to_value(&plan).expect("plan serializes");
        assert_eq!(
            json,
            serde_json::json!({"changes": [{"action": "create", "kind": "api", "name": "cortex-a"}]})
        );
        assert_eq!(
            Plan::default().to_string(),
            "No changes: AWS already matches the configuration."
        );
    }

    #[test]
    fn a_fixed_attribute_that_differs_is_a_replacement() {
        let want = [Resource::new(ResourceKind::VpcLink, "cortex-a")
            .with(crate::attr::SUBNETS, "s-1,s-2")
            .with(crate::attr::STATUS, "AVAILABLE")];
        let found = Observed {
            resources: vec![have(
                ResourceKind::VpcLink,
                "cortex-a",
                "l1",
                &[("subnets", "s-1"), ("status", "AVAILABLE")],
            )],
        };
        let plan = diff(&want, &found);
        assert_eq!(plan.changes[0].action, Action::Replace);
        assert_eq!(
            plan.changes[0].detail.as_deref(),
            Some("subnets: s-1 -> s-1,s-2")
        );
        assert!(
            plan.summary().ends_with(", 1 to replace"),
            "{}",
            plan.summary()
        );
        let found = Observed {
            resources: vec![have(
                ResourceKind::VpcLink,
                "cortex-a",
                "l1",
                &[("subnets", "s-1,s-2"), ("status", "PENDING")],
            )],
        };
        assert_eq!(diff(&want, &found).changes[0].action, Action::Update);
    }

    #[test]
    fn the_plan_is_in_execution_order_content_trims_rollout_then_the_rest() {
        let want = [
            Resource::new(ResourceKind::Api, "cortex-a"),
            Resource::new(ResourceKind::Stage, "dev"),
            Resource::new(ResourceKind::Deployment, "current").with("fingerprint", "2"),
            Resource::new(ResourceKind::Method, "ANY /new"),
        ];
        let found = Observed {
            resources: vec![
                have(ResourceKind::Api, "cortex-a", "api1", &[]),
                within(have(ResourceKind::Stage, "old", "old", &[]), "api1"),
                within(have(ResourceKind::Method, "ANY /gone", "m1", &[]), "api1"),
                within(
                    have(
                        ResourceKind::Deployment,
                        "current",
                        "d1",
                        &[("fingerprint", "1")],
                    ),
                    "api1",
                ),
            ],
        };
        let plan = diff(&want, &found);
        assert_eq!(
            actions(&plan),
            vec![
                (Action::Create, ResourceKind::Method, "ANY /new"),
                (Action::Delete, ResourceKind::Method, "ANY /gone"),
                (Action::Create, ResourceKind::Stage, "dev"),
                (Action::Update, ResourceKind::Deployment, "current"),
                (Action::Delete, ResourceKind::Stage, "old"),
            ]
        );
    }

    #[test]
    fn what_goes_with_a_deleted_api_is_listed_but_not_sent() {
        let observed = Observed {
            resources: vec![
                have(ResourceKind::Api, "cortex-a", "a1", &[]),
                within(have(ResourceKind::Route, "ANY /iris", "r1", &[]), "a1"),
                within(
                    have(ResourceKind::Integration, "ANY /iris", "i1", &[]),
                    "a1",
                ),
                have(ResourceKind::VpcLink, "cortex-a", "l1", &[]),
            ],
        };
        let plan = diff(&[], &observed);
        assert_eq!(plan.len(), 4, "{plan}");
        assert_eq!(
            plan.summary(),
            "0 to create, 0 to update, 4 to delete (2 of them with their API)"
        );
        assert!(
            plan.to_string()
                .contains("- route ANY /iris (r1): goes with its API")
        );
        assert_eq!(
            actions(&plan.executable()),
            vec![
                (Action::Delete, ResourceKind::Api, "cortex-a"),
                (Action::Delete, ResourceKind::VpcLink, "cortex-a"),
            ]
        );
    }

    #[test]
    fn the_api_and_the_link_match_whatever_their_name() {
        let desired = vec![
            Resource::new(ResourceKind::VpcLink, "cortex-a").with(crate::attr::STATUS, "AVAILABLE"),
            Resource::new(ResourceKind::Api, "cortex-a"),
            Resource::new(ResourceKind::Stage, "dev"),
        ];
        let observed = Observed {
            resources: vec![
                have(
                    ResourceKind::VpcLink,
                    "by-hand-link",
                    "l1",
                    &[("status", "AVAILABLE")],
                ),
                have(ResourceKind::Api, "by-hand", "a1", &[]),
                within(have(ResourceKind::Stage, "dev", "dev", &[]), "a1"),
            ],
        };
        let plan = diff(&desired, &observed);
        assert!(plan.is_empty(), "{plan}");
        // A domain name is not one per gateway: it still matches by name.
        let domain = [Resource::new(ResourceKind::DomainName, "api.example.com")];
        let other = Observed {
            resources: vec![have(
                ResourceKind::DomainName,
                "other.example.com",
                "d1",
                &[],
            )],
        };
        assert_eq!(
            actions(&diff(&domain, &other)),
            vec![
                (Action::Create, ResourceKind::DomainName, "api.example.com"),
                (
                    Action::Delete,
                    ResourceKind::DomainName,
                    "other.example.com"
                ),
            ]
        );
    }

    #[test]
    fn of_two_apis_or_links_of_different_names_the_senior_is_kept() {
        let desired = vec![
            Resource::new(ResourceKind::VpcLink, "cortex-a"),
            Resource::new(ResourceKind::Api, "cortex-a"),
            Resource::new(ResourceKind::Stage, "dev"),
        ];
        let observed = Observed {
            resources: vec![
                aged(have(ResourceKind::VpcLink, "cortex-a", "l-young", &[]), 20),
                aged(
                    have(ResourceKind::VpcLink, "by-hand-link", "l-old", &[]),
                    10,
                ),
                aged(have(ResourceKind::Api, "cortex-a", "a-young", &[]), 20),
                within(have(ResourceKind::Stage, "dev", "dev", &[]), "a-young"),
                aged(have(ResourceKind::Api, "by-hand", "a-old", &[]), 10),
                within(have(ResourceKind::Stage, "dev", "dev", &[]), "a-old"),
            ],
        };
        let plan = diff(&desired, &observed);
        let listed: Vec<_> = plan
            .executable()
            .changes
            .iter()
            .map(|c| (c.action, c.kind, c.id.clone().unwrap_or_default()))
            .collect();
        assert_eq!(
            listed,
            vec![
                (Action::Delete, ResourceKind::Api, "a-young".to_string()),
                (Action::Delete, ResourceKind::VpcLink, "l-young".to_string()),
            ],
            "{plan}"
        );
        assert_eq!(
            observed
                .find(ResourceKind::Api, "cortex-a")
                .map(|a| a.id.as_str()),
            Some("a-old")
        );
        let kept: Vec<_> = observed
            .kept(ResourceKind::VpcLink)
            .map(|l| l.id.as_str())
            .collect();
        assert_eq!(kept, ["l-old"]);
    }

    #[test]
    fn an_adopted_link_of_another_name_used_by_integrations_plans_nothing_for_them() {
        // What a provider observes once the link `by-hand` and its API are tagged: it names
        // the kept link as `up` would, then renders the integrations' link by reference.
        let owner = crate::Ownership::new("a");
        let mut observed = Observed {
            resources: vec![
                aged(have(ResourceKind::VpcLink, "by-hand", "l1", &[]), 10),
                aged(have(ResourceKind::VpcLink, "by-hand-2", "l2", &[]), 20),
            ],
        };
        observed.name_kept(ResourceKind::VpcLink, &owner);
        observed.name_kept(ResourceKind::Stage, &owner);
        let via = |link: &str| {
            let shown = observed
                .reference(ResourceKind::VpcLink, link)
                .unwrap_or_default();
            format!("VPC_LINK {shown}")
        };
        assert_eq!(via("l1"), "VPC_LINK cortex-a");
        assert_eq!(
            via("l2"),
            "VPC_LINK by-hand-2 (l2)",
            "a duplicate keeps its name"
        );
        let integrations = [
            within(
                have(
                    ResourceKind::Integration,
                    "ANY /a",
                    "i1",
                    &[("connection", &via("l1"))],
                ),
                "a1",
            ),
            within(
                have(
                    ResourceKind::Integration,
                    "ANY /b",
                    "i2",
                    &[("connection", &via("l2"))],
                ),
                "a1",
            ),
        ];
        observed
            .resources
            .push(have(ResourceKind::Api, "by-hand-api", "a1", &[]));
        observed.resources.extend(integrations);
        let desired = vec![
            Resource::new(ResourceKind::VpcLink, "cortex-a"),
            Resource::new(ResourceKind::Api, "cortex-a"),
            Resource::new(ResourceKind::Integration, "ANY /a")
                .with("connection", "VPC_LINK cortex-a"),
            Resource::new(ResourceKind::Integration, "ANY /b")
                .with("connection", "VPC_LINK cortex-a"),
        ];
        let plan = diff(&desired, &observed);
        let listed: Vec<_> = plan
            .changes
            .iter()
            .map(|c| (c.action, c.kind, c.id.clone().unwrap_or_default()))
            .collect();
        // Only what used the duplicate moves; the duplicate goes.
        assert_eq!(
            listed,
            vec![
                (Action::Update, ResourceKind::Integration, "i2".to_string()),
                (Action::Delete, ResourceKind::VpcLink, "l2".to_string()),
            ],
            "{plan}"
        );
        let moved = plan.changes[0].detail.as_deref().unwrap_or_default();
        assert_eq!(
            moved,
            "connection: VPC_LINK by-hand-2 (l2) -> VPC_LINK cortex-a"
        );
        // apply finds the kept link by the desired name.
        let kept: Vec<_> = observed
            .kept(ResourceKind::VpcLink)
            .map(|l| (l.resource.name.as_str(), l.id.as_str()))
            .collect();
        assert_eq!(kept, [("cortex-a", "l1")]);
    }
}
