//! HTTP custom domains through the SDK: paging by `NextToken`, the domain name configuration,
//! API mappings. The rules both APIs share are tested in `shared`.

use aws_sdk_apigatewayv2::error::ErrorMetadata;
use aws_sdk_apigatewayv2::operation::create_api_mapping::CreateApiMappingOutput;
use aws_sdk_apigatewayv2::operation::create_domain_name::CreateDomainNameOutput;
use aws_sdk_apigatewayv2::operation::delete_api_mapping::{
    DeleteApiMappingError, DeleteApiMappingOutput,
};
use aws_sdk_apigatewayv2::operation::delete_domain_name::DeleteDomainNameOutput;
use aws_sdk_apigatewayv2::operation::get_api_mappings::{
    GetApiMappingsError, GetApiMappingsOutput,
};
use aws_sdk_apigatewayv2::operation::get_domain_name::GetDomainNameOutput;
use aws_sdk_apigatewayv2::operation::get_domain_names::GetDomainNamesOutput;
use aws_sdk_apigatewayv2::types::ApiMapping;
use aws_sdk_apigatewayv2::types::DomainName as AwsDomainName;
use aws_sdk_apigatewayv2::types::error::{BadRequestException, NotFoundException};
use aws_smithy_mocks::{RuleMode, mock, mock_client};

use super::*;
use crate::domain::shared::Tags;
use crate::domain::tests::{not_found_meta, ours, owner, staging, tags};

const CERT: &str = "arn:aws:acm:eu-west-1:123456789012:certificate/x";

fn config(target: bool) -> DomainNameConfiguration {
    let builder = DomainNameConfiguration::builder()
        .certificate_arn(CERT)
        .endpoint_type(EndpointType::Regional)
        .security_policy(SecurityPolicy::Tls12);
    if target {
        builder
            .api_gateway_domain_name("d-abc.execute-api.eu-west-1.amazonaws.com")
            .hosted_zone_id("ZLY8HYME6SFDD")
            .build()
    } else {
        builder.build()
    }
}

fn item(name: &str, tags: Option<Tags>) -> AwsDomainName {
    AwsDomainName::builder()
        .domain_name(name)
        .domain_name_configurations(config(true))
        .set_tags(tags)
        .build()
}

fn not_found() -> NotFoundException {
    NotFoundException::builder()
        .message("not found")
        .meta(not_found_meta())
        .build()
}

fn found(name: &str, tags: Tags) -> GetDomainNameOutput {
    GetDomainNameOutput::builder()
        .domain_name(name)
        .domain_name_configurations(config(true))
        .set_tags(Some(tags))
        .build()
}

#[tokio::test]
async fn find_owned_keeps_only_domain_names_with_both_tags_across_pages() {
    let first = mock!(Client::get_domain_names)
        .match_requests(|r| r.next_token().is_none())
        .then_output(|| {
            GetDomainNamesOutput::builder()
                .items(item("theirs.example.com", Some(tags(&[("team", "web")]))))
                .items(item("api.example.com", Some(ours())))
                .items(item("untagged.example.com", None))
                .next_token("p2")
                .build()
        });
    let second = mock!(Client::get_domain_names)
        .match_requests(|r| r.next_token() == Some("p2"))
        .then_output(|| {
            GetDomainNamesOutput::builder()
                .items(item("staging.example.com", Some(staging())))
                .items(item(
                    "prod-by-hand.example.com",
                    Some(tags(&[(gw_core::CLUSTER_TAG, "prod")])),
                ))
                .build()
        });
    let client = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, [&first, &second]);

    let domains = find_owned(&client, &owner()).await.unwrap();
    assert_eq!(
        domains,
        vec![DomainName {
            name: "api.example.com".into(),
            api: GatewayKind::Http,
            endpoint: DomainEndpoint::Regional,
            certificate_arn: Some(CERT.into()),
            target: Some("d-abc.execute-api.eu-west-1.amazonaws.com".into()),
            hosted_zone_id: Some("ZLY8HYME6SFDD".into()),
        }]
    );
    assert_eq!((first.num_calls(), second.num_calls()), (1, 1));
}

#[tokio::test]
async fn find_owned_with_stack_names_the_stack_a_domain_name_carries() {
    let mut stacked = ours();
    stacked.insert(gw_core::STACK_TAG.into(), "cortex-fleet".into());
    let listing = mock!(Client::get_domain_names).then_output(move || {
        GetDomainNamesOutput::builder()
            .items(item("stacked.example.com", Some(stacked.clone())))
            .items(item("api.example.com", Some(ours())))
            .build()
    });
    let client = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, [&listing]);

    let domains = find_owned_with_stack(&client, &owner()).await.unwrap();
    let stacks: Vec<(&str, Option<&str>)> = domains
        .iter()
        .map(|owned| (owned.domain.name.as_str(), owned.stack.as_deref()))
        .collect();
    assert_eq!(
        stacks,
        [
            ("stacked.example.com", Some("cortex-fleet")),
            ("api.example.com", None)
        ]
    );
    let observed = gw_core::Observed {
        resources: domains
            .iter()
            .map(crate::domain::OwnedDomain::observed)
            .collect(),
    };
    assert_eq!(observed.stack(), Some("cortex-fleet"));
    assert_eq!(domains[1].observed(), domains[1].domain.observed());
}

#[tokio::test]
async fn create_makes_a_regional_tls12_domain_tagged_as_ours() {
    let rule = mock!(Client::create_domain_name)
        .match_requests(|r| {
            let config = r.domain_name_configurations();
            r.domain_name() == Some("api.example.com")
                && r.tags() == Some(&ours())
                && config.len() == 1
                && config[0].certificate_arn() == Some(CERT)
                && config[0].endpoint_type() == Some(&EndpointType::Regional)
                && config[0].security_policy() == Some(&SecurityPolicy::Tls12)
        })
        // As moto answers: no ApiGatewayDomainName, no HostedZoneId.
        .then_output(|| {
            CreateDomainNameOutput::builder()
                .domain_name("api.example.com")
                .domain_name_configurations(config(false))
                .set_tags(Some(ours()))
                .build()
        });
    let client = mock_client!(aws_sdk_apigatewayv2, [&rule]);

    let created = create(&client, &owner(), "api.example.com", CERT)
        .await
        .unwrap();
    assert_eq!(rule.num_calls(), 1);
    assert_eq!(created.name, "api.example.com");
    assert_eq!(created.endpoint, DomainEndpoint::Regional);
    assert_eq!(created.certificate_arn.as_deref(), Some(CERT));
    assert_eq!((created.target, created.hosted_zone_id), (None, None));
}

#[tokio::test]
async fn delete_removes_an_owned_domain_name() {
    let get = mock!(Client::get_domain_name)
        .match_requests(|r| r.domain_name() == Some("api.example.com"))
        .then_output(|| found("api.example.com", ours()));
    let delete_rule = mock!(Client::delete_domain_name)
        .match_requests(|r| r.domain_name() == Some("api.example.com"))
        .then_output(|| DeleteDomainNameOutput::builder().build());
    let client = mock_client!(
        aws_sdk_apigatewayv2,
        RuleMode::MatchAny,
        [&get, &delete_rule]
    );

    delete(&client, &owner(), "api.example.com").await.unwrap();
    assert_eq!((get.num_calls(), delete_rule.num_calls()), (1, 1));
}

#[tokio::test]
async fn find_mapping_finds_the_apis_mapping_or_none() {
    let rule = mock!(Client::get_api_mappings)
        .match_requests(|r| r.domain_name() == Some("api.example.com"))
        .then_output(|| {
            GetApiMappingsOutput::builder()
                .items(
                    ApiMapping::builder()
                        .api_mapping_id("m-other")
                        .api_id("other")
                        .stage("$default")
                        .api_mapping_key("other")
                        .build(),
                )
                .items(
                    ApiMapping::builder()
                        .api_mapping_id("m1")
                        .api_id("api1")
                        .stage("$default")
                        .build(),
                )
                .build()
        });
    let client = mock_client!(aws_sdk_apigatewayv2, RuleMode::MatchAny, [&rule]);

    assert_eq!(
        find_mapping(&client, "api.example.com", "api1")
            .await
            .unwrap(),
        Some(Mapping {
            id: "m1".into(),
            api_id: "api1".into(),
            stage: "$default".into(),
            path: String::new(),
        })
    );
    assert_eq!(
        find_mapping(&client, "api.example.com", "api2")
            .await
            .unwrap(),
        None
    );

    let gone = mock!(Client::get_api_mappings)
        .then_error(|| GetApiMappingsError::NotFoundException(not_found()));
    let client = mock_client!(aws_sdk_apigatewayv2, [&gone]);
    assert_eq!(
        find_mapping(&client, "api.example.com", "api1")
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn create_mapping_maps_the_root_to_the_stage() {
    let rule = mock!(Client::create_api_mapping)
        .match_requests(|r| {
            r.domain_name() == Some("api.example.com")
                && r.api_id() == Some("api1")
                && r.stage() == Some("$default")
                && r.api_mapping_key().is_none()
        })
        .then_output(|| {
            CreateApiMappingOutput::builder()
                .api_mapping_id("m1")
                .api_id("api1")
                .stage("$default")
                .build()
        });
    let client = mock_client!(aws_sdk_apigatewayv2, [&rule]);

    let mapping = create_mapping(&client, "api.example.com", "api1", "$default")
        .await
        .unwrap();
    assert_eq!(rule.num_calls(), 1);
    assert_eq!(mapping.id, "m1");
    assert_eq!(mapping.path, "");
}

#[tokio::test]
async fn delete_mapping_treats_not_found_as_done_and_reports_other_failures() {
    let rule = mock!(Client::delete_api_mapping)
        .match_requests(|r| {
            r.domain_name() == Some("api.example.com") && r.api_mapping_id() == Some("m1")
        })
        .sequence()
        .output(|| DeleteApiMappingOutput::builder().build())
        .error(|| DeleteApiMappingError::NotFoundException(not_found()))
        .error(|| {
            DeleteApiMappingError::BadRequestException(
                BadRequestException::builder()
                    .meta(
                        ErrorMetadata::builder()
                            .code("BadRequestException")
                            .message("bad")
                            .build(),
                    )
                    .build(),
            )
        })
        .build();
    let client = mock_client!(aws_sdk_apigatewayv2, [&rule]);

    delete_mapping(&client, "api.example.com", "m1")
        .await
        .unwrap();
    delete_mapping(&client, "api.example.com", "m1")
        .await
        .unwrap();
    let err = delete_mapping(&client, "api.example.com", "m1")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CertError::Aws(error) if error.operation == "DeleteApiMapping" && error.has_code("BadRequestException")),
        "{err:?}"
    );
    assert_eq!(rule.num_calls(), 3);
}
