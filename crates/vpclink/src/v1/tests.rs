//! What only v1 does (tags read back after listing and after creating, the partition of its
//! ARN), and v1's [`Mocked`] client for the shared tests of [`crate::links`].

use aws_sdk_apigateway::error::ErrorMetadata;
use aws_sdk_apigateway::operation::create_vpc_link::CreateVpcLinkOutput;
use aws_sdk_apigateway::operation::delete_vpc_link::{DeleteVpcLinkError, DeleteVpcLinkOutput};
use aws_sdk_apigateway::operation::get_tags::GetTagsOutput;
use aws_sdk_apigateway::operation::get_vpc_link::{GetVpcLinkError, GetVpcLinkOutput};
use aws_sdk_apigateway::operation::get_vpc_links::GetVpcLinksOutput;
use aws_sdk_apigateway::operation::tag_resource::{TagResourceError, TagResourceOutput};
use aws_sdk_apigateway::types::error::NotFoundException;
use aws_sdk_apigateway::types::{VpcLink, VpcLinkStatus};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};

use super::*;
use crate::Status;
use crate::links::tests::{Answer, Mocked, ours, tags};

const NLB: &str = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/api/abc";

fn meta(code: &str, message: &str) -> ErrorMetadata {
    ErrorMetadata::builder().code(code).message(message).build()
}

fn not_found() -> NotFoundException {
    NotFoundException::builder()
        .meta(meta(
            "NotFoundException",
            "Invalid VPC link identifier specified",
        ))
        .build()
}

fn item(id: &str, tags: Option<Tags>) -> VpcLink {
    VpcLink::builder()
        .id(id)
        .name(format!("link-{id}"))
        .target_arns(NLB)
        .status(VpcLinkStatus::Available)
        .set_tags(tags)
        .build()
}

/// A `GetVpcLink` answer that is a link.
fn get_output(answer: Answer) -> GetVpcLinkOutput {
    match answer {
        Answer::Link {
            id,
            status,
            message,
        } => GetVpcLinkOutput::builder()
            .id(id)
            .name("cortex-prod")
            .target_arns(NLB)
            .status(VpcLinkStatus::from(status))
            .set_status_message(message.map(str::to_string))
            .build(),
        Answer::WithoutId => GetVpcLinkOutput::builder().name("x").build(),
        other => panic!("GetVpcLink's output is a link, not {other:?}"),
    }
}

crate::links::tests::impl_mocked!(aws_sdk_apigateway, position, set_position);

#[test]
fn arns_follow_the_client_region_partition() {
    let in_region = |region: &'static str| {
        mock_client!(aws_sdk_apigateway, RuleMode::MatchAny, &[], |conf| conf
            .region(aws_sdk_apigateway::config::Region::new(region)))
    };
    assert_eq!(
        arn(&in_region("eu-west-1"), "abc").unwrap(),
        "arn:aws:apigateway:eu-west-1::/vpclinks/abc"
    );
    assert_eq!(
        arn(&in_region("cn-north-1"), "abc").unwrap(),
        "arn:aws-cn:apigateway:cn-north-1::/vpclinks/abc"
    );
    assert_eq!(
        arn(&in_region("us-gov-west-1"), "abc").unwrap(),
        "arn:aws-us-gov:apigateway:us-gov-west-1::/vpclinks/abc"
    );
}

#[tokio::test]
async fn links_listed_without_tags_are_asked_about_with_get_tags() {
    let listing = mock!(Client::get_vpc_links)
        .match_requests(|r| r.limit() == Some(500))
        .then_output(|| {
            GetVpcLinksOutput::builder()
                .items(item("tagged-ours", Some(ours())))
                .items(item("untagged-ours", None))
                .items(item("untagged-foreign", Some(Tags::new())))
                .items(item("deleted-meanwhile", None))
                .build()
        });
    let arn_of = |id: &str| format!("arn:aws:apigateway:us-east-1::/vpclinks/{id}");
    let tags_ours = mock!(Client::get_tags)
        .match_requests(move |r| r.resource_arn() == Some(&arn_of("untagged-ours")))
        .then_output(|| GetTagsOutput::builder().set_tags(Some(ours())).build());
    let tags_foreign = mock!(Client::get_tags)
        .match_requests(move |r| r.resource_arn() == Some(&arn_of("untagged-foreign")))
        .then_output(|| {
            GetTagsOutput::builder()
                .set_tags(Some(tags(&[("team", "data")])))
                .build()
        });
    let tags_gone = mock!(Client::get_tags)
        .match_requests(move |r| r.resource_arn() == Some(&arn_of("deleted-meanwhile")))
        .then_error(|| {
            aws_sdk_apigateway::operation::get_tags::GetTagsError::NotFoundException(not_found())
        });
    let client = Client::mocked(&[listing, tags_ours.clone(), tags_foreign.clone(), tags_gone]);

    let found = find_owned(&client, &crate::links::tests::owner())
        .await
        .unwrap();
    let ids: Vec<_> = found.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, vec!["tagged-ours", "untagged-ours"]);
    assert_eq!(found[0].targets, vec![NLB.to_string()]);
    assert!(found[0].security_groups.is_empty());
    // Only the items listed without tags were asked about.
    assert_eq!(tags_ours.num_calls(), 1);
    assert_eq!(tags_foreign.num_calls(), 1);
}

fn create_rule() -> Rule {
    mock!(Client::create_vpc_link)
        .match_requests(|r| {
            r.name() == Some("cortex-prod")
                && r.target_arns() == [NLB.to_string()]
                && r.tags() == Some(&ours())
                && r.description().is_some_and(|d| d.contains("cluster prod"))
        })
        .then_output(|| {
            CreateVpcLinkOutput::builder()
                .id("new1")
                .name("cortex-prod")
                .target_arns(NLB)
                .status(VpcLinkStatus::Pending)
                .build()
        })
}

const NEW_ARN: &str = "arn:aws:apigateway:us-east-1::/vpclinks/new1";

fn read_back(tags: Option<Tags>) -> Rule {
    mock!(Client::get_tags)
        .match_requests(|r| r.resource_arn() == Some(NEW_ARN))
        .then_output(move || GetTagsOutput::builder().set_tags(tags.clone()).build())
}

#[tokio::test]
async fn create_retags_when_create_time_tags_did_not_stick() {
    let tag = mock!(Client::tag_resource)
        .match_requests(|r| r.resource_arn() == Some(NEW_ARN) && r.tags() == Some(&ours()))
        .then_output(|| TagResourceOutput::builder().build());
    let rules = [create_rule(), read_back(None), tag];
    let client = Client::mocked(&rules);

    let owner = crate::links::tests::owner();
    let link = create(&client, &owner, "cortex-prod", NLB).await.unwrap();
    assert_eq!(link.id, "new1");
    assert_eq!(link.version, Version::V1);
    assert_eq!(link.status, Status::Pending);
    assert_eq!(link.targets, vec![NLB.to_string()]);
    for rule in &rules {
        assert_eq!(rule.num_calls(), 1);
    }
}

#[tokio::test]
async fn create_does_not_retag_when_tags_stuck() {
    let tag = mock!(Client::tag_resource).then_output(|| TagResourceOutput::builder().build());
    let rules = [create_rule(), read_back(Some(ours())), tag];
    let client = Client::mocked(&rules);

    let owner = crate::links::tests::owner();
    let link = create(&client, &owner, "cortex-prod", NLB).await.unwrap();
    assert_eq!(link.id, "new1");
    assert_eq!(rules[0].num_calls(), 1);
    assert_eq!(rules[1].num_calls(), 1);
    assert_eq!(rules[2].num_calls(), 0);
}

#[tokio::test]
async fn create_reports_an_untaggable_link_with_its_id() {
    let tag = mock!(Client::tag_resource).then_error(|| {
        TagResourceError::generic(meta("AccessDeniedException", "not allowed: apigateway:PUT"))
    });
    let client = Client::mocked(&[create_rule(), read_back(None), tag]);

    let owner = crate::links::tests::owner();
    let err = create(&client, &owner, "cortex-prod", NLB)
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
    assert!(
        text.contains(&format!("--resource-arn {NEW_ARN}")),
        "{text}"
    );
}
