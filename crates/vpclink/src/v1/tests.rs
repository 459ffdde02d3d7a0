use std::collections::HashMap;

use aws_sdk_apigateway::error::ErrorMetadata;
use aws_sdk_apigateway::operation::create_vpc_link::CreateVpcLinkOutput;
use aws_sdk_apigateway::operation::delete_vpc_link::{DeleteVpcLinkError, DeleteVpcLinkOutput};
use aws_sdk_apigateway::operation::get_tags::GetTagsOutput;
use aws_sdk_apigateway::operation::get_vpc_link::{GetVpcLinkError, GetVpcLinkOutput};
use aws_sdk_apigateway::operation::get_vpc_links::GetVpcLinksOutput;
use aws_sdk_apigateway::operation::tag_resource::TagResourceOutput;
use aws_sdk_apigateway::types::error::NotFoundException;
use aws_sdk_apigateway::types::{VpcLink, VpcLinkStatus};
use aws_smithy_mocks::{RuleMode, mock, mock_client};

use super::*;

const NLB: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/api/abc";

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

fn item(id: &str, tags: Option<HashMap<String, String>>) -> VpcLink {
    VpcLink::builder()
        .id(id)
        .name(format!("link-{id}"))
        .target_arns(NLB)
        .status(VpcLinkStatus::Available)
        .set_tags(tags)
        .build()
}

fn not_found() -> ErrorMetadata {
    ErrorMetadata::builder()
        .code("NotFoundException")
        .message("Invalid VPC link identifier specified")
        .build()
}

#[test]
fn arns_follow_the_region_partition() {
    assert_eq!(
        arn_in("eu-west-1", "abc"),
        "arn:aws:apigateway:eu-west-1::/vpclinks/abc"
    );
    assert_eq!(
        arn_in("cn-north-1", "abc"),
        "arn:aws-cn:apigateway:cn-north-1::/vpclinks/abc"
    );
    assert_eq!(
        arn_in("us-gov-west-1", "abc"),
        "arn:aws-us-gov:apigateway:us-gov-west-1::/vpclinks/abc"
    );
}

#[tokio::test]
async fn find_owned_keeps_only_links_with_both_tags_for_this_cluster() {
    let first_page = mock!(Client::get_vpc_links)
        .match_requests(|r| r.position().is_none() && r.limit() == Some(500))
        .then_output(|| {
            GetVpcLinksOutput::builder()
                .items(item("owned", Some(ours())))
                .items(item("foreign", Some(tags(&[("team", "data")]))))
                .items(item(
                    "other-cluster",
                    Some(tags(&[
                        (gw_core::CLUSTER_TAG, "staging"),
                        (gw_core::MANAGED_BY_TAG, gw_core::MANAGED_BY_VALUE),
                    ])),
                ))
                .items(item(
                    "cluster-tag-only",
                    Some(tags(&[(gw_core::CLUSTER_TAG, "prod")])),
                ))
                .position("page-2")
                .build()
        });
    let second_page = mock!(Client::get_vpc_links)
        .match_requests(|r| r.position() == Some("page-2"))
        .then_output(|| {
            GetVpcLinksOutput::builder()
                .items(item("untagged-listing-ours", None))
                .items(item("untagged-listing-foreign", Some(HashMap::new())))
                .build()
        });
    let tags_ours = mock!(Client::get_tags)
        .match_requests(|r| {
            r.resource_arn()
                == Some("arn:aws:apigateway:us-east-1::/vpclinks/untagged-listing-ours")
        })
        .then_output(|| GetTagsOutput::builder().set_tags(Some(ours())).build());
    let tags_foreign = mock!(Client::get_tags)
        .match_requests(|r| {
            r.resource_arn()
                == Some("arn:aws:apigateway:us-east-1::/vpclinks/untagged-listing-foreign")
        })
        .then_output(|| GetTagsOutput::builder().build());
    let client = mock_client!(
        aws_sdk_apigateway,
        RuleMode::MatchAny,
        [&first_page, &second_page, &tags_ours, &tags_foreign]
    );

    let found = find_owned(&client, &owner()).await.unwrap();
    let ids: Vec<_> = found.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, vec!["owned", "untagged-listing-ours"]);
    assert_eq!(found[0].version, Version::V1);
    assert_eq!(found[0].status, Status::Available);
    assert_eq!(found[0].targets, vec![NLB.to_string()]);
    assert!(found[0].security_groups.is_empty());
    assert_eq!(first_page.num_calls(), 1);
    assert_eq!(second_page.num_calls(), 1);
    // Only the items listed without tags were asked about.
    assert_eq!(tags_ours.num_calls(), 1);
    assert_eq!(tags_foreign.num_calls(), 1);
}

fn created() -> CreateVpcLinkOutput {
    CreateVpcLinkOutput::builder()
        .id("new1")
        .name("cortex-prod")
        .target_arns(NLB)
        .status(VpcLinkStatus::Pending)
        .build()
}

fn create_rule() -> aws_smithy_mocks::Rule {
    mock!(Client::create_vpc_link)
        .match_requests(|r| {
            r.name() == Some("cortex-prod")
                && r.target_arns() == [NLB.to_string()]
                && r.tags() == Some(&ours())
        })
        .then_output(created)
}

const NEW_ARN: &str = "arn:aws:apigateway:us-east-1::/vpclinks/new1";

#[tokio::test]
async fn create_retags_when_create_time_tags_did_not_stick() {
    let create_link = create_rule();
    let read_back = mock!(Client::get_tags)
        .match_requests(|r| r.resource_arn() == Some(NEW_ARN))
        .then_output(|| GetTagsOutput::builder().build());
    let tag = mock!(Client::tag_resource)
        .match_requests(|r| r.resource_arn() == Some(NEW_ARN) && r.tags() == Some(&ours()))
        .then_output(|| TagResourceOutput::builder().build());
    let client = mock_client!(
        aws_sdk_apigateway,
        RuleMode::MatchAny,
        [&create_link, &read_back, &tag]
    );

    let link = create(&client, &owner(), "cortex-prod", NLB).await.unwrap();
    assert_eq!(link.id, "new1");
    assert_eq!(link.status, Status::Pending);
    assert_eq!(create_link.num_calls(), 1);
    assert_eq!(read_back.num_calls(), 1);
    assert_eq!(tag.num_calls(), 1);
}

#[tokio::test]
async fn create_does_not_retag_when_tags_stuck() {
    let create_link = create_rule();
    let read_back = mock!(Client::get_tags)
        .match_requests(|r| r.resource_arn() == Some(NEW_ARN))
        .then_output(|| GetTagsOutput::builder().set_tags(Some(ours())).build());
    let tag = mock!(Client::tag_resource).then_output(|| TagResourceOutput::builder().build());
    let client = mock_client!(
        aws_sdk_apigateway,
        RuleMode::MatchAny,
        [&create_link, &read_back, &tag]
    );

    let link = create(&client, &owner(), "cortex-prod", NLB).await.unwrap();
    assert_eq!(link.id, "new1");
    assert_eq!(create_link.num_calls(), 1);
    assert_eq!(read_back.num_calls(), 1);
    assert_eq!(tag.num_calls(), 0);
}

#[tokio::test]
async fn create_reports_an_untaggable_link_with_its_id() {
    let create_link = create_rule();
    let read_back = mock!(Client::get_tags).then_output(|| GetTagsOutput::builder().build());
    let tag = mock!(Client::tag_resource).then_error(|| {
        aws_sdk_apigateway::operation::tag_resource::TagResourceError::generic(
            ErrorMetadata::builder()
                .code("AccessDeniedException")
                .message("not allowed: apigateway:PUT")
                .build(),
        )
    });
    let client = mock_client!(
        aws_sdk_apigateway,
        RuleMode::MatchAny,
        [&create_link, &read_back, &tag]
    );

    let err = create(&client, &owner(), "cortex-prod", NLB)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("TagResource failed: AccessDeniedException"),
        "{text}"
    );
    assert!(
        text.contains("delete-vpc-link --vpc-link-id new1"),
        "{text}"
    );
}

#[tokio::test]
async fn get_maps_the_link_and_not_found_to_none() {
    let found = mock!(Client::get_vpc_link)
        .match_requests(|r| r.vpc_link_id() == Some("l1"))
        .then_output(|| {
            GetVpcLinkOutput::builder()
                .id("l1")
                .name("cortex-prod")
                .target_arns(NLB)
                .status(VpcLinkStatus::Failed)
                .status_message("NLB not found")
                .build()
        });
    let missing = mock!(Client::get_vpc_link)
        .match_requests(|r| r.vpc_link_id() == Some("gone"))
        .then_error(|| {
            GetVpcLinkError::NotFoundException(
                NotFoundException::builder().meta(not_found()).build(),
            )
        });
    let client = mock_client!(aws_sdk_apigateway, RuleMode::MatchAny, [&found, &missing]);

    let link = get(&client, "l1").await.unwrap().unwrap();
    assert_eq!(link.status, Status::Failed);
    assert_eq!(link.status_message.as_deref(), Some("NLB not found"));
    assert_eq!(get(&client, "gone").await.unwrap(), None);
}

#[tokio::test]
async fn delete_counts_not_found_as_done() {
    let rule = mock!(Client::delete_vpc_link)
        .match_requests(|r| r.vpc_link_id() == Some("gone"))
        .then_error(|| {
            DeleteVpcLinkError::NotFoundException(
                NotFoundException::builder().meta(not_found()).build(),
            )
        });
    let client = mock_client!(aws_sdk_apigateway, [&rule]);
    delete(&client, "gone").await.unwrap();
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn delete_errors_say_what_to_do() {
    let denied = mock!(Client::delete_vpc_link)
        .match_requests(|r| r.vpc_link_id() == Some("denied"))
        .then_error(|| {
            DeleteVpcLinkError::generic(
                ErrorMetadata::builder()
                    .code("AccessDeniedException")
                    .message("User is not authorized to perform apigateway:DELETE")
                    .build(),
            )
        });
    let in_use = mock!(Client::delete_vpc_link)
        .match_requests(|r| r.vpc_link_id() == Some("in-use"))
        .then_error(|| {
            DeleteVpcLinkError::generic(
                ErrorMetadata::builder()
                    .code("BadRequestException")
                    .message(
                        "Cannot delete vpc link. Vpc link 'in-use', is referenced in [ANY:abc]",
                    )
                    .build(),
            )
        });
    let ok = mock!(Client::delete_vpc_link)
        .match_requests(|r| r.vpc_link_id() == Some("ok"))
        .then_output(|| DeleteVpcLinkOutput::builder().build());
    let client = mock_client!(
        aws_sdk_apigateway,
        RuleMode::MatchAny,
        [&denied, &in_use, &ok]
    );

    let err = delete(&client, "denied").await.unwrap_err();
    match &err {
        LinkError::Aws(error) => {
            assert_eq!(error.operation, "DeleteVpcLink");
            let message = error.describe();
            assert!(message.starts_with("AccessDeniedException"), "{message}");
            assert!(message.contains("iam-policy"), "{message}");
        }
        other => panic!("expected Aws, got {other:?}"),
    }
    let err = delete(&client, "in-use").await.unwrap_err().to_string();
    assert!(err.contains("is referenced in"), "{err}");
    assert!(
        err.contains("integration still uses this VPC link"),
        "{err}"
    );
    delete(&client, "ok").await.unwrap();
    assert_eq!(ok.num_calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn wait_available_polls_get_until_available() {
    let rule = mock!(Client::get_vpc_link)
        .match_requests(|r| r.vpc_link_id() == Some("new1"))
        .sequence()
        .output(|| {
            GetVpcLinkOutput::builder()
                .id("new1")
                .name("cortex-prod")
                .status(VpcLinkStatus::Pending)
                .build()
        })
        .output(|| {
            GetVpcLinkOutput::builder()
                .id("new1")
                .name("cortex-prod")
                .status(VpcLinkStatus::Available)
                .build()
        })
        .build();
    let client = mock_client!(aws_sdk_apigateway, [&rule]);
    let pending = to_link(
        "test",
        Some("new1"),
        Some("cortex-prod"),
        &[],
        Some(&VpcLinkStatus::Pending),
        None,
    )
    .unwrap();
    let link = wait_available(
        &client,
        &pending,
        &WaitOptions::default(),
        &gw_core::LogProgress,
    )
    .await
    .unwrap();
    assert_eq!(link.status, Status::Available);
    assert_eq!(rule.num_calls(), 2);
}
