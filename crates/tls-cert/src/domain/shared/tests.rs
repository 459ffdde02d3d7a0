//! The rules both APIs share (ownership, re-tagging, gone is done), held to an in-memory
//! [`CustomDomains`]; the v1 and v2 tests hold each API's calls to the SDK.

use std::collections::HashMap;
use std::sync::Mutex;

use gw_core::AwsError;

use super::*;
use crate::domain::tests::{ours, owner, staging, tags};

const NAME: &str = "api.example.com";

/// An account's domain names, answering like `apigateway` and recording every call.
#[derive(Default)]
struct Fake {
    /// Domain names, with the tags listing and describing give.
    domains: Vec<(DomainName, Tags)>,
    /// What `GetTags` reads, by domain name.
    stored_tags: HashMap<String, Tags>,
    /// The tags `CreateDomainName` answers with.
    created_tags: Tags,
    mappings: Vec<Mapping>,
    /// Operations that fail, with AWS's error code.
    failing: HashMap<&'static str, &'static str>,
    region: Option<&'static str>,
    calls: Mutex<Vec<String>>,
}

impl Fake {
    fn with_domain(listed_tags: Tags) -> Self {
        Fake {
            domains: vec![(domain(NAME), listed_tags)],
            region: Some("eu-west-1"),
            ..Fake::default()
        }
    }

    fn failing(mut self, operation: &'static str, code: &'static str) -> Self {
        self.failing.insert(operation, code);
        self
    }

    /// Records `operation argument`, then answers with its failure or `answer`.
    fn call<T>(&self, operation: &'static str, argument: &str, answer: T) -> Result<T, AwsError> {
        self.calls_mut().push(format!("{operation} {argument}"));
        match self.failing.get(operation) {
            Some(code) => Err(AwsError::service("apigateway", operation, 400, code, "no")),
            None => Ok(answer),
        }
    }

    fn calls_mut(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn calls(&self) -> Vec<String> {
        self.calls_mut().clone()
    }

    fn described(&self, name: &str) -> Option<(DomainName, Tags)> {
        self.domains.iter().find(|(d, _)| d.name == name).cloned()
    }
}

fn domain(name: &str) -> DomainName {
    DomainName {
        name: name.to_string(),
        api: GatewayKind::Rest,
        endpoint: DomainEndpoint::Regional,
        certificate_arn: None,
        target: None,
        hosted_zone_id: None,
    }
}

fn mapping(id: &str, api_id: &str) -> Mapping {
    Mapping {
        id: id.to_string(),
        api_id: api_id.to_string(),
        stage: "prod".to_string(),
        path: String::new(),
    }
}

fn not_found(operation: &'static str) -> CertError {
    AwsError::service("apigateway", operation, 404, "NotFoundException", "gone").into()
}

impl CustomDomains for Fake {
    const KIND: GatewayKind = GatewayKind::Rest;

    fn region(&self) -> Option<&str> {
        self.region
    }

    async fn domain_names(&self) -> Result<Vec<(DomainName, Tags)>, CertError> {
        Ok(self.call("GetDomainNames", "", self.domains.clone())?)
    }

    async fn domain_name(&self, name: &str) -> Result<(DomainName, Tags), CertError> {
        let found = self.call("GetDomainName", name, self.described(name))?;
        found.ok_or_else(|| not_found("GetDomainName"))
    }

    async fn tags(&self, name: &str) -> Result<Tags, CertError> {
        let stored = self.stored_tags.get(name).cloned().unwrap_or_default();
        Ok(self.call("GetTags", name, stored)?)
    }

    async fn create_domain_name(
        &self,
        new: &NewDomain<'_>,
        _tags: &Tags,
    ) -> Result<(DomainName, Tags), CertError> {
        let created = (domain(new.name), self.created_tags.clone());
        Ok(self.call("CreateDomainName", new.name, created)?)
    }

    async fn tag(&self, arn: &str, _tags: &Tags) -> Result<(), AwsError> {
        self.call("TagResource", arn, ())
    }

    async fn delete_domain_name(&self, name: &str) -> Result<(), CertError> {
        Ok(self.call("DeleteDomainName", name, ())?)
    }

    async fn mappings(&self, domain: &str) -> Result<Vec<Mapping>, CertError> {
        Ok(self.call("GetBasePathMappings", domain, self.mappings.clone())?)
    }

    async fn map(&self, domain: &str, api_id: &str, _stage: &str) -> Result<Mapping, CertError> {
        Ok(self.call("CreateBasePathMapping", domain, mapping("(none)", api_id))?)
    }

    async fn unmap(&self, domain: &str, mapping_id: &str) -> Result<(), CertError> {
        let argument = format!("{domain} {mapping_id}");
        Ok(self.call("DeleteBasePathMapping", &argument, ())?)
    }
}

#[tokio::test]
async fn only_domain_names_with_both_tags_are_seen_and_missing_tags_are_read_again() {
    let fake = Fake {
        domains: vec![
            (domain("listed.example.com"), ours()),
            (domain("theirs.example.com"), tags(&[("team", "web")])),
            (domain("staging.example.com"), staging()),
            (domain("unlisted.example.com"), Tags::new()),
            (domain("untagged.example.com"), Tags::new()),
        ],
        stored_tags: HashMap::from([("unlisted.example.com".to_string(), ours())]),
        ..Fake::default()
    };
    let found = find_owned(&fake, &owner()).await.unwrap();
    let names: Vec<&str> = found.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["listed.example.com", "unlisted.example.com"]);
    assert_eq!(
        fake.calls(),
        [
            "GetDomainNames ",
            "GetTags unlisted.example.com",
            "GetTags untagged.example.com"
        ]
    );
}

#[tokio::test]
async fn delete_reads_the_tags_again_and_refuses_a_domain_name_not_ours() {
    for (listed, stored) in [
        (staging(), Tags::new()),
        (tags(&[(gw_core::CLUSTER_TAG, "prod")]), Tags::new()),
        (Tags::new(), Tags::new()),
        (Tags::new(), staging()),
    ] {
        let fake = Fake {
            stored_tags: HashMap::from([(NAME.to_string(), stored)]),
            ..Fake::with_domain(listed)
        };
        let err = delete(&fake, &owner(), NAME).await.unwrap_err();
        assert!(
            matches!(&err, CertError::Invalid(m) if m.contains("not tagged as cortex-net's for cluster prod")),
            "{err:?}"
        );
        assert!(
            !fake
                .calls()
                .iter()
                .any(|c| c.starts_with("DeleteDomainName")),
            "{:?}",
            fake.calls()
        );
    }
}

#[tokio::test]
async fn delete_removes_an_owned_domain_name_whatever_answer_carried_the_tags() {
    let fake = Fake::with_domain(ours());
    delete(&fake, &owner(), NAME).await.unwrap();
    assert_eq!(
        fake.calls(),
        [
            format!("GetDomainName {NAME}"),
            format!("DeleteDomainName {NAME}")
        ]
    );

    let fake = Fake {
        stored_tags: HashMap::from([(NAME.to_string(), ours())]),
        ..Fake::with_domain(Tags::new())
    };
    delete(&fake, &owner(), NAME).await.unwrap();
    assert_eq!(
        fake.calls().last(),
        Some(&format!("DeleteDomainName {NAME}"))
    );
}

#[tokio::test]
async fn what_is_already_gone_counts_as_deleted_and_other_failures_do_not() {
    let gone_before_the_check = Fake::default();
    delete(&gone_before_the_check, &owner(), NAME)
        .await
        .unwrap();
    assert_eq!(
        gone_before_the_check.calls(),
        [format!("GetDomainName {NAME}")]
    );

    let gone_since = Fake::with_domain(ours()).failing("DeleteDomainName", "NotFoundException");
    delete(&gone_since, &owner(), NAME).await.unwrap();
    let mapping_gone = Fake::default().failing("DeleteBasePathMapping", "NotFoundException");
    delete_mapping(&mapping_gone, NAME, "(none)").await.unwrap();
    let domain_gone = Fake::default().failing("GetBasePathMappings", "NotFoundException");
    assert_eq!(find_mapping(&domain_gone, NAME, "rest1").await, Ok(None));

    let refused = Fake::with_domain(ours()).failing("DeleteDomainName", "AccessDeniedException");
    let err = delete(&refused, &owner(), NAME).await.unwrap_err();
    assert!(
        matches!(&err, CertError::Aws(e) if e.operation == "DeleteDomainName"),
        "{err:?}"
    );
}

#[tokio::test]
async fn create_puts_the_tags_again_when_they_did_not_stick() {
    let new = NewDomain {
        name: NAME,
        certificate_arn: "arn:aws:acm:eu-west-1:123456789012:certificate/x",
        endpoint: DomainEndpoint::Regional,
    };
    let stuck = Fake {
        created_tags: ours(),
        ..Fake::default()
    };
    assert_eq!(create(&stuck, &owner(), &new).await, Ok(domain(NAME)));
    assert_eq!(stuck.calls(), [format!("CreateDomainName {NAME}")]);

    // In the region's partition.
    let lost = Fake {
        region: Some("cn-north-1"),
        ..Fake::default()
    };
    create(&lost, &owner(), &new).await.unwrap();
    assert_eq!(
        lost.calls().last().map(String::as_str),
        Some("TagResource arn:aws-cn:apigateway:cn-north-1::/domainnames/api.example.com")
    );

    let refused = Fake::with_domain(Tags::new()).failing("TagResource", "AccessDeniedException");
    let err = create(&refused, &owner(), &new)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("TagResource failed: AccessDeniedException"),
        "{err}"
    );
    assert!(
        err.contains("aws apigateway tag-resource --resource-arn arn:aws:apigateway:eu-west-1::/domainnames/api.example.com --tags cortex.dev/cluster-name=prod,managed-by=cortex-net"),
        "{err}"
    );
    assert!(
        err.contains("aws apigateway delete-domain-name --domain-name api.example.com"),
        "{err}"
    );
}

#[tokio::test]
async fn the_tagging_arn_needs_a_region() {
    let err = arn(&Fake::default(), NAME).unwrap_err();
    assert!(
        matches!(&err, CertError::Unexpected(m) if m.contains("--region")),
        "{err:?}"
    );
}

#[tokio::test]
async fn find_mapping_picks_the_apis_mapping() {
    let fake = Fake {
        mappings: vec![mapping("v0", "other"), mapping("(none)", "rest1")],
        ..Fake::default()
    };
    let found = find_mapping(&fake, NAME, "rest1").await.unwrap();
    assert_eq!(found, Some(mapping("(none)", "rest1")));
    assert_eq!(find_mapping(&fake, NAME, "rest2").await, Ok(None));
    assert_eq!(
        create_mapping(&fake, NAME, "rest1", "prod").await,
        Ok(mapping("(none)", "rest1"))
    );
}
