//! `cortex-net iam-policy`: the IAM policy document the configured features need, built offline
//! from the configuration (no AWS call), scoped to the cluster's region and partition, and to
//! the account when `--account-id` is given.
//!
//! What cortex-net calls, by feature (`grep -rn '\.send()' crates/`):
//! - always: elbv2 / classic ELB `DescribeLoadBalancers`, `DescribeTags`, `DescribeListeners`
//!   (discovery, doctor); API Gateway reads of both gateway kinds, since every command observes
//!   what each kind owns for the cluster (`GetApis`, `GetRestApis`, `GetVpcLinks`,
//!   `GetDomainNames`, `GetTags`...), and deletions of all of it (`down`, and `up` after a switch
//!   of `gateway.type`);
//! - the configured kind's writes: HTTP APIs `POST`/`PATCH` under `/apis` (APIs, integrations,
//!   routes, stages); REST APIs `POST`/`PUT`/`PATCH` under `/restapis` (APIs, resources, methods,
//!   integrations, deployments, stages); tags given at creation (`/tags`);
//! - an internal load balancer: `POST /vpclinks` and what API Gateway does with the caller's
//!   permissions: VPC endpoint services for links v1, network interfaces and the service-linked
//!   role for links v2;
//! - `gateway.domain`: `POST`/`PATCH` under `/domainnames` (domain, API mapping or base path
//!   mapping), `cloudfront:UpdateDistribution` for an edge domain;
//! - certificates (`ssl_certificate_arn`, `gateway.certificate_arn`): `acm:DescribeCertificate`
//!   on exactly those ARNs; `--cert-import` adds what `cert self-signed --import` needs.

use crate::cli::OutputFormat;
use crate::desired;
use crate::error::CliError;
use crate::output;
use netconf::{Config, EndpointType, GatewayKind, Scheme, VpcLinkVersion};
use serde::Serialize;
use std::collections::BTreeMap;

/// The policy language version every current policy uses.
pub const POLICY_VERSION: &str = "2012-10-17";

/// An IAM policy document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyDocument {
    #[serde(rename = "Version")]
    pub version: &'static str,
    #[serde(rename = "Statement")]
    pub statement: Vec<Statement>,
}

/// One `Allow` statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    #[serde(rename = "Sid")]
    pub sid: &'static str,
    #[serde(rename = "Effect")]
    pub effect: &'static str,
    #[serde(rename = "Action")]
    pub action: Vec<String>,
    #[serde(rename = "Resource")]
    pub resource: Vec<String>,
    /// operator -> key -> value, e.g. `StringEquals` -> `aws:RequestedRegion` -> `us-east-1`.
    #[serde(rename = "Condition", skip_serializing_if = "BTreeMap::is_empty")]
    pub condition: BTreeMap<&'static str, BTreeMap<&'static str, String>>,
}

/// What the configuration asks cortex-net to do, as far as permissions go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needs {
    pub region: String,
    /// 12 digits, or `*`.
    pub account: String,
    pub gateway: GatewayKind,
    /// Whether any API is published (else `up` only removes what exists).
    pub builds: bool,
    /// The VPC link an internal load balancer needs.
    pub vpc_link: Option<VpcLinkVersion>,
    /// `gateway.domain` is set (with a certificate).
    pub domain: bool,
    /// The domain is edge-optimized (REST, `endpoint_type: edge`): CloudFront.
    pub edge: bool,
    /// Every certificate ARN cortex-net reads.
    pub certificates: Vec<String>,
    /// `cert self-signed --import`.
    pub cert_import: bool,
    /// REST API keys or usage plans are configured (or `keys rotate` may make one).
    pub api_keys: bool,
    /// A stage access log is configured.
    pub access_log: bool,
}

impl Needs {
    /// What `config` needs; `notes` get the assumptions made offline.
    pub fn from_config(
        config: &Config,
        region: &str,
        account: Option<&str>,
        cert_import: bool,
        notes: &mut Vec<String>,
    ) -> Needs {
        let gateway = config.settings.gateway.r#type;
        let builds = !desired::routes(config).is_empty();
        let internal = config.cluster.api_load_balancer_scheme == Scheme::Internal;
        let vpc_link = (internal && builds).then(|| {
            config.settings.gateway.vpc_link.unwrap_or(match gateway {
                GatewayKind::Http => VpcLinkVersion::V2,
                GatewayKind::Rest => {
                    notes.push(
                        "REST API to an internal load balancer: a VPC link v1, assuming a \
                             network load balancer (Cortex's API load balancer); an application \
                             load balancer needs `gateway.vpc_link: v2`"
                            .to_string(),
                    );
                    VpcLinkVersion::V1
                }
            })
        });
        let domain = builds
            && config.settings.gateway.domain.is_some()
            && config.domain_certificate().is_some();
        let mut certificates: Vec<String> = Vec::new();
        for arn in [
            config.cluster.ssl_certificate_arn.as_deref(),
            config
                .settings
                .gateway
                .certificate_arn
                .as_deref()
                .filter(|_| config.settings.gateway.domain.is_some()),
        ]
        .into_iter()
        .flatten()
        {
            if !certificates.iter().any(|c| c == arn) {
                certificates.push(arn.to_string());
            }
        }
        Needs {
            region: region.to_string(),
            account: account.unwrap_or("*").to_string(),
            gateway,
            builds,
            vpc_link,
            domain,
            edge: domain
                && gateway == GatewayKind::Rest
                && config.settings.gateway.endpoint_type == EndpointType::Edge,
            certificates,
            cert_import,
            api_keys: builds && gateway == GatewayKind::Rest && configures_api_keys(config),
            access_log: builds && configures_access_log(config),
        }
    }

    fn partition(&self) -> &'static str {
        gw_core::partition_of(&self.region)
    }

    /// `arn:<partition>:apigateway:<region>::<path>` for each path.
    fn apigateway(&self, paths: &[&str]) -> Vec<String> {
        paths
            .iter()
            .map(|path| {
                format!(
                    "arn:{}:apigateway:{}::{path}",
                    self.partition(),
                    self.region
                )
            })
            .collect()
    }

    fn in_region(&self) -> BTreeMap<&'static str, BTreeMap<&'static str, String>> {
        BTreeMap::from([(
            "StringEquals",
            BTreeMap::from([("aws:RequestedRegion", self.region.clone())]),
        )])
    }

    /// The policy document.
    pub fn policy(&self) -> PolicyDocument {
        let mut statement = Vec::new();
        // Elastic Load Balancing's Describe* calls take no resource-level permissions.
        statement.push(Statement {
            condition: self.in_region(),
            ..allow(
                "FindTheLoadBalancer",
                &[
                    "elasticloadbalancing:DescribeLoadBalancers",
                    "elasticloadbalancing:DescribeTags",
                    "elasticloadbalancing:DescribeListeners",
                ],
                vec!["*".to_string()],
            )
        });
        statement.push(allow(
            "ReadWhatCortexNetOwns",
            &["apigateway:GET"],
            self.apigateway(&[
                "/apis",
                "/apis/*",
                "/restapis",
                "/restapis/*",
                "/vpclinks",
                "/vpclinks/*",
                "/domainnames",
                "/domainnames/*",
                "/tags/*",
                // REST API keys and usage plans are account-wide, found by their tags; the
                // account's CloudWatch Logs role is checked before turning on a REST access log.
                "/apikeys",
                "/apikeys/*",
                "/usageplans",
                "/usageplans/*",
                "/account",
            ]),
        ));
        statement.push(allow(
            "RemoveWhatCortexNetOwns",
            &["apigateway:DELETE", "apigateway:PATCH"],
            self.apigateway(&[
                "/apis/*",
                "/restapis/*",
                "/vpclinks/*",
                "/domainnames/*",
                "/apikeys/*",
                "/usageplans/*",
            ]),
        ));
        if self.builds {
            statement.push(match self.gateway {
                GatewayKind::Http => allow(
                    "BuildTheHttpApi",
                    &["apigateway:POST", "apigateway:PATCH"],
                    self.apigateway(&["/apis", "/apis/*"]),
                ),
                GatewayKind::Rest => allow(
                    "BuildTheRestApi",
                    &["apigateway:POST", "apigateway:PUT", "apigateway:PATCH"],
                    self.apigateway(&["/restapis", "/restapis/*"]),
                ),
            });
            // Ownership tags are given at creation (and re-applied to a v1 link or a domain
            // whose tags did not stick): TagResource is POST (v2) or PUT (v1) on /tags.
            statement.push(allow(
                "TagWhatCortexNetCreates",
                &["apigateway:POST", "apigateway:PUT"],
                self.apigateway(&["/tags/*"]),
            ));
        }
        self.protection(&mut statement);
        if let Some(version) = self.vpc_link {
            statement.push(allow(
                "CreateTheVpcLink",
                &["apigateway:POST"],
                self.apigateway(&["/vpclinks"]),
            ));
            match version {
                // API Gateway makes a VPC endpoint service for the NLB with the caller's rights.
                VpcLinkVersion::V1 => statement.push(Statement {
                    condition: self.in_region(),
                    ..allow(
                        "VpcLinkV1EndpointService",
                        &[
                            "ec2:CreateVpcEndpointServiceConfiguration",
                            "ec2:DeleteVpcEndpointServiceConfigurations",
                            "ec2:DescribeVpcEndpointServiceConfigurations",
                            "ec2:ModifyVpcEndpointServicePermissions",
                        ],
                        vec!["*".to_string()],
                    )
                }),
                // API Gateway places network interfaces in the load balancer's subnets through
                // its service-linked role, made on first use.
                VpcLinkVersion::V2 => {
                    statement.push(Statement {
                        condition: self.in_region(),
                        ..allow(
                            "VpcLinkV2NetworkInterfaces",
                            &[
                                "ec2:CreateNetworkInterface",
                                "ec2:DeleteNetworkInterface",
                                "ec2:DescribeNetworkInterfaces",
                                "ec2:DescribeSubnets",
                                "ec2:DescribeSecurityGroups",
                                "ec2:DescribeVpcs",
                            ],
                            vec!["*".to_string()],
                        )
                    });
                    statement.push(Statement {
                        condition: BTreeMap::from([(
                            "StringLike",
                            BTreeMap::from([(
                                "iam:AWSServiceName",
                                "ops.apigateway.amazonaws.com".to_string(),
                            )]),
                        )]),
                        ..allow(
                            "ApiGatewayServiceLinkedRole",
                            &["iam:CreateServiceLinkedRole"],
                            vec![format!(
                                "arn:{}:iam::{}:role/aws-service-role/ops.apigateway.amazonaws.com/AWSServiceRoleForAPIGateway",
                                self.partition(),
                                self.account
                            )],
                        )
                    });
                }
            }
        }
        if self.domain {
            statement.push(allow(
                "CustomDomain",
                &["apigateway:POST", "apigateway:PATCH"],
                self.apigateway(&["/domainnames", "/domainnames/*"]),
            ));
            if self.edge {
                statement.push(allow(
                    "EdgeDomainDistribution",
                    &["cloudfront:UpdateDistribution"],
                    vec!["*".to_string()],
                ));
            }
        }
        if !self.certificates.is_empty() {
            statement.push(allow(
                "CheckCertificates",
                &["acm:DescribeCertificate"],
                self.certificates.clone(),
            ));
        }
        if self.cert_import {
            statement.push(allow(
                "ImportSelfSignedCertificate",
                &["acm:ImportCertificate", "acm:AddTagsToCertificate"],
                vec![format!(
                    "arn:{}:acm:{}:{}:certificate/*",
                    self.partition(),
                    self.region,
                    self.account
                )],
            ));
        }
        PolicyDocument {
            version: POLICY_VERSION,
            statement,
        }
    }
}

/// An `Allow` statement without conditions.
fn allow(sid: &'static str, action: &[&str], resource: Vec<String>) -> Statement {
    Statement {
        sid,
        effect: "Allow",
        action: action.iter().map(|a| a.to_string()).collect(),
        resource,
        condition: BTreeMap::new(),
    }
}

impl Needs {
    /// API keys and usage plans (REST), and what API Gateway does with the caller's rights
    /// when an HTTP API's stage logs to CloudWatch Logs (AWS's developer guide, "Configuring
    /// logging for an HTTP API").
    fn protection(&self, statement: &mut Vec<Statement>) {
        if self.api_keys {
            statement.push(allow(
                "ApiKeysAndUsagePlans",
                &["apigateway:POST", "apigateway:PATCH"],
                self.apigateway(&["/apikeys", "/apikeys/*", "/usageplans", "/usageplans/*"]),
            ));
        }
        if self.access_log && self.gateway == GatewayKind::Http {
            statement.push(Statement {
                condition: self.in_region(),
                ..allow(
                    "HttpApiAccessLogDelivery",
                    &[
                        "logs:CreateLogDelivery",
                        "logs:PutResourcePolicy",
                        "logs:UpdateLogDelivery",
                        "logs:DeleteLogDelivery",
                        "logs:CreateLogGroup",
                        "logs:DescribeResourcePolicies",
                        "logs:GetLogDelivery",
                        "logs:ListLogDeliveries",
                        "logs:DescribeLogGroups",
                    ],
                    vec!["*".to_string()],
                )
            });
        }
    }
}

/// Whether the settings ask for API keys or usage plans.
fn configures_api_keys(config: &Config) -> bool {
    let protection = &config.settings.protection;
    !protection.api_keys.is_empty() || !protection.usage_plans.is_empty()
}

/// Whether the settings ask for a stage access log.
fn configures_access_log(config: &Config) -> bool {
    config.settings.protection.access_logs.is_some()
}

/// The region the policy is for: the configuration's (`region`, `--region`), else the
/// environment's. No profile or instance metadata is read: this command stays offline.
fn region(config: &Config) -> Result<String, CliError> {
    let from_env = || {
        ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .iter()
            .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
    };
    config
        .cluster
        .region
        .clone()
        .or_else(from_env)
        .ok_or_else(|| {
            CliError::invalid(
                "no AWS region is set: the policy is scoped to one region. Add `region: <region>` \
                 to cluster.yaml, pass --region, or set AWS_REGION",
            )
        })
}

/// Checks `--account-id`: 12 digits.
fn account(account_id: Option<&str>) -> Result<Option<&str>, CliError> {
    match account_id {
        None => Ok(None),
        Some(id) if id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(id)),
        Some(id) => Err(CliError::invalid(format!(
            "--account-id `{}` is not an AWS account id: give the 12 digits (e.g. \
             `--account-id 123456789012`, from `aws sts get-caller-identity`), or leave it out \
             to allow any account (`*`)",
            netconf::shown(id)
        ))),
    }
}

/// ARNs of the configuration that cannot work in `region`: another partition, or another
/// region (a certificate of an edge domain belongs in us-east-1).
fn arn_warnings(config: &Config, region: &str) -> Vec<String> {
    let gateway = &config.settings.gateway;
    let edge = gateway.r#type == GatewayKind::Rest && gateway.endpoint_type == EndpointType::Edge;
    let mut found = Vec::new();
    if let Some(arn) = &config.cluster.ssl_certificate_arn {
        found.extend(gw_core::arn_mismatch(
            "`ssl_certificate_arn` in cluster.yaml",
            arn,
            region,
            None,
        ));
    }
    if let (Some(arn), Some(_)) = (&gateway.certificate_arn, &gateway.domain) {
        found.extend(gw_core::arn_mismatch(
            "`gateway.certificate_arn`",
            arn,
            region,
            edge.then_some("us-east-1"),
        ));
    }
    if let Some(lb) = &config.settings.load_balancer {
        found.extend(gw_core::arn_mismatch("`load_balancer`", lb, region, None));
    }
    found
}

/// `cortex-net iam-policy`: prints the policy document (the same JSON for `-o text` and
/// `-o json`, so it can be saved and attached as is); assumptions and warnings go to stderr.
pub fn run(
    format: OutputFormat,
    config: &Config,
    account_id: Option<&str>,
    cert_import: bool,
) -> Result<(), CliError> {
    let region = region(config)?;
    let account = account(account_id)?;
    let mut notes = Vec::new();
    let needs = Needs::from_config(config, &region, account, cert_import, &mut notes);
    for warning in arn_warnings(config, &region) {
        eprintln!("warning: {warning}");
    }
    if format == OutputFormat::Text {
        for note in &notes {
            eprintln!("note: {note}");
        }
        if (account.is_none() && needs.vpc_link == Some(VpcLinkVersion::V2)) || cert_import {
            eprintln!("note: pass --account-id to scope account-specific ARNs to your account");
        }
    }
    output::json(&needs.policy())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needs(gateway: GatewayKind) -> Needs {
        Needs {
            region: "eu-west-1".into(),
            account: "*".into(),
            gateway,
            builds: true,
            vpc_link: None,
            domain: false,
            edge: false,
            certificates: Vec::new(),
            cert_import: false,
            api_keys: false,
            access_log: false,
        }
    }

    #[test]
    fn api_keys_and_http_access_logs_add_their_statements() {
        let plain = needs(GatewayKind::Rest).policy();
        let resource = "arn:aws:apigateway:eu-west-1::/usageplans/abc/keys";
        assert!(!allows(&plain, "apigateway:POST", resource));
        assert!(allows(
            &plain,
            "apigateway:GET",
            "arn:aws:apigateway:eu-west-1::/account"
        ));
        let keys = Needs {
            api_keys: true,
            ..needs(GatewayKind::Rest)
        };
        assert!(allows(&keys.policy(), "apigateway:POST", resource));
        let logs = Needs {
            access_log: true,
            ..needs(GatewayKind::Http)
        };
        assert!(actions(&logs.policy()).contains(&"logs:CreateLogDelivery".to_string()));
        assert!(!actions(&plain).contains(&"logs:CreateLogDelivery".to_string()));
    }

    fn actions(policy: &PolicyDocument) -> Vec<String> {
        policy
            .statement
            .iter()
            .flat_map(|s| s.action.clone())
            .collect()
    }

    fn allows(policy: &PolicyDocument, action: &str, resource: &str) -> bool {
        policy.statement.iter().any(|s| {
            s.action.iter().any(|a| a == action) && s.resource.iter().any(|r| wildcard(r, resource))
        })
    }

    /// IAM's `*` (any characters, `/` included).
    fn wildcard(pattern: &str, text: &str) -> bool {
        match pattern.split_once('*') {
            None => pattern == text,
            Some((head, tail)) => {
                text.starts_with(head)
                    && (0..=text.len() - head.len())
                        .any(|i| wildcard(tail, &text[head.len() + i..]))
            }
        }
    }

    #[test]
    fn http_internet_facing_builds_http_apis_only() {
        let policy = needs(GatewayKind::Http).policy();
        assert_eq!(policy.version, "2012-10-17");
        let arn = "arn:aws:apigateway:eu-west-1::";
        assert!(allows(&policy, "apigateway:POST", &format!("{arn}/apis")));
        assert!(allows(
            &policy,
            "apigateway:PATCH",
            &format!("{arn}/apis/a1/routes/r1")
        ));
        assert!(!allows(
            &policy,
            "apigateway:POST",
            &format!("{arn}/restapis")
        ));
        assert!(!allows(
            &policy,
            "apigateway:POST",
            &format!("{arn}/vpclinks")
        ));
        // Every kind is read and removable: switching gateway.type removes the other kind.
        assert!(allows(
            &policy,
            "apigateway:GET",
            &format!("{arn}/restapis")
        ));
        assert!(allows(
            &policy,
            "apigateway:DELETE",
            &format!("{arn}/restapis/x")
        ));
        assert!(!allows(
            &policy,
            "apigateway:GET",
            "arn:aws:apigateway:us-east-1::/apis"
        ));
        let all = actions(&policy);
        assert!(all.iter().all(|a| !a.starts_with("ec2:")), "{all:?}");
        assert!(all.iter().all(|a| !a.starts_with("acm:")), "{all:?}");
    }

    #[test]
    fn rest_internal_gets_a_v1_link_and_its_endpoint_service() {
        let mut n = needs(GatewayKind::Rest);
        n.vpc_link = Some(VpcLinkVersion::V1);
        let policy = n.policy();
        let arn = "arn:aws:apigateway:eu-west-1::";
        assert!(allows(
            &policy,
            "apigateway:PUT",
            &format!("{arn}/restapis/a/resources/b/methods/ANY/integration")
        ));
        assert!(allows(
            &policy,
            "apigateway:POST",
            &format!("{arn}/vpclinks")
        ));
        assert!(allows(
            &policy,
            "ec2:CreateVpcEndpointServiceConfiguration",
            "*"
        ));
        assert!(!actions(&policy).contains(&"iam:CreateServiceLinkedRole".to_string()));
        let region_bound = policy
            .statement
            .iter()
            .find(|s| s.sid == "VpcLinkV1EndpointService")
            .unwrap();
        assert_eq!(
            region_bound.condition["StringEquals"]["aws:RequestedRegion"],
            "eu-west-1"
        );
    }

    #[test]
    fn v2_links_need_the_service_linked_role_in_the_account() {
        let mut n = needs(GatewayKind::Http);
        n.vpc_link = Some(VpcLinkVersion::V2);
        n.account = "123456789012".into();
        let policy = n.policy();
        assert!(allows(
            &policy,
            "iam:CreateServiceLinkedRole",
            "arn:aws:iam::123456789012:role/aws-service-role/ops.apigateway.amazonaws.com/AWSServiceRoleForAPIGateway"
        ));
        assert!(allows(&policy, "ec2:CreateNetworkInterface", "*"));
    }

    #[test]
    fn domains_certificates_and_partitions() {
        let mut n = needs(GatewayKind::Rest);
        n.region = "cn-north-1".into();
        n.domain = true;
        n.edge = true;
        n.certificates = vec!["arn:aws-cn:acm:cn-north-1:123456789012:certificate/c".into()];
        let policy = n.policy();
        assert!(allows(
            &policy,
            "apigateway:POST",
            "arn:aws-cn:apigateway:cn-north-1::/domainnames/api.example.com/basepathmappings"
        ));
        assert!(allows(&policy, "cloudfront:UpdateDistribution", "*"));
        assert!(allows(
            &policy,
            "acm:DescribeCertificate",
            "arn:aws-cn:acm:cn-north-1:123456789012:certificate/c"
        ));
        assert!(!allows(
            &policy,
            "acm:DescribeCertificate",
            "arn:aws-cn:acm:cn-north-1:123456789012:certificate/other"
        ));
        let json = serde_json::to_value(&policy).unwrap();
        assert_eq!(json["Version"], "2012-10-17");
        assert!(json["Statement"][0]["Sid"].is_string());
    }

    #[test]
    fn nothing_published_means_read_and_remove_only() {
        let mut n = needs(GatewayKind::Http);
        n.builds = false;
        let policy = n.policy();
        let all = actions(&policy);
        assert!(!all.contains(&"apigateway:POST".to_string()), "{all:?}");
        assert!(all.contains(&"apigateway:DELETE".to_string()), "{all:?}");
    }

    #[test]
    fn account_ids_are_checked() {
        assert!(account(Some("123456789012")).is_ok());
        let err = account(Some("12345")).unwrap_err();
        assert_eq!(err.exit_code(), crate::error::EXIT_INVALID_INPUT);
        assert!(err.to_string().contains("12 digits"), "{err}");
    }

    /// `aws_calls::aws_error` names the IAM action of a real SDK error type.
    #[test]
    fn access_denied_of_a_real_operation_names_its_iam_action() {
        use aws_sdk_apigatewayv2::error::SdkError;
        use aws_sdk_apigatewayv2::operation::create_api::CreateApiError;
        use aws_smithy_types::error::ErrorMetadata;
        let meta = ErrorMetadata::builder()
            .code("AccessDeniedException")
            .message("Forbidden")
            .build();
        let err: SdkError<CreateApiError, ()> =
            SdkError::service_error(CreateApiError::generic(meta), ());
        let text = aws_calls::aws_error("CreateApi", &err).to_string();
        assert!(
            text.contains("may not call CreateApi (IAM action `apigateway:POST`)"),
            "{text}"
        );
        assert!(text.contains("cortex-net iam-policy"), "{text}");
    }
}
