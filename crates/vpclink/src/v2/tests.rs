use std::collections::HashMap;

use aws_sdk_apigatewayv2::error::ErrorMetadata;
use aws_sdk_apigatewayv2::operation::create_vpc_link::CreateVpcLinkOutput;
use aws_sdk_apigatewayv2::operation::delete_vpc_link::{DeleteVpcLinkError, DeleteVpcLinkOutput};
use aws_sdk_apigatewayv2::operation::get_vpc_link::{GetVpcLinkError, GetVpcLinkOutput};
use aws_sdk_apigatewayv2::operation::get_vpc_links::GetVpcLinksOutput;
use aws_sdk_apigatewayv2::types::VpcLink;
use aws_sdk_apigatewayv2::types::error::NotFoundException;
use aws_smithy_mocks::{RuleMode, mock, mock_client};

use super::*;

fn owner() -> Ownership {
    Ownership::new("prod")
}

fn tags(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn ours() -> HashMap<String, String> {
    owner().tags().into_iter().collect()
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

fn item(id: &str, tags: Option<HashMap<String, String>>) -> VpcLink {
    VpcLink::builder()
        .vpc_link_id(id)
        .name(format!("link-{id}"))
        .set_subnet_ids(Some(strings(&["subnet-b", "subnet-a"])))
        .set_security_group_ids(Some(strings(&["sg-2", "sg-1"])))
        .vpc_link_status(VpcLinkStatus::Available)
        .set_tags(tags)
        .build()
}

fn not_found() -> NotFoundException {
    NotFoundException::builder()
        .message("Unable to find VpcLink")
        .meta(
            ErrorMetadata::builder()
                .code("NotFoundException")
                .message("Unable to find VpcLink")
                .build(),
        )
        .build()
}

#[tokio::test]
async fn find_owned_keeps_only_links_with_both_tags_for_this_cluster() {
    let first_page = mock!(Client::get_vpc_links)
        .match_requests(|r| r.next_token().is_none())
        .then_output(|| {
            GetVpcLinksOutput::builder()
                .items(item("foreign", Some(tags(&[("team", "data")]))))
                .items(item("owned", Some(ours())))
                .items(item("untagged", None))
                .next_token("t2")
                .build()
        });
    let second_page = mock!(Client::get_vpc_links)
        .match_requests(|r| r.next_token() == Some("t2"))
        .then_output(|| {
            GetVpcLinksOutput::builder()
                .items(item(
                    "other-cluster",
                    Some(tags(&[
                        (gw_core::CLUSTER_TAG, "staging"),
                        (gw_core::MANAGED_BY_TAG, gw_core::MANAGED_BY_VALUE),
                    ])),
                ))
                .items(item(
                    "someone-else-for-prod",
                    Some(tags(&[
                        (gw_core::CLUSTER_TAG, "prod"),
                        (gw_core::MANAGED_BY_TAG, "terraform"),
                    ])),
                ))
                .build()
        });
    let client = mock_client!(
        aws_sdk_apigatewayv2,
        RuleMode::MatchAny,
        [&first_page, &second_page]
    );

    let found = find_owned(&client, &owner()).await.unwrap();
    assert_eq!(
        found,
        vec![Link {
            id: "owned".into(),
            name: "link-owned".into(),
            version: Version::V2,
            status: Status::Available,
            status_message: None,
            targets: strings(&["subnet-a", "subnet-b"]),
            security_groups: strings(&["sg-1", "sg-2"]),
            created_millis: None,
        }]
    );
    assert_eq!(first_page.num_calls(), 1);
    assert_eq!(second_page.num_calls(), 1);
}

#[tokio::test]
async fn create_sends_subnets_security_groups_and_tags() {
    let rule = mock!(Client::create_vpc_link)
        .match_requests(|r| {
            r.name() == Some("cortex-prod")
                && r.subnet_ids() == strings(&["subnet-b", "subnet-a"])
                && r.security_group_ids() == strings(&["sg-1"])
                && r.tags() == Some(&ours())
        })
        .then_output(|| {
            CreateVpcLinkOutput::builder()
                .vpc_link_id("v2new")
                .name("cortex-prod")
                .set_subnet_ids(Some(strings(&["subnet-b", "subnet-a"])))
                .set_security_group_ids(Some(strings(&["sg-1"])))
                .vpc_link_status(VpcLinkStatus::Pending)
                .set_tags(Some(ours()))
                .build()
        });
    let client = mock_client!(aws_sdk_apigatewayv2, [&rule]);

    let link = create(
        &client,
        &owner(),
        "cortex-prod",
        &strings(&["subnet-b", "subnet-a"]),
        &strings(&["sg-1"]),
    )
    .await
    .unwrap();
    assert_eq!(rule.num_calls(), 1);
    assert_eq!(link.id, "v2new");
    assert_eq!(link.version, Version::V2);
    assert_eq!(link.status, Status::Pending);
    assert_eq!(link.targets, strings(&["subnet-a", "subnet-b"]));
    assert_eq!(link.security_groups, strings(&["sg-1"]));
}

#[tokio::test]
async fn a_link_without_id_is_unexpected_not_a_panic() {
    let rule = mock!(Client::get_vpc_link).then_output(|| {
        GetVpcLinkOutput::builder()
            .name("x")
            .vpc_link_status(VpcLinkStatus::Available)
            .build()
    });
    let client = mock_client!(aws_sdk_apigatewayv2, [&rule]);
    let err = get(&client, "x").await.unwrap_err();
    assert!(matches!(err, LinkError::Unexpected(_)), "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn wait_deleted_until_not_found() {
    let rule = mock!(Client::get_vpc_link)
        .match_requests(|r| r.vpc_link_id() == Some("old"))
        .sequence()
        .output(|| {
            GetVpcLinkOutput::builder()
                .vpc_link_id("old")
                .name("cortex-prod")
                .vpc_link_status(VpcLinkStatus::Deleting)
                .build()
        })
        .error(|| GetVpcLinkError::NotFoundException(not_found()))
        .build();
    let client = mock_client!(aws_sdk_apigatewayv2, [&rule]);
    let link = to_link(
        "test",
        Some("old"),
        Some("cortex-prod"),
        &[],
        &[],
        None,
        None,
    )
    .unwrap();
    let start = tokio::time::Instant::now();
    wait_deleted(
        &client,
        &link,
        &WaitOptions::default(),
        &gw_core::LogProgress,
    )
    .await
    .unwrap();
    assert_eq!(rule.num_calls(), 2);
    assert_eq!(start.elapsed(), std::time::Duration::from_secs(2));
}

#[tokio::test(start_paused = true)]
async fn wait_available_reports_failed_with_aws_message() {
    let rule = mock!(Client::get_vpc_link).then_output(|| {
        GetVpcLinkOutput::builder()
            .vpc_link_id("v2new")
            .name("cortex-prod")
            .vpc_link_status(VpcLinkStatus::Failed)
            .vpc_link_status_message("Subnet subnet-a does not exist")
            .build()
    });
    let client = mock_client!(aws_sdk_apigatewayv2, [&rule]);
    let link = to_link(
        "test",
        Some("v2new"),
        Some("cortex-prod"),
        &[],
        &[],
        None,
        None,
    )
    .unwrap();
    let err = wait_available(
        &client,
        &link,
        &WaitOptions::default(),
        &gw_core::LogProgress,
    )
    .await
    .unwrap_err();
    match err {
        LinkError::Failed { id, message, .. } => {
            assert_eq!(id, "v2new");
            assert_eq!(message, "Subnet subnet-a does not exist");
        }
        other => panic!("expected Failed, got {other:?}"),
    }
}

#[tokio::test]
async fn delete_not_found_is_done_and_access_denied_explains() {
    let gone = mock!(Client::delete_vpc_link)
        .match_requests(|r| r.vpc_link_id() == Some("gone"))
        .then_error(|| DeleteVpcLinkError::NotFoundException(not_found()));
    let denied = mock!(Client::delete_vpc_link)
        .match_requests(|r| r.vpc_link_id() == Some("denied"))
        .then_error(|| {
            DeleteVpcLinkError::generic(
                ErrorMetadata::builder()
                    .code("AccessDeniedException")
                    .message("not authorized")
                    .build(),
            )
        });
    let ok = mock!(Client::delete_vpc_link)
        .match_requests(|r| r.vpc_link_id() == Some("ok"))
        .then_output(|| DeleteVpcLinkOutput::builder().build());
    let client = mock_client!(
        aws_sdk_apigatewayv2,
        RuleMode::MatchAny,
        [&gone, &denied, &ok]
    );

    delete(&client, "gone").await.unwrap();
    assert_eq!(gone.num_calls(), 1);
    delete(&client, "ok").await.unwrap();
    assert_eq!(ok.num_calls(), 1);
    let err = delete(&client, "denied").await.unwrap_err();
    assert!(
        matches!(
            &err,
            LinkError::Aws(error) if error.operation == "DeleteVpcLink"
        ),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("AccessDeniedException: not authorized"),
        "{text}"
    );
    assert!(text.contains("iam-policy"), "{text}");
}
