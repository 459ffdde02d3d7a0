//! The one place that decides what changes: a pure comparison of desired and observed resources.

use crate::{Action, Change, Observed, Plan, Resource};
use std::collections::HashSet;

/// Computes the changes that turn `observed` into `desired`.
///
/// - A desired resource without an observed one of the same kind and name is created.
/// - One whose attributes differ is updated; only attributes the desired side names are
///   compared, so read-only attributes AWS adds do not cause churn.
/// - Every observed resource not desired is deleted, including duplicates of a desired one
///   (the first match is kept). Observed resources are owned by construction, so nothing here
///   can plan the deletion of something cortex-net did not create.
///
/// Creations and updates keep the desired order (parents first); deletions follow
/// [`crate::ResourceKind::deletion_rank`].
pub fn diff(desired: &[Resource], observed: &Observed) -> Plan {
    let mut changes = Vec::new();
    let mut matched: HashSet<usize> = HashSet::new();

    for want in desired {
        let found = observed.resources.iter().enumerate().find(|(index, have)| {
            !matched.contains(index)
                && have.resource.kind == want.kind
                && have.resource.name == want.name
        });
        match found {
            None => changes.push(Change {
                action: Action::Create,
                kind: want.kind,
                name: want.name.clone(),
                id: None,
                detail: None,
            }),
            Some((index, have)) => {
                matched.insert(index);
                let differences: Vec<String> = want
                    .attributes
                    .iter()
                    .filter(|(key, value)| have.resource.attributes.get(*key) != Some(value))
                    .map(|(key, value)| {
                        let old = have
                            .resource
                            .attributes
                            .get(key)
                            .map(String::as_str)
                            .unwrap_or("(none)");
                        format!("{key}: {old} -> {value}")
                    })
                    .collect();
                if !differences.is_empty() {
                    changes.push(Change {
                        action: Action::Update,
                        kind: want.kind,
                        name: want.name.clone(),
                        id: Some(have.id.clone()),
                        detail: Some(differences.join(", ")),
                    });
                }
            }
        }
    }

    let mut deletions: Vec<Change> = observed
        .resources
        .iter()
        .enumerate()
        .filter(|(index, _)| !matched.contains(index))
        .map(|(_, have)| Change {
            action: Action::Delete,
            kind: have.resource.kind,
            name: have.resource.name.clone(),
            id: Some(have.id.clone()),
            detail: None,
        })
        .collect();
    // Stable: resources of one rank keep the order they were observed in.
    deletions.sort_by_key(|change| change.kind.deletion_rank());
    changes.extend(deletions);
    Plan { changes }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ObservedResource, ResourceKind};

    fn have(kind: ResourceKind, name: &str, id: &str, attrs: &[(&str, &str)]) -> ObservedResource {
        let mut resource = Resource::new(kind, name);
        for (k, v) in attrs {
            resource = resource.with(k, *v);
        }
        ObservedResource {
            resource,
            id: id.to_string(),
            parent_id: None,
        }
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
                have(ResourceKind::Api, "cortex-a", "keep", &[]),
                have(ResourceKind::Api, "cortex-a", "dup", &[]),
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
}
