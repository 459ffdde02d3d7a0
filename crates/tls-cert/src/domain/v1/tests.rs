//! REST custom domains through the SDK: paging, the fields of each endpoint type, the `GetTags`
//! fallback and the root base path. The rules both APIs share are tested in `shared`.

use aws_sdk_apigateway::operation::create_base_path_mapping::CreateBasePathMappingOutput;
use aws_sdk_apigateway::operation::create_domain_name::CreateDomainNameOutput;
use aws_sdk_apigateway::operation::delete_base_path_mapping::{
    DeleteBasePathMappingError, DeleteBasePathMappingOutput,
};
use aws_sdk_apigateway::operation::delete_domain_name::DeleteDomainNameOutput;
use aws_sdk_apigateway::operation::get_base_path_mappings::GetBasePathMappingsOutput;
use aws_sdk_apigateway::operation::get_domain_name::GetDomainNameOutput;
use aws_sdk_apigateway::operation::get_domain_names::GetDomainNamesOutput;
use aws_sdk_apigateway::operation::get_tags::GetTagsOutput;
use aws_sdk_apigateway::operation::tag_resource::TagResourceOutput;
use aws_sdk_apigateway::types::BasePathMapping;
use aws_sdk_apigateway::types::DomainName as AwsDomainName;
use aws_sdk_apigateway::types::error::NotFoundException;
use aws_smithy_mocks::{RuleMode, mock, mock_client};

use super::*;
use crate::domain::shared::Tags;
use crate::domain::tests::{not_found_meta, ours, owner, tags};

const CERT: &str = "arn:aws:acm:eu-west-1:123456789012:certificate/x";
const EDGE_CERT: &str = "arn:aws:acm:us-east-1:123456789012:certificate/y";

fn regional_item(name: &str, tags: Option<Tags>) -> AwsDomainName {
    AwsDomainName::builder()
        .domain_name(name)
        .regional_certificate_arn(CERT)
        .regional_domain_name("d-abc.execute-api.eu-west-1.amazonaws.com")
        .regional_hosted_zone_id("ZLY8HYME6SFDD")
        .endpoint_configuration(
            EndpointConfiguration::builder()
                .types(EndpointType::Regional)
                .build(),
        )
        .set_tags(tags)
        .build()
}

fn not_found() -> NotFoundException {
    NotFoundException::builder()
        .message("Invalid domain name identifier specified")
        .meta(not_found_meta())
        .build()
}

#[tokio::test]
async fn find_owned_with_stack_names_the_stack_a_domain_name_carries() {
    let mut stacked = ours();
    stacked.insert(gw_core::STACK_TAG.into(), "cortex-fleet".into());
    let listing = mock!(Client::get_domain_names).then_output(move || {
        GetDomainNamesOutput::builder()
            .items(regional_item("stacked.example.com", Some(stacked.clone())))
            .build()
    });
    let client = mock_client!(aws_sdk_apigateway, RuleMode::MatchAny, [&listing]);

    let domains = find_owned_with_stack(&client, &owner()).await.unwrap();
    let [owned] = &domains[..] else {
        panic!("one owned domain name: {domains:?}")
    };
    assert_eq!(owned.stack.as_deref(), Some("cortex-fleet"));
    assert_eq!(
        owned.observed().resource.attribute(gw_core::STACK_TAG),
        Some("cortex-fleet")
    );
}

#[tokio::test]
async fn find_owned_reads_item_tags_or_asks_get_tags_across_pages() {
    let first = mock!(Client::get_domain_names)
        .match_requests(|r| r.position().is_none() && r.limit() == Some(500))
        .then_output(|| {
            GetDomainNamesOutput::builder()
                .items(regional_item("api.example.com", Some(ours())))
                .items(regional_item(
                    "theirs.example.com",
                    Some(tags(&[("team", "web")])),
                ))
                .position("p2")
                .build()
        });
    let second = mock!(Client::get_domain_names)
        .match_requests(|r| r.position() == Some("p2"))
        .then_output(|| {
            GetDomainNamesOutput::builder()
                .items(regional_item("no-tags-listed.example.com", None))
                .items(regional_item("really-untagged.example.com", None))
                .build()
        });
    let tags_of_listed = mock!(Client::get_tags)
        .match_requests(|r| {
            r.resource_arn()
                == Some("arn:aws:apigateway:us-east-1::/domainnames/no-tags-listed.example.com")
        })
        .then_output(|| GetTagsOutput::builder().set_tags(Some(ours())).build());
    let tags_of_untagged = mock!(Client::get_tags)
        .match_requests(|r| {
            r.resource_arn()
                == Some("arn:aws:apigateway:us-east-1::/domainnames/really-untagged.example.com")
        })
        .then_output(|| GetTagsOutput::builder().build());
    let client = mock_client!(
        aws_sdk_apigateway,
        RuleMode::MatchAny,
        [&first, &second, &tags_of_listed, &tags_of_untagged]
    );

    let domains = find_owned(&client, &owner()).await.unwrap();
    let names: Vec<&str> = domains.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["api.example.com", "no-tags-listed.example.com"]);
    assert_eq!(
        domains[0],
        DomainName {
            name: "api.example.com".into(),
            api: GatewayKind::Rest,
            endpoint: DomainEndpoint::Regional,
            certificate_arn: Some(CERT.into()),
            target: Some("d-abc.execute-api.eu-west-1.amazonaws.com".into()),
            hosted_zone_id: Some("ZLY8HYME6SFDD".into()),
        }
    );
    assert_eq!(
        (tags_of_listed.num_calls(), tags_of_untagged.num_calls()),
        (1, 1)
    );
}

#[tokio::test]
async fn create_regional_uses_the_regional_certificate_and_tags() {
    let rule = mock!(Client::create_domain_name)
        .match_requests(|r| {
            r.domain_name() == Some("api.example.com")
                && r.regional_certificate_arn() == Some(CERT)
                && r.certificate_arn().is_none()
                && r.endpoint_configuration().map(|c| c.types())
                    == Some(&[EndpointType::Regional][..])
                && r.security_policy() == Some(&SecurityPolicy::Tls12)
                && r.tags() == Some(&ours())
        })
        // As LocalStack answers: no regionalHostedZoneId.
        .then_output(|| {
            CreateDomainNameOutput::builder()
                .domain_name("api.example.com")
                .regional_certificate_arn(CERT)
                .regional_domain_name("d-abc.execute-api.eu-west-1.amazonaws.com")
                .endpoint_configuration(
                    EndpointConfiguration::builder()
                        .types(EndpointType::Regional)
                        .build(),
                )
                .set_tags(Some(ours()))
                .build()
        });
    let tag = mock!(Client::tag_resource).then_output(|| TagResourceOutput::builder().build());
    let client = mock_client!(aws_sdk_apigateway, RuleMode::MatchAny, [&rule, &tag]);

    let created = create(
        &client,
        &owner(),
        "api.example.com",
        CERT,
        DomainEndpoint::Regional,
    )
    .await
    .unwrap();
    assert_eq!(rule.num_calls(), 1);
    assert_eq!(tag.num_calls(), 0, "tags stuck: no TagResource");
    assert_eq!(created.endpoint, DomainEndpoint::Regional);
    assert_eq!(created.certificate_arn.as_deref(), Some(CERT));
    assert_eq!(
        created.target.as_deref(),
        Some("d-abc.execute-api.eu-west-1.amazonaws.com")
    );
    assert_eq!(created.hosted_zone_id, None);
}

#[tokio::test]
async fn create_edge_uses_the_certificate_arn_and_retags_when_tags_did_not_stick() {
    let rule = mock!(Client::create_domain_name)
        .match_requests(|r| {
            r.certificate_arn() == Some(EDGE_CERT)
                && r.regional_certificate_arn().is_none()
                && r.endpoint_configuration().map(|c| c.types()) == Some(&[EndpointType::Edge][..])
                && r.tags() == Some(&ours())
        })
        .then_output(|| {
            CreateDomainNameOutput::builder()
                .domain_name("api.example.com")
                .certificate_arn(EDGE_CERT)
                .distribution_domain_name("d111111abcdef8.cloudfront.net")
                .distribution_hosted_zone_id("Z2FDTNDATAQYW2")
                .endpoint_configuration(
                    EndpointConfiguration::builder()
                        .types(EndpointType::Edge)
                        .build(),
                )
                .build()
        });
    let tag = mock!(Client::tag_resource)
        .match_requests(|r| {
            r.resource_arn() == Some("arn:aws:apigateway:us-east-1::/domainnames/api.example.com")
                && r.tags() == Some(&ours())
        })
        .then_output(|| TagResourceOutput::builder().build());
    let client = mock_client!(aws_sdk_apigateway, RuleMode::MatchAny, [&rule, &tag]);

    let created = create(
        &client,
        &owner(),
        "api.example.com",
        EDGE_CERT,
        DomainEndpoint::Edge,
    )
    .await
    .unwrap();
    assert_eq!(tag.num_calls(), 1);
    assert_eq!(created.endpoint, DomainEndpoint::Edge);
    assert_eq!(created.certificate_arn.as_deref(), Some(EDGE_CERT));
    assert_eq!(
        created.target.as_deref(),
        Some("d111111abcdef8.cloudfront.net")
    );
    assert_eq!(created.hosted_zone_id.as_deref(), Some("Z2FDTNDATAQYW2"));
}

#[tokio::test]
async fn delete_reads_tags_with_get_tags_when_get_domain_name_has_none() {
    let get = mock!(Client::get_domain_name).then_output(|| {
        GetDomainNameOutput::builder()
            .domain_name("api.example.com")
            .build()
    });
    let get_tags = mock!(Client::get_tags)
        .then_output(|| GetTagsOutput::builder().set_tags(Some(ours())).build());
    let delete_rule = mock!(Client::delete_domain_name)
        .match_requests(|r| r.domain_name() == Some("api.example.com"))
        .then_output(|| DeleteDomainNameOutput::builder().build());
    let client = mock_client!(
        aws_sdk_apigateway,
        RuleMode::MatchAny,
        [&get, &get_tags, &delete_rule]
    );
    delete(&client, &owner(), "api.example.com").await.unwrap();
    assert_eq!((get_tags.num_calls(), delete_rule.num_calls()), (1, 1));
}

#[tokio::test]
async fn base_path_mappings_are_found_created_and_deleted_at_the_root() {
    let list = mock!(Client::get_base_path_mappings)
        .match_requests(|r| r.domain_name() == Some("api.example.com"))
        .then_output(|| {
            GetBasePathMappingsOutput::builder()
                .items(
                    BasePathMapping::builder()
                        .base_path("v0")
                        .rest_api_id("other")
                        .stage("old")
                        .build(),
                )
                .items(
                    BasePathMapping::builder()
                        .base_path("(none)")
                        .rest_api_id("rest1")
                        .stage("prod")
                        .build(),
                )
                .build()
        });
    let create_rule = mock!(Client::create_base_path_mapping)
        .match_requests(|r| {
            r.domain_name() == Some("api.example.com")
                && r.rest_api_id() == Some("rest1")
                && r.stage() == Some("prod")
                && r.base_path().is_none()
        })
        .then_output(|| {
            CreateBasePathMappingOutput::builder()
                .base_path("(none)")
                .rest_api_id("rest1")
                .stage("prod")
                .build()
        });
    let delete_rule = mock!(Client::delete_base_path_mapping)
        .match_requests(|r| {
            r.domain_name() == Some("api.example.com") && r.base_path() == Some("(none)")
        })
        .sequence()
        .output(|| DeleteBasePathMappingOutput::builder().build())
        .error(|| DeleteBasePathMappingError::NotFoundException(not_found()))
        .build();
    let client = mock_client!(
        aws_sdk_apigateway,
        RuleMode::MatchAny,
        [&list, &create_rule, &delete_rule]
    );

    let root = Mapping {
        id: "(none)".into(),
        api_id: "rest1".into(),
        stage: "prod".into(),
        path: String::new(),
    };
    assert_eq!(
        find_mapping(&client, "api.example.com", "rest1")
            .await
            .unwrap(),
        Some(root.clone())
    );
    assert_eq!(
        find_mapping(&client, "api.example.com", "rest2")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        create_mapping(&client, "api.example.com", "rest1", "prod")
            .await
            .unwrap(),
        root
    );
    // "(none)" and "" both name the root; the second finds it gone, which is done.
    delete_mapping(&client, "api.example.com", "(none)")
        .await
        .unwrap();
    delete_mapping(&client, "api.example.com", "")
        .await
        .unwrap();
    assert_eq!(delete_rule.num_calls(), 2);
}
