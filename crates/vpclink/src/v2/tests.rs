//! What only v2 does (placement by subnets and security groups, tags and dates in every
//! listing), and v2's [`Mocked`] client for the shared tests of [`crate::links`].

use aws_sdk_apigatewayv2::error::ErrorMetadata;
use aws_sdk_apigatewayv2::operation::create_vpc_link::CreateVpcLinkOutput;
use aws_sdk_apigatewayv2::operation::delete_vpc_link::{DeleteVpcLinkError, DeleteVpcLinkOutput};
use aws_sdk_apigatewayv2::operation::get_vpc_link::{GetVpcLinkError, GetVpcLinkOutput};
use aws_sdk_apigatewayv2::operation::get_vpc_links::GetVpcLinksOutput;
use aws_sdk_apigatewayv2::primitives::DateTime;
use aws_sdk_apigatewayv2::types::error::NotFoundException;
use aws_sdk_apigatewayv2::types::{VpcLink, VpcLinkStatus};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};

use super::*;
use crate::Status;
use crate::links::Tags;
use crate::links::tests::{Answer, Mocked, ours, owner};

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

fn meta(code: &str, message: &str) -> ErrorMetadata {
    ErrorMetadata::builder().code(code).message(message).build()
}

fn not_found() -> NotFoundException {
    NotFoundException::builder()
        .message("Unable to find VpcLink")
        .meta(meta("NotFoundException", "Unable to find VpcLink"))
        .build()
}

fn item(id: &str, tags: Option<Tags>) -> VpcLink {
    VpcLink::builder()
        .vpc_link_id(id)
        .name(format!("link-{id}"))
        .set_subnet_ids(Some(strings(&["subnet-b", "subnet-a"])))
        .set_security_group_ids(Some(strings(&["sg-2", "sg-1"])))
        .vpc_link_status(VpcLinkStatus::Available)
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
            .vpc_link_id(id)
            .name("cortex-prod")
            .vpc_link_status(VpcLinkStatus::from(status))
            .set_vpc_link_status_message(message.map(str::to_string))
            .build(),
        Answer::WithoutId => GetVpcLinkOutput::builder().name("x").build(),
        other => panic!("GetVpcLink's output is a link, not {other:?}"),
    }
}

crate::links::tests::impl_mocked!(aws_sdk_apigatewayv2, next_token, set_next_token);

#[tokio::test]
async fn find_owned_reads_placement_and_dates_and_skips_untagged_links() {
    let listing = mock!(Client::get_vpc_links).then_output(|| {
        let mut younger = item("younger", Some(ours()));
        younger.created_date = Some(DateTime::from_secs(2_000));
        let mut older = item("older", Some(ours()));
        older.created_date = Some(DateTime::from_secs(1_000));
        GetVpcLinksOutput::builder()
            .items(item("untagged", None))
            .items(younger)
            .items(older)
            .build()
    });
    let client = Client::mocked(&[listing]);

    let found = find_owned(&client, &owner()).await.unwrap();
    assert_eq!(
        found[0],
        Link {
            id: "older".into(),
            name: "link-older".into(),
            version: Version::V2,
            status: Status::Available,
            status_message: None,
            targets: strings(&["subnet-a", "subnet-b"]),
            security_groups: strings(&["sg-1", "sg-2"]),
            created_millis: Some(1_000_000),
        }
    );
    // The oldest first, whatever order AWS lists them in.
    assert_eq!(found.len(), 2);
    assert_eq!(found[1].id, "younger");
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
    let client = Client::mocked(std::slice::from_ref(&rule));

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
