//! Discovery and lookup against a fake account (see `fake.rs`), through the real SDK clients
//! with aws-smithy-mocks answering.

use crate::fake::{ClassicLb, V2Lb, World, cortex_api, legacy_api, tags};
use crate::{Candidate, DiscoveryError, LoadBalancerKind};

/// Load balancers that must never be taken for cluster `a`'s API load balancer.
fn decoys() -> World {
    World {
        v2: vec![
            V2Lb::nlb("b-api", cortex_api("b")),
            V2Lb::nlb("untagged", vec![]),
            V2Lb::nlb("a2-api", cortex_api("a-2")),
            V2Lb::nlb(
                "a-operator",
                tags(&[
                    ("cortex.dev/cluster-name", "a"),
                    ("cortex.dev/load-balancer", "operator"),
                ]),
            ),
            V2Lb::alb("team-alb", tags(&[("team", "web")])),
        ],
        classic: vec![
            ClassicLb::new("b-legacy", legacy_api("b")),
            ClassicLb::new("a2-legacy", legacy_api("a-2")),
        ],
        ..World::default()
    }
}

#[tokio::test]
async fn finds_the_one_nlb_among_decoys_with_its_listeners() {
    let mut world = decoys();
    let target = V2Lb::nlb("a-api", cortex_api("a"));
    world.v2.insert(2, target.clone());
    let (d, calls) = world.discovery();

    let lb = d.discover("a").await.unwrap();

    assert_eq!(lb, target.expected(true));
    assert_eq!(lb.listeners.len(), 2);
    assert_eq!(lb.listeners[1].port, 443);
    assert_eq!(lb.listeners[1].protocol, "TLS");
    assert_eq!(calls.get().v2_listeners, vec![target.arn()]);
}

#[tokio::test]
async fn a_cluster_whose_name_extends_another_gets_its_own() {
    let mut world = decoys();
    world.classic.retain(|lb| lb.name != "a2-legacy");
    world.v2.push(V2Lb::nlb("a-api", cortex_api("a")));
    let (d, _) = world.discovery();

    // `a-2` must get `a2-api`, never `a-api`, and `a` never `a2-api`.
    assert_eq!(d.discover("a-2").await.unwrap().name, "a2-api");
    assert_eq!(d.discover("a").await.unwrap().name, "a-api");
}

#[tokio::test]
async fn other_clusters_alone_give_not_found() {
    let world = decoys();
    let examined = world.v2.len() + world.classic.len();
    let (d, _) = world.discovery();

    let err = d.discover("a").await.unwrap_err();

    match &err {
        DiscoveryError::NotFound {
            cluster,
            examined: n,
        } => {
            assert_eq!(cluster, "a");
            assert_eq!(*n, examined);
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains(&format!("none of the {examined} load balancers")),
        "{text}"
    );
    assert!(text.contains("cortex.dev/cluster-name=a"), "{text}");
    assert!(text.contains("load_balancer: <name or ARN>"), "{text}");
}

#[tokio::test]
async fn an_empty_account_gives_not_found_with_zero_examined() {
    let (d, _) = World::default().discovery();
    let err = d.discover("a").await.unwrap_err();
    assert!(
        matches!(err, DiscoveryError::NotFound { examined: 0, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn legacy_istio_tags_are_recognised() {
    let mut world = decoys();
    let target = V2Lb::nlb("a-istio", legacy_api("a"));
    world.v2.push(target.clone());
    let (d, _) = world.discovery();

    let lb = d.discover("a").await.unwrap();

    assert_eq!(lb, target.expected(true));
}

#[tokio::test]
async fn a_classic_elb_is_found_with_listeners_from_its_description() {
    let mut world = decoys();
    let target = ClassicLb::new("a-classic", cortex_api("a"));
    world.classic.insert(1, target.clone());
    let (d, calls) = world.discovery();

    let lb = d.discover("a").await.unwrap();

    assert_eq!(lb, target.expected(true));
    assert_eq!(lb.kind, LoadBalancerKind::Classic);
    assert_eq!(lb.arn, None);
    assert_eq!(lb.listeners.len(), 2);
    assert!(
        calls.get().v2_listeners.is_empty(),
        "classic listeners need no call"
    );
}

#[tokio::test]
async fn two_matches_are_both_reported() {
    let mut world = decoys();
    let nlb = V2Lb::nlb("a-api", cortex_api("a"));
    let old = ClassicLb::new("a-old", legacy_api("a"));
    world.v2.push(nlb.clone());
    world.classic.push(old.clone());
    let (d, calls) = world.discovery();

    let err = d.discover("a").await.unwrap_err();

    let text = err.to_string();
    match err {
        DiscoveryError::Ambiguous {
            cluster,
            candidates,
        } => {
            assert_eq!(cluster, "a");
            assert_eq!(
                candidates,
                vec![
                    Candidate {
                        name: "a-api".into(),
                        arn: Some(nlb.arn()),
                        kind: LoadBalancerKind::Network
                    },
                    Candidate {
                        name: "a-old".into(),
                        arn: None,
                        kind: LoadBalancerKind::Classic
                    },
                ]
            );
        }
        other => panic!("expected Ambiguous, got {other:?}"),
    }
    assert!(text.contains(&nlb.arn()), "{text}");
    assert!(text.contains("`a-old`"), "{text}");
    assert!(text.contains("--load-balancer"), "{text}");
    assert!(calls.get().v2_listeners.is_empty());
}

#[tokio::test]
async fn describe_tags_goes_in_chunks_of_twenty() {
    let mut world = World::default();
    for i in 0..44 {
        world
            .v2
            .push(V2Lb::nlb(&format!("lb-{i}"), cortex_api(&format!("c{i}"))));
        world
            .classic
            .push(ClassicLb::new(&format!("elb-{i}"), legacy_api("other")));
    }
    // The match is the 45th: in the last chunk.
    let target = V2Lb::nlb("lb-44", cortex_api("a"));
    world.v2.push(target.clone());
    world.classic.push(ClassicLb::new("elb-44", vec![]));
    let all_arns: Vec<String> = world.v2.iter().map(V2Lb::arn).collect();
    let all_names: Vec<String> = world.classic.iter().map(|l| l.name.clone()).collect();
    let (d, calls) = world.discovery();

    let lb = d.discover("a").await.unwrap();

    assert_eq!(lb.name, "lb-44");
    let calls = calls.get();
    let sizes: Vec<usize> = calls.v2_tags.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![20, 20, 5], "elbv2 DescribeTags chunk sizes");
    assert_eq!(
        calls.v2_tags.concat(),
        all_arns,
        "every ARN asked exactly once"
    );
    let sizes: Vec<usize> = calls.classic_tags.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![20, 20, 5], "classic DescribeTags chunk sizes");
    assert_eq!(calls.classic_tags.concat(), all_names);
}

#[tokio::test]
async fn describe_load_balancers_follows_next_marker() {
    let mut world = World {
        page_size: 2,
        ..World::default()
    };
    for i in 0..4 {
        world.v2.push(V2Lb::nlb(&format!("lb-{i}"), vec![]));
        world
            .classic
            .push(ClassicLb::new(&format!("elb-{i}"), vec![]));
    }
    // Each match is alone on the last page.
    world.v2.push(V2Lb::nlb("a-api", cortex_api("a")));
    world.classic.push(ClassicLb::new("b-api", cortex_api("b")));
    let (d, calls) = world.discovery();

    let lb = d.discover("a").await.unwrap();
    assert_eq!(lb.name, "a-api");
    {
        let calls = calls.get();
        let markers = vec![None, Some("2".to_string()), Some("4".to_string())];
        assert_eq!(calls.v2_list_markers, markers);
        assert_eq!(calls.classic_list_markers, markers);
        assert_eq!(calls.v2_tags.concat().len(), 5);
        assert_eq!(calls.classic_tags.concat().len(), 5);
    }
    let lb = d.discover("b").await.unwrap();
    assert_eq!(lb.name, "b-api");
    assert_eq!(lb.kind, LoadBalancerKind::Classic);
}

#[tokio::test]
async fn aws_errors_name_the_call_and_give_a_hint() {
    let world = World {
        v2_describe_fails_with: Some("AccessDenied"),
        ..decoys()
    };
    let (d, _) = world.discovery();

    let err = d.discover("a").await.unwrap_err();

    let DiscoveryError::Aws(error) = &err else {
        panic!("expected Aws, got {err:?}");
    };
    assert_eq!(error.operation, "DescribeLoadBalancers");
    assert_eq!(error.service, "elasticloadbalancingv2");
    assert!(error.has_code("AccessDenied"), "{error:?}");
    let text = err.to_string();
    assert!(
        text.starts_with("DescribeLoadBalancers failed: AccessDenied: User: arn:aws:iam::"),
        "{text}"
    );
    assert!(text.contains("cortex-net iam-policy"), "{text}");
}

#[tokio::test]
async fn both_apis_are_walked_side_by_side_and_elbv2_errors_come_first() {
    let world = World {
        v2_describe_fails_with: Some("AccessDenied"),
        classic_describe_fails_with: Some("AccessDenied"),
        ..decoys()
    };
    let (d, calls) = world.discovery();

    let err = d.discover("a").await.unwrap_err();

    let DiscoveryError::Aws(error) = &err else {
        panic!("expected Aws, got {err:?}");
    };
    assert_eq!(error.service, "elasticloadbalancingv2", "{error:?}");
    assert!(error.has_code("AccessDenied"), "{error:?}");
    let calls = calls.get();
    assert_eq!(calls.v2_list_markers, vec![None]);
    assert_eq!(
        calls.classic_list_markers,
        vec![None],
        "the classic walk does not wait for elbv2's"
    );
}

#[tokio::test]
async fn a_failing_classic_walk_fails_discovery_even_when_elbv2_matches() {
    let mut world = World {
        classic_describe_fails_with: Some("AccessDenied"),
        ..decoys()
    };
    world.v2.push(V2Lb::nlb("a-api", cortex_api("a")));
    let (d, calls) = world.discovery();

    let err = d.discover("a").await.unwrap_err();

    let DiscoveryError::Aws(error) = &err else {
        panic!("expected Aws, got {err:?}");
    };
    assert_eq!(error.service, "elasticloadbalancing", "{error:?}");
    assert!(
        calls.get().v2_listeners.is_empty(),
        "no listeners are read for an undecided choice"
    );
}

// --- lookup -------------------------------------------------------------------------------

#[tokio::test]
async fn lookup_by_arn() {
    let mut world = decoys();
    let target = V2Lb::nlb("a-api", cortex_api("a"));
    world.v2.push(target.clone());
    let (d, calls) = world.discovery();

    let lb = d.lookup("a", &target.arn()).await.unwrap();

    assert_eq!(lb, target.expected(true));
    let calls = calls.get();
    assert_eq!(calls.v2_lookups, vec![vec![target.arn()]]);
    assert!(calls.v2_list_markers.is_empty(), "a lookup lists nothing");
    assert!(calls.classic_lookups.is_empty());
}

#[tokio::test]
async fn lookup_by_name_and_classic_fallback() {
    let mut world = decoys();
    let nlb = V2Lb::alb("a-web", legacy_api("a"));
    let old = ClassicLb::new("a-old", cortex_api("a"));
    world.v2.push(nlb.clone());
    world.classic.push(old.clone());
    let (d, calls) = world.discovery();

    assert_eq!(d.lookup("a", "a-web").await.unwrap(), nlb.expected(true));
    assert_eq!(d.lookup("a", " a-old ").await.unwrap(), old.expected(true));
    let classic_arn = format!("{}:loadbalancer/a-old", crate::fake::REGION_ACCOUNT);
    assert_eq!(
        d.lookup("a", &classic_arn).await.unwrap(),
        old.expected(true)
    );

    let calls = calls.get();
    assert_eq!(
        calls.v2_lookups,
        vec![vec!["a-web".to_string()], vec!["a-old".to_string()]]
    );
    assert_eq!(
        calls.classic_lookups,
        vec![vec!["a-old".to_string()], vec!["a-old".to_string()]]
    );
}

#[tokio::test]
async fn lookup_refuses_another_clusters_load_balancer() {
    let (d, calls) = decoys().discovery();

    for (name, owner) in [("a2-api", "a-2"), ("b-api", "b"), ("b-legacy", "b")] {
        let err = d.lookup("a", name).await.unwrap_err();
        match &err {
            DiscoveryError::OtherCluster {
                name: n,
                owner: o,
                cluster,
            } => {
                assert_eq!(
                    (n.as_str(), o.as_str(), cluster.as_str()),
                    (name, owner, "a")
                );
            }
            other => panic!("expected OtherCluster for {name}, got {other:?}"),
        }
        let text = err.to_string();
        assert!(
            text.contains(&format!("belongs to Cortex cluster `{owner}`")),
            "{text}"
        );
    }
    assert!(
        calls.get().v2_listeners.is_empty(),
        "nothing more is read from a refused LB"
    );
}

#[tokio::test]
async fn lookup_accepts_an_untagged_load_balancer_as_not_owned() {
    let (d, _) = decoys().discovery();

    let lb = d.lookup("a", "untagged").await.unwrap();

    assert_eq!(lb, V2Lb::nlb("untagged", vec![]).expected(false));
    assert!(!lb.owned_by_cluster);
    assert_eq!(lb.listeners.len(), 2);
    // Unrelated tags are not a claim either.
    let lb = d.lookup("a", "team-alb").await.unwrap();
    assert!(!lb.owned_by_cluster);
    // The operator LB of cluster `a` is cluster a's, so it is owned.
    let lb = d.lookup("a", "a-operator").await.unwrap();
    assert!(lb.owned_by_cluster);
}

#[tokio::test]
async fn lookup_of_a_missing_load_balancer_says_so() {
    let (d, calls) = decoys().discovery();

    for missing in [
        "nope".to_string(),
        format!(
            "{}:loadbalancer/net/nope/0123456789abcdef",
            crate::fake::REGION_ACCOUNT
        ),
        format!("{}:loadbalancer/nope", crate::fake::REGION_ACCOUNT),
        "a-api-0123.elb.us-east-1.amazonaws.com".to_string(),
        "  ".to_string(),
    ] {
        let err = d.lookup("a", &missing).await.unwrap_err();
        let DiscoveryError::NoSuchLoadBalancer { name_or_arn } = &err else {
            panic!("expected NoSuchLoadBalancer for {missing:?}, got {err:?}");
        };
        assert_eq!(name_or_arn, &missing);
        assert!(err.to_string().contains("not its DNS name"), "{err}");
    }
    let calls = calls.get();
    // Name: elbv2 then classic; elbv2 ARN: elbv2 only; classic ARN: classic only; the DNS name
    // and the blank string: no call at all.
    assert_eq!(calls.v2_lookups.len(), 2);
    assert_eq!(calls.classic_lookups.len(), 2);
}
