//! The shared logic of [`crate::links`], tested once and run against both SDK clients (mocked
//! with aws-smithy-mocks): every behaviour here holds for v1 and for v2. What only one version
//! does (v1's tag read-back, v2's placement) is tested in `v1/tests.rs` and `v2/tests.rs`,
//! which also hold each version's [`Mocked`].

use std::time::Duration;

use aws_smithy_mocks::Rule;
use gw_core::{LogProgress, Ownership};

use super::*;
use crate::Status;

/// What AWS answers one call, in terms both versions can play.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Answer {
    /// A link with this id and status (and status message).
    Link {
        id: &'static str,
        status: &'static str,
        message: Option<&'static str>,
    },
    /// A link AWS describes without an id.
    WithoutId,
    /// `NotFoundException`.
    NotFound,
    /// Another error code, with its message.
    Error {
        code: &'static str,
        message: &'static str,
    },
    /// A call that succeeded with nothing to say (`DeleteVpcLink`).
    Done,
}

/// A link `id` named `cortex-prod` in `status`.
pub(crate) fn link(id: &'static str, status: &'static str) -> Answer {
    Answer::Link {
        id,
        status,
        message: None,
    }
}

/// One version's SDK client, mocked: the rules the shared tests need, built from [`Answer`]s.
pub(crate) trait Mocked: VpcLinkApi + Sized {
    /// A client answering by these rules, in any order.
    fn mocked(rules: &[Rule]) -> Self;
    /// `GetVpcLinks` answering `pages` in turn (each page's token names the next), each item
    /// an `AVAILABLE` link named `link-<id>` with these tags.
    fn listing(pages: &[&[(&'static str, Tags)]]) -> Vec<Rule>;
    /// `GetVpcLink` of `id` answering `answers` in turn.
    fn getting(id: &'static str, answers: &[Answer]) -> Rule;
    /// `DeleteVpcLink` of `id` answering `answer`.
    fn deleting(id: &'static str, answer: Answer) -> Rule;
}

/// `impl Mocked for Client` of one SDK crate, its listing paged by the token `$token` (read
/// with `$token()`, answered with `$set_token`). Expands where that version's test helpers
/// (`item`, `get_output`, `not_found`, `meta`) and SDK types are in scope: both SDKs name them
/// alike.
macro_rules! impl_mocked {
    ($sdk:ident, $token:ident, $set_token:ident) => {
        /// A `GetVpcLink` answer that is an error.
        fn get_error(answer: Answer) -> GetVpcLinkError {
            match answer {
                Answer::NotFound => GetVpcLinkError::NotFoundException(not_found()),
                Answer::Error { code, message } => GetVpcLinkError::generic(meta(code, message)),
                other => panic!("GetVpcLink's error is not {other:?}"),
            }
        }

        impl Mocked for Client {
            fn mocked(rules: &[Rule]) -> Self {
                mock_client!($sdk, RuleMode::MatchAny, rules)
            }

            fn listing(pages: &[&[(&'static str, Tags)]]) -> Vec<Rule> {
                let token = |page: usize| (page > 0).then(|| format!("page-{}", page + 1));
                (0..pages.len())
                    .map(|page| {
                        let items: Vec<VpcLink> = pages[page]
                            .iter()
                            .map(|(id, tags)| item(id, Some(tags.clone())))
                            .collect();
                        let next = (page + 1 < pages.len()).then(|| token(page + 1)).flatten();
                        mock!(Client::get_vpc_links)
                            .match_requests(move |r| r.$token().map(str::to_string) == token(page))
                            .then_output(move || {
                                GetVpcLinksOutput::builder()
                                    .set_items(Some(items.clone()))
                                    .$set_token(next.clone())
                                    .build()
                            })
                    })
                    .collect()
            }

            fn getting(id: &'static str, answers: &[Answer]) -> Rule {
                let mut sequence = mock!(Client::get_vpc_link)
                    .match_requests(move |r| r.vpc_link_id() == Some(id))
                    .sequence();
                for &answer in answers {
                    sequence = match answer {
                        Answer::Link { .. } | Answer::WithoutId => {
                            sequence.output(move || get_output(answer))
                        }
                        _ => sequence.error(move || get_error(answer)),
                    };
                }
                sequence.build()
            }

            fn deleting(id: &'static str, answer: Answer) -> Rule {
                let rule = mock!(Client::delete_vpc_link)
                    .match_requests(move |r| r.vpc_link_id() == Some(id));
                match answer {
                    Answer::Done => rule.then_output(|| DeleteVpcLinkOutput::builder().build()),
                    Answer::NotFound => {
                        rule.then_error(|| DeleteVpcLinkError::NotFoundException(not_found()))
                    }
                    Answer::Error { code, message } => {
                        rule.then_error(move || DeleteVpcLinkError::generic(meta(code, message)))
                    }
                    other => panic!("DeleteVpcLink does not answer {other:?}"),
                }
            }
        }
    };
}
pub(crate) use impl_mocked;

/// Runs each generic test below once per version.
macro_rules! for_both_versions {
    ($($test:ident),* $(,)?) => {
        mod v1 {
            $(
                #[tokio::test(start_paused = true)]
                async fn $test() {
                    super::$test::<aws_sdk_apigateway::Client>().await;
                }
            )*
        }
        mod v2 {
            $(
                #[tokio::test(start_paused = true)]
                async fn $test() {
                    super::$test::<aws_sdk_apigatewayv2::Client>().await;
                }
            )*
        }
    };
}

for_both_versions!(
    find_owned_keeps_only_links_with_both_tags_for_this_cluster,
    find_owned_orders_by_seniority,
    find_owned_with_stack_names_the_stack_a_link_carries,
    get_maps_the_link_and_not_found_to_none,
    a_link_without_id_is_unexpected_not_a_panic,
    delete_counts_not_found_as_done,
    delete_errors_say_what_to_do,
    wait_available_polls_get_until_available,
    wait_available_reports_failed_with_aws_message,
    delete_and_wait_deletes_then_waits_until_not_found,
);

pub(crate) fn owner() -> Ownership {
    Ownership::new("prod")
}

pub(crate) fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub(crate) fn ours() -> Tags {
    owner().tags().into_iter().collect()
}

fn ids(links: &[Link]) -> Vec<&str> {
    links.iter().map(|l| l.id.as_str()).collect()
}

/// A link as a caller holds it before waiting on it.
fn held(id: &str, status: Status) -> Link {
    Link {
        id: id.into(),
        name: "cortex-prod".into(),
        version: Version::V1,
        status,
        status_message: None,
        targets: Vec::new(),
        security_groups: Vec::new(),
        created_millis: None,
    }
}

async fn find_owned_keeps_only_links_with_both_tags_for_this_cluster<M: Mocked>() {
    let other_cluster = tags(&[
        (gw_core::CLUSTER_TAG, "staging"),
        (gw_core::MANAGED_BY_TAG, gw_core::MANAGED_BY_VALUE),
    ]);
    let someone_else = tags(&[
        (gw_core::CLUSTER_TAG, "prod"),
        (gw_core::MANAGED_BY_TAG, "terraform"),
    ]);
    let rules = M::listing(&[
        &[
            ("foreign", tags(&[("team", "data")])),
            ("owned", ours()),
            ("cluster-tag-only", tags(&[(gw_core::CLUSTER_TAG, "prod")])),
        ],
        &[
            ("other-cluster", other_cluster),
            ("someone-else-for-prod", someone_else),
            ("owned-too", ours()),
        ],
    ]);
    let client = M::mocked(&rules);

    let found = find_owned(&client, &owner()).await.unwrap();
    assert_eq!(ids(&found), vec!["owned", "owned-too"]);
    assert_eq!(found[0].version, M::VERSION);
    assert_eq!(found[0].name, "link-owned");
    assert_eq!(found[0].status, Status::Available);
    for rule in &rules {
        assert_eq!(rule.num_calls(), 1, "every page is read once");
    }
}

async fn find_owned_orders_by_seniority<M: Mocked>() {
    let rules = M::listing(&[&[("b", ours()), ("c", ours()), ("a", ours())]]);
    let found = find_owned(&M::mocked(&rules), &owner()).await.unwrap();
    // Without dates (the mocks give none), by id: every run keeps the same one.
    assert_eq!(ids(&found), vec!["a", "b", "c"]);
}

async fn find_owned_with_stack_names_the_stack_a_link_carries<M: Mocked>() {
    let mut stacked = ours();
    stacked.insert(gw_core::STACK_TAG.into(), "cortex-fleet".into());
    let rules = M::listing(&[&[("stacked", stacked), ("plain", ours())]]);
    let found = find_owned_with_stack(&M::mocked(&rules), &owner())
        .await
        .unwrap();
    let stacks: Vec<(&str, Option<&str>)> = found
        .iter()
        .map(|owned| (owned.link.id.as_str(), owned.stack.as_deref()))
        .collect();
    assert_eq!(stacks, [("plain", None), ("stacked", Some("cortex-fleet"))]);
}

async fn get_maps_the_link_and_not_found_to_none<M: Mocked>() {
    let rules = [
        M::getting(
            "l1",
            &[Answer::Link {
                id: "l1",
                status: "FAILED",
                message: Some("NLB not found"),
            }],
        ),
        M::getting("gone", &[Answer::NotFound]),
    ];
    let client = M::mocked(&rules);

    let link = get(&client, "l1").await.unwrap().unwrap();
    assert_eq!(link.version, M::VERSION);
    assert_eq!(link.status, Status::Failed);
    assert_eq!(link.status_message.as_deref(), Some("NLB not found"));
    assert_eq!(get(&client, "gone").await.unwrap(), None);
}

async fn a_link_without_id_is_unexpected_not_a_panic<M: Mocked>() {
    let client = M::mocked(&[M::getting("x", &[Answer::WithoutId])]);
    let err = get(&client, "x").await.unwrap_err();
    assert!(matches!(err, LinkError::Unexpected(_)), "{err:?}");
    assert!(
        err.to_string()
            .contains("GetVpcLink returned a VPC link without an id")
    );
}

async fn delete_counts_not_found_as_done<M: Mocked>() {
    let rules = [
        M::deleting("gone", Answer::NotFound),
        M::deleting("ok", Answer::Done),
    ];
    let client = M::mocked(&rules);
    delete(&client, "gone").await.unwrap();
    delete(&client, "ok").await.unwrap();
    assert_eq!(rules[0].num_calls(), 1);
    assert_eq!(rules[1].num_calls(), 1);
}

async fn delete_errors_say_what_to_do<M: Mocked>() {
    let denied = Answer::Error {
        code: "AccessDeniedException",
        message: "User is not authorized to perform apigateway:DELETE",
    };
    let rules = [
        M::deleting("denied", denied),
        // v1 says BadRequestException, v2 ConflictException.
        M::deleting(
            "referenced",
            Answer::Error {
                code: "BadRequestException",
                message: "Cannot delete vpc link. Vpc link 'referenced', is referenced in [ANY:abc]",
            },
        ),
        M::deleting(
            "in-use",
            Answer::Error {
                code: "ConflictException",
                message: "VpcLink is in use",
            },
        ),
    ];
    let client = M::mocked(&rules);

    let err = delete(&client, "denied").await.unwrap_err();
    match &err {
        LinkError::Aws(error) => {
            assert_eq!(error.operation, "DeleteVpcLink");
            let message = error.describe();
            assert!(message.starts_with("AccessDeniedException"), "{message}");
            assert!(message.contains("iam-policy"), "{message}");
            assert!(!message.contains("integration still uses"), "{message}");
        }
        other => panic!("expected Aws, got {other:?}"),
    }
    for (id, says) in [("referenced", "is referenced in"), ("in-use", "is in use")] {
        let err = delete(&client, id).await.unwrap_err().to_string();
        assert!(err.contains(says), "{err}");
        assert!(
            err.contains("integration still uses this VPC link"),
            "{err}"
        );
    }
}

/// [`wait_available`] on the PENDING link `new1`, with the default options.
async fn wait_for_new1<M: Mocked>(client: &M) -> Result<Link, LinkError> {
    let pending = held("new1", Status::Pending);
    wait_available(client, &pending, &WaitOptions::default(), &LogProgress).await
}

async fn wait_available_polls_get_until_available<M: Mocked>() {
    let rule = M::getting(
        "new1",
        &[link("new1", "PENDING"), link("new1", "AVAILABLE")],
    );
    let start = tokio::time::Instant::now();
    let link = wait_for_new1(&M::mocked(std::slice::from_ref(&rule)))
        .await
        .unwrap();
    assert_eq!(link.status, Status::Available);
    assert_eq!(link.version, M::VERSION);
    assert_eq!(rule.num_calls(), 2);
    assert_eq!(start.elapsed(), Duration::from_secs(2));
}

async fn wait_available_reports_failed_with_aws_message<M: Mocked>() {
    let failed = Answer::Link {
        id: "new1",
        status: "FAILED",
        message: Some("Subnet subnet-a does not exist"),
    };
    let client = M::mocked(&[M::getting("new1", &[failed])]);
    let err = wait_for_new1(&client).await.unwrap_err();
    match err {
        LinkError::Failed { id, message, .. } => {
            assert_eq!(id, "new1");
            assert_eq!(message, "Subnet subnet-a does not exist");
        }
        other => panic!("expected Failed, got {other:?}"),
    }
}

async fn delete_and_wait_deletes_then_waits_until_not_found<M: Mocked>() {
    let rules = [
        M::deleting("old", Answer::Done),
        M::getting("old", &[link("old", "DELETING"), Answer::NotFound]),
    ];
    let client = M::mocked(&rules);
    let start = tokio::time::Instant::now();
    delete_and_wait(
        &client,
        &held("old", Status::Available),
        &WaitOptions::default(),
        &LogProgress,
    )
    .await
    .unwrap();
    assert_eq!(rules[0].num_calls(), 1);
    assert_eq!(rules[1].num_calls(), 2);
    assert_eq!(start.elapsed(), Duration::from_secs(2));
}
