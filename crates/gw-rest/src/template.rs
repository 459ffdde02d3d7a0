//! The REST gateway `up` would build, as a CloudFormation template (`cortex-net export`): the
//! same names, settings and ownership tags, the API's content as the very OpenAPI document
//! `PutRestApi` receives (its VPC link as a `Ref`), the load balancer and certificate as
//! parameters defaulting to the discovered values. Pure. Also the template vocabulary the HTTP
//! template shares ([`logical_id`], [`tag_list`], [`with_parameter`]).

use crate::document::{api_description, openapi_document};
use crate::fingerprint::{deployment_description, desired_fingerprint};
use crate::protection::desired_route_throttles;
use crate::resources::published_paths;
use gw_core::{DesiredGateway, EndpointType, GatewayKind, Ownership, Throttle, VpcLinkVersion};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Parameter of the load balancer's DNS name (what internet-facing integrations forward to).
pub const DNS_PARAMETER: &str = "LoadBalancerDnsName";
/// Parameter of the load balancer's ARN (what a VPC link targets).
pub const ARN_PARAMETER: &str = "LoadBalancerArn";
/// Parameter of the custom domain's ACM certificate.
pub const CERTIFICATE_PARAMETER: &str = "CertificateArn";
/// A placeholder for the VPC link's id inside the API's document, turned into a `Ref`.
const LINK_PLACEHOLDER: &str = "@@cortex-net-vpc-link@@";

/// A CloudFormation logical id from a name: its alphanumeric words, capitalised (`text-gen`
/// -> `TextGen`, `/v1/{proxy+}` -> `V1Proxy`).
pub fn logical_id(prefix: &str, name: &str) -> String {
    let words = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty());
    let mut id = prefix.to_string();
    for word in words {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            id.push(first.to_ascii_uppercase());
            id.extend(chars);
        }
    }
    id
}

/// Tags as most `AWS::ApiGateway::*` resources take them: a list of `{Key, Value}`.
pub fn tag_list(owner: &Ownership) -> Value {
    Value::Array(
        owner
            .tags()
            .into_iter()
            .map(|(key, value)| json!({ "Key": key, "Value": value }))
            .collect(),
    )
}

/// Tags as `AWS::ApiGatewayV2::*` resources take them: a map.
pub fn tag_map(owner: &Ownership) -> Value {
    Value::Object(
        owner
            .tags()
            .into_iter()
            .map(|(key, value)| (key, Value::String(value)))
            .collect(),
    )
}

/// Every string of `value` holding `literal` becomes an `Fn::Sub` of `${parameter}` in its
/// place: the discovered DNS name inside URIs follows the template's parameter.
pub fn substitute(value: &mut Value, literal: &str, parameter: &str) {
    match value {
        Value::String(text) if !literal.is_empty() && text.contains(literal) => {
            let replaced = text.replace(literal, &format!("${{{parameter}}}"));
            *value = json!({ "Fn::Sub": replaced });
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| substitute(item, literal, parameter)),
        Value::Object(map) => map
            .values_mut()
            .for_each(|item| substitute(item, literal, parameter)),
        _ => {}
    }
}

/// Adds a parameter to `template` (its `Parameters`), with a default when one is known.
pub fn with_parameter(template: &mut Value, name: &str, spec: Value) {
    template["Parameters"][name] = spec;
}

/// A parameter of type `String` with `default` and a description.
pub fn string_parameter(description: &str, default: Option<&str>) -> Value {
    let mut spec = json!({ "Type": "String", "Description": description });
    if let Some(default) = default.filter(|d| !d.is_empty()) {
        spec["Default"] = json!(default);
    }
    spec
}

/// The skeleton every exported template starts from.
pub fn skeleton(desired: &DesiredGateway, kind: GatewayKind) -> Value {
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!(
            "cortex-net: the {} in front of Cortex cluster {} (cortex-net export)",
            kind.label(), desired.cluster
        ),
        "Parameters": {},
        "Resources": {},
        "Outputs": {},
    })
}

/// Adds an output with a description.
pub fn with_output(template: &mut Value, name: &str, description: &str, value: Value) {
    template["Outputs"][name] = json!({ "Description": description, "Value": value });
}

/// The CloudFormation template of the REST gateway `desired` describes, owned by `owner`.
pub fn cloudformation(desired: &DesiredGateway, owner: &Ownership) -> Value {
    let mut template = skeleton(desired, GatewayKind::Rest);
    let resources = rest_resources(desired, owner);
    template["Resources"] = Value::Object(resources);
    load_balancer_parameters(&mut template, desired);
    if desired.domain.is_some() {
        with_parameter(
            &mut template,
            CERTIFICATE_PARAMETER,
            string_parameter(
                "The ACM certificate of the custom domain",
                desired.domain.as_ref().map(|d| d.certificate_arn.as_str()),
            ),
        );
    }
    key_value_parameters(&mut template, desired);
    rest_outputs(&mut template, desired);
    template
}

/// The DNS name every integration URI names (through a VPC link too: REST integrations keep
/// the load balancer's URL), and the ARN a VPC link targets.
fn load_balancer_parameters(template: &mut Value, desired: &DesiredGateway) {
    with_parameter(
        template,
        DNS_PARAMETER,
        string_parameter(
            "DNS name of the Cortex cluster's API load balancer",
            Some(&desired.backend.dns_name),
        ),
    );
    if desired.vpc_link.is_some() {
        with_parameter(
            template,
            ARN_PARAMETER,
            string_parameter(
                "ARN of the Cortex cluster's API load balancer (the VPC link's target)",
                desired.backend.arn.as_deref(),
            ),
        );
    }
    if desired
        .vpc_link
        .as_ref()
        .is_some_and(|l| l.version == VpcLinkVersion::V2)
    {
        vpc_link_v2_parameters(template, desired);
    }
}

/// The subnets and security groups of a VPC link v2, as comma-separated lists.
pub fn vpc_link_v2_parameters(template: &mut Value, desired: &DesiredGateway) {
    let list = |description: &str, values: &[String]| {
        let mut spec = json!({ "Type": "CommaDelimitedList", "Description": description });
        if !values.is_empty() {
            spec["Default"] = json!(values.join(","));
        }
        spec
    };
    with_parameter(
        template,
        "Subnets",
        list(
            "Subnets of the load balancer (the VPC link's)",
            &desired.backend.subnets,
        ),
    );
    with_parameter(
        template,
        "SecurityGroups",
        list(
            "Security groups of the VPC link",
            &desired.backend.security_groups,
        ),
    );
}

/// A configured API key value is a secret: a `NoEcho` parameter without a default, never the
/// value itself.
fn key_value_parameters(template: &mut Value, desired: &DesiredGateway) {
    for key in desired
        .protection
        .api_keys
        .iter()
        .filter(|k| k.value.is_some())
    {
        with_parameter(
            template,
            &logical_id("ApiKeyValue", &key.name),
            json!({
                "Type": "String",
                "NoEcho": true,
                "MinLength": 20,
                "Description": format!("The value of API key {} (at least 20 characters)", key.name),
            }),
        );
    }
}

fn rest_resources(desired: &DesiredGateway, owner: &Ownership) -> Map<String, Value> {
    let mut out = Map::new();
    let cluster_tags = tag_list(owner);
    if let Some(link) = vpc_link(desired, owner) {
        out.insert("VpcLink".into(), link);
    }
    out.insert("RestApi".into(), rest_api(desired, &cluster_tags));
    let fingerprint = desired_fingerprint(desired).unwrap_or_default();
    let deployment = deployment_id(&fingerprint);
    let description = match &desired.vpc_link {
        Some(_) => json!({ "Fn::Sub": deployment_description(&fingerprint, Some("${VpcLink}")) }),
        None => json!(deployment_description(&fingerprint, None)),
    };
    out.insert(
        deployment.clone(),
        json!({
            "Type": "AWS::ApiGateway::Deployment",
            "Properties": { "RestApiId": { "Ref": "RestApi" }, "Description": description },
        }),
    );
    out.insert("Stage".into(), stage(desired, &deployment, &cluster_tags));
    domain(desired, owner, &mut out);
    keys_and_plans(desired, &cluster_tags, &mut out);
    out
}

/// The deployment's logical id carries the fingerprint: a changed API is a new deployment
/// (CloudFormation never redeploys an unchanged `AWS::ApiGateway::Deployment`).
fn deployment_id(fingerprint: &str) -> String {
    let short: String = fingerprint.chars().take(8).collect();
    format!("Deployment{short}")
}

fn vpc_link(desired: &DesiredGateway, owner: &Ownership) -> Option<Value> {
    let spec = desired.vpc_link.as_ref()?;
    let link_owner = owner.for_gateway(GatewayKind::Rest);
    Some(match spec.version {
        VpcLinkVersion::V1 => json!({
            "Type": "AWS::ApiGateway::VpcLink",
            "Properties": {
                "Name": spec.name,
                "Description": format!(
                    "cortex-net: API Gateway to the load balancer of Cortex cluster {}",
                    desired.cluster
                ),
                "TargetArns": [{ "Ref": ARN_PARAMETER }],
                "Tags": tag_list(&link_owner),
            },
        }),
        VpcLinkVersion::V2 => json!({
            "Type": "AWS::ApiGatewayV2::VpcLink",
            "Properties": {
                "Name": spec.name,
                "SubnetIds": { "Ref": "Subnets" },
                "SecurityGroupIds": { "Ref": "SecurityGroups" },
                "Tags": tag_map(&link_owner),
            },
        }),
    })
}

fn rest_api(desired: &DesiredGateway, tags: &Value) -> Value {
    let link = desired.vpc_link.as_ref().map(|_| LINK_PLACEHOLDER);
    let mut body = openapi_document(desired, link);
    replace_placeholder(&mut body);
    substitute(&mut body, &desired.backend.dns_name, DNS_PARAMETER);
    if let Some(arn) = desired.backend.arn.as_deref().filter(|_| link.is_some()) {
        // A v2 link's integrations name the load balancer (`integrationTarget`).
        substitute(&mut body, arn, ARN_PARAMETER);
    }
    json!({
        "Type": "AWS::ApiGateway::RestApi",
        "Properties": {
            "Name": desired.name,
            "Description": api_description(desired),
            "EndpointConfiguration": { "Types": [desired.endpoint_type.as_aws()] },
            "Body": body,
            "Tags": tags,
        },
    })
}

/// The VPC link placeholder of the document becomes `{"Ref": "VpcLink"}`.
fn replace_placeholder(value: &mut Value) {
    match value {
        Value::String(text) if text == LINK_PLACEHOLDER => *value = json!({ "Ref": "VpcLink" }),
        Value::Array(items) => items.iter_mut().for_each(replace_placeholder),
        Value::Object(map) => map.values_mut().for_each(replace_placeholder),
        _ => {}
    }
}

/// A method setting's throttle for `resource_path` (CloudFormation's spelling: `/~1iris`, the
/// root `/`, every method `/*`) and `method`.
fn method_setting(resource_path: &str, method: &str, throttle: Throttle) -> Value {
    json!({
        "ResourcePath": resource_path,
        "HttpMethod": method,
        "ThrottlingRateLimit": throttle.rate,
        "ThrottlingBurstLimit": throttle.burst,
    })
}

fn escaped_resource_path(path: &str) -> String {
    if path == "/" {
        "/".to_string()
    } else {
        format!("/{}", path.replace('/', "~1"))
    }
}

fn stage(desired: &DesiredGateway, deployment: &str, tags: &Value) -> Value {
    let mut settings = Vec::new();
    if let Some(throttle) = desired.protection.throttle {
        settings.push(method_setting("/*", "*", throttle));
    }
    for (method_path, throttle) in desired_route_throttles(desired) {
        if let Some((resource, method)) = method_path.rsplit_once('/') {
            let resource = if resource.is_empty() { "/" } else { resource };
            settings.push(method_setting(
                &escaped_resource_path(resource),
                method,
                throttle,
            ));
        }
    }
    let mut properties = json!({
        "RestApiId": { "Ref": "RestApi" },
        "StageName": desired.stage,
        "DeploymentId": { "Ref": deployment },
        "Tags": tags,
    });
    if !settings.is_empty() {
        properties["MethodSettings"] = Value::Array(settings);
    }
    if let Some(log) = &desired.protection.access_log {
        properties["AccessLogSetting"] =
            json!({ "DestinationArn": log.destination_arn, "Format": log.format });
    }
    json!({ "Type": "AWS::ApiGateway::Stage", "Properties": properties })
}

fn domain(desired: &DesiredGateway, owner: &Ownership, out: &mut Map<String, Value>) {
    let Some(domain) = &desired.domain else {
        return;
    };
    let mut properties = json!({
        "DomainName": domain.name,
        "EndpointConfiguration": { "Types": [desired.endpoint_type.as_aws()] },
        "SecurityPolicy": "TLS_1_2",
        "Tags": tag_list(&owner.for_gateway(GatewayKind::Rest)),
    });
    let certificate = match desired.endpoint_type {
        EndpointType::Regional => "RegionalCertificateArn",
        EndpointType::Edge => "CertificateArn",
    };
    properties[certificate] = json!({ "Ref": CERTIFICATE_PARAMETER });
    out.insert(
        "DomainName".into(),
        json!({ "Type": "AWS::ApiGateway::DomainName", "Properties": properties }),
    );
    out.insert(
        "BasePathMapping".into(),
        json!({
            "Type": "AWS::ApiGateway::BasePathMapping",
            "Properties": {
                "DomainName": { "Ref": "DomainName" },
                "RestApiId": { "Ref": "RestApi" },
                "Stage": { "Ref": "Stage" },
            },
        }),
    );
}

fn keys_and_plans(desired: &DesiredGateway, tags: &Value, out: &mut Map<String, Value>) {
    let protection = &desired.protection;
    for key in &protection.api_keys {
        let mut properties = json!({ "Name": key.name, "Enabled": true, "Tags": tags });
        if key.value.is_some() {
            properties["Value"] = json!({ "Ref": logical_id("ApiKeyValue", &key.name) });
        }
        out.insert(
            logical_id("ApiKey", &key.name),
            json!({ "Type": "AWS::ApiGateway::ApiKey", "Properties": properties }),
        );
    }
    for plan in &protection.usage_plans {
        let plan_id = logical_id("UsagePlan", &plan.name);
        let mut properties = json!({
            "UsagePlanName": plan.name,
            "ApiStages": [{ "ApiId": { "Ref": "RestApi" }, "Stage": { "Ref": "Stage" } }],
            "Tags": tags,
        });
        if let Some(throttle) = plan.throttle {
            properties["Throttle"] =
                json!({ "RateLimit": throttle.rate, "BurstLimit": throttle.burst });
        }
        if let Some(quota) = plan.quota {
            properties["Quota"] = json!({ "Limit": quota.limit, "Period": quota.period.aws() });
        }
        for key in &plan.keys {
            out.insert(
                logical_id(&format!("{plan_id}Key"), key),
                json!({
                    "Type": "AWS::ApiGateway::UsagePlanKey",
                    "Properties": {
                        "KeyId": { "Ref": logical_id("ApiKey", key) },
                        "KeyType": "API_KEY",
                        "UsagePlanId": { "Ref": plan_id },
                    },
                }),
            );
        }
        out.insert(
            plan_id,
            json!({ "Type": "AWS::ApiGateway::UsagePlan", "Properties": properties }),
        );
    }
}

/// The invoke URL, each API's URL, and the custom domain's DNS target.
fn rest_outputs(template: &mut Value, desired: &DesiredGateway) {
    let invoke = "https://${RestApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}";
    with_output(
        template,
        "InvokeUrl",
        "The URL clients call (the stage's)",
        json!({ "Fn::Sub": invoke }),
    );
    for (name, path) in api_paths(desired) {
        with_output(
            template,
            &logical_id("ApiUrl", &name),
            &format!("The URL of API {name}"),
            json!({ "Fn::Sub": format!("{invoke}{path}") }),
        );
    }
    if desired.domain.is_some() {
        let (target, zone) = match desired.endpoint_type {
            EndpointType::Regional => ("RegionalDomainName", "RegionalHostedZoneId"),
            EndpointType::Edge => ("DistributionDomainName", "DistributionHostedZoneId"),
        };
        domain_outputs(template, target, zone);
    }
}

/// The custom domain's URL and DNS target (`Fn::GetAtt DomainName.<target>`) and zone.
pub fn domain_outputs(template: &mut Value, target: &str, zone: &str) {
    with_output(
        template,
        "DomainUrl",
        "The custom domain's URL",
        json!({ "Fn::Sub": "https://${DomainName}" }),
    );
    with_output(
        template,
        "DomainDnsTarget",
        "Where the custom domain's DNS record (CNAME or alias) must point",
        json!({ "Fn::GetAtt": ["DomainName", target] }),
    );
    with_output(
        template,
        "DomainHostedZoneId",
        "The hosted zone of that target (for an alias record)",
        json!({ "Fn::GetAtt": ["DomainName", zone] }),
    );
}

/// Each API reached through the gateway, by name, with the path it is published at (`""`
/// for the catch-all).
pub fn api_paths(desired: &DesiredGateway) -> BTreeMap<String, String> {
    desired
        .routes
        .iter()
        .map(|route| {
            let name = route.api.clone().unwrap_or_else(|| "all".to_string());
            let path = route
                .path
                .as_deref()
                .map(|p| format!("/{}", p.trim_matches('/')))
                .unwrap_or_default();
            (name, path)
        })
        .collect()
}

/// The paths the REST API's document publishes (for checks that every path is exported).
pub fn exported_paths(desired: &DesiredGateway) -> Vec<String> {
    published_paths(desired)
        .into_iter()
        .map(|p| p.path)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gw_core::testing::{DNS_NAME, LB_ARN, desired};
    use gw_core::{Auth, Quota, QuotaPeriod, RouteProtection, SecretValue, UsagePlanSpec};

    const CERT: &str = "arn:aws:acm:us-east-1:1:certificate/abc";

    fn owner() -> Ownership {
        Ownership::new("prod")
    }

    fn resource<'a>(template: &'a Value, id: &str) -> &'a Value {
        let found = &template["Resources"][id];
        assert!(found.is_object(), "no resource {id} in {template:#}");
        found
    }

    fn ids_of_type(template: &Value, kind: &str) -> Vec<String> {
        let resources = template["Resources"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let mut ids: Vec<String> = resources
            .into_iter()
            .filter(|(_, r)| r["Type"] == kind)
            .map(|(id, _)| id)
            .collect();
        ids.sort();
        ids
    }

    /// Every `Ref`, `Fn::GetAtt` and `${name}` of an `Fn::Sub` in `value`.
    fn references(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, item) in map {
                    match (key.as_str(), item) {
                        ("Ref", Value::String(name)) => out.push(name.clone()),
                        ("Fn::GetAtt", Value::Array(parts)) => {
                            out.extend(parts.first().and_then(Value::as_str).map(str::to_string));
                        }
                        ("Fn::Sub", Value::String(text)) => {
                            for part in text.split("${").skip(1) {
                                let name = part.split('}').next().unwrap_or_default();
                                out.push(name.split('.').next().unwrap_or_default().to_string());
                            }
                        }
                        _ => references(item, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| references(item, out)),
            _ => {}
        }
    }

    /// What a template refers to exists: a parameter, a resource, or a pseudo parameter.
    pub(crate) fn assert_references_resolve(template: &Value) {
        let mut found = Vec::new();
        references(template, &mut found);
        assert!(!found.is_empty());
        for name in found {
            let known = name.starts_with("AWS::")
                || template["Parameters"].get(&name).is_some()
                || template["Resources"].get(&name).is_some();
            assert!(known, "{name} is neither a parameter nor a resource");
        }
    }

    fn protected() -> DesiredGateway {
        let mut gateway = desired(GatewayKind::Rest)
            .apis(&[("iris", "/iris"), ("text", "/v1/text-gen")])
            .auth(Auth::ApiKey)
            .throttle(100, 200)
            .route_protection(
                "text",
                RouteProtection {
                    auth: Auth::ApiKey,
                    throttle: Some(Throttle { rate: 5, burst: 10 }),
                    ..Default::default()
                },
            )
            .access_log("arn:aws:logs:us-east-1:1:log-group:gw")
            .api_key("partner")
            .api_key("batch")
            .usage_plan(UsagePlanSpec {
                name: "partners".into(),
                throttle: Some(Throttle {
                    rate: 10,
                    burst: 20,
                }),
                quota: Some(Quota {
                    limit: 1000,
                    period: QuotaPeriod::Month,
                }),
                keys: vec!["partner".into(), "batch".into()],
            })
            .domain("api.example.com", CERT)
            .build();
        gateway.protection.api_keys[1].value =
            Some(SecretValue::new("a-configured-key-value-1234"));
        gateway
    }

    #[test]
    fn an_internet_facing_gateway_is_the_api_its_deployment_and_stage() {
        let gateway = desired(GatewayKind::Rest).build();
        let template = cloudformation(&gateway, &owner());
        let mut ids: Vec<&String> = template["Resources"]
            .as_object()
            .into_iter()
            .flat_map(|r| r.keys())
            .collect();
        ids.sort();
        let fingerprint = desired_fingerprint(&gateway).unwrap_or_default();
        let deployment = format!("Deployment{}", &fingerprint[..8]);
        assert_eq!(ids, [&deployment, "RestApi", "Stage"]);
        let api = &resource(&template, "RestApi")["Properties"];
        assert_eq!(api["Name"], "cortex-prod");
        assert_eq!(
            api["Description"],
            "Cortex cluster prod: managed by cortex-net"
        );
        assert_eq!(api["EndpointConfiguration"]["Types"], json!(["REGIONAL"]));
        assert_eq!(
            api["Tags"],
            json!([
                { "Key": "cortex.dev/cluster-name", "Value": "prod" },
                { "Key": "managed-by", "Value": "cortex-net" },
            ])
        );
        // The document `PutRestApi` receives, the load balancer's name a parameter.
        let mut expected = openapi_document(&gateway, None);
        substitute(&mut expected, DNS_NAME, DNS_PARAMETER);
        assert_eq!(api["Body"], expected);
        assert_eq!(
            api["Body"]["paths"]["/{proxy+}"]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]
                ["uri"],
            json!({ "Fn::Sub": "http://${LoadBalancerDnsName}/{proxy}" })
        );
        assert_eq!(template["Parameters"][DNS_PARAMETER]["Default"], DNS_NAME);
        assert!(template["Parameters"].get(ARN_PARAMETER).is_none());
        // The fingerprint `up` compares, so that `plan` finds the stack's deployment current.
        assert_eq!(
            resource(&template, &deployment)["Properties"]["Description"],
            format!("cortex-net {fingerprint}")
        );
        let stage = &resource(&template, "Stage")["Properties"];
        assert_eq!(stage["StageName"], "dev");
        assert_eq!(stage["DeploymentId"], json!({ "Ref": deployment }));
        assert!(stage.get("MethodSettings").is_none() && stage.get("AccessLogSetting").is_none());
        assert_eq!(
            template["Outputs"]["InvokeUrl"]["Value"],
            json!({ "Fn::Sub": "https://${RestApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}" })
        );
        assert!(template["Outputs"].get("DomainDnsTarget").is_none());
        assert_references_resolve(&template);
    }

    #[test]
    fn a_changed_api_is_a_new_deployment() {
        let one = cloudformation(&desired(GatewayKind::Rest).build(), &owner());
        let two = cloudformation(
            &desired(GatewayKind::Rest)
                .apis(&[("iris", "/iris")])
                .build(),
            &owner(),
        );
        let deployments = |t: &Value| ids_of_type(t, "AWS::ApiGateway::Deployment");
        assert_eq!(deployments(&one).len(), 1);
        assert_ne!(deployments(&one), deployments(&two));
        assert_eq!(
            cloudformation(&desired(GatewayKind::Rest).build(), &owner()),
            one,
            "the same configuration, the same template"
        );
    }

    #[test]
    fn an_internal_gateway_goes_through_a_v1_link_to_the_load_balancer_parameter() {
        let gateway = desired(GatewayKind::Rest)
            .internal(VpcLinkVersion::V1)
            .build();
        let template = cloudformation(&gateway, &owner());
        let link = resource(&template, "VpcLink");
        assert_eq!(link["Type"], "AWS::ApiGateway::VpcLink");
        assert_eq!(link["Properties"]["Name"], "cortex-prod");
        assert_eq!(
            link["Properties"]["TargetArns"],
            json!([{ "Ref": ARN_PARAMETER }])
        );
        assert!(link["Properties"]["Tags"].as_array().is_some_and(|tags| {
            tags.contains(&json!({ "Key": "cortex-net/gateway", "Value": "rest" }))
        }));
        assert_eq!(template["Parameters"][ARN_PARAMETER]["Default"], LB_ARN);
        assert_eq!(template["Parameters"][DNS_PARAMETER]["Default"], DNS_NAME);
        let integration = &resource(&template, "RestApi")["Properties"]["Body"]["paths"]["/"]["x-amazon-apigateway-any-method"]
            ["x-amazon-apigateway-integration"];
        assert_eq!(integration["connectionType"], "VPC_LINK");
        assert_eq!(integration["connectionId"], json!({ "Ref": "VpcLink" }));
        let deployment = ids_of_type(&template, "AWS::ApiGateway::Deployment");
        let description = &resource(&template, &deployment[0])["Properties"]["Description"];
        assert!(
            description["Fn::Sub"]
                .as_str()
                .is_some_and(|d| d.ends_with(" vpclink=${VpcLink}")),
            "{description}"
        );
        assert_references_resolve(&template);
    }

    #[test]
    fn a_v2_link_takes_the_subnets_and_names_the_load_balancer() {
        let gateway = desired(GatewayKind::Rest)
            .internal(VpcLinkVersion::V2)
            .build();
        let template = cloudformation(&gateway, &owner());
        let link = resource(&template, "VpcLink");
        assert_eq!(link["Type"], "AWS::ApiGatewayV2::VpcLink");
        assert_eq!(link["Properties"]["SubnetIds"], json!({ "Ref": "Subnets" }));
        assert_eq!(
            template["Parameters"]["Subnets"]["Default"],
            "subnet-1,subnet-2"
        );
        assert_eq!(template["Parameters"]["SecurityGroups"]["Default"], "sg-1");
        let integration = &resource(&template, "RestApi")["Properties"]["Body"]["paths"]["/"]["x-amazon-apigateway-any-method"]
            ["x-amazon-apigateway-integration"];
        assert_eq!(
            integration["integrationTarget"],
            json!({ "Fn::Sub": "${LoadBalancerArn}" })
        );
        assert_references_resolve(&template);
    }

    #[test]
    fn protection_and_domain_are_resources_with_the_names_up_gives_them() {
        let template = cloudformation(&protected(), &owner());
        let stage = &resource(&template, "Stage")["Properties"];
        assert_eq!(
            stage["MethodSettings"],
            json!([
                { "ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": 100, "ThrottlingBurstLimit": 200 },
                { "ResourcePath": "/~1v1~1text-gen", "HttpMethod": "ANY", "ThrottlingRateLimit": 5, "ThrottlingBurstLimit": 10 },
                { "ResourcePath": "/~1v1~1text-gen~1{proxy+}", "HttpMethod": "ANY", "ThrottlingRateLimit": 5, "ThrottlingBurstLimit": 10 },
            ])
        );
        assert_eq!(
            stage["AccessLogSetting"]["DestinationArn"],
            "arn:aws:logs:us-east-1:1:log-group:gw"
        );
        // A generated key has no value; a configured one comes from a NoEcho parameter.
        let generated = &resource(&template, "ApiKeyPartner")["Properties"];
        assert_eq!(generated["Name"], "partner");
        assert!(generated.get("Value").is_none());
        let configured = &resource(&template, "ApiKeyBatch")["Properties"];
        assert_eq!(configured["Value"], json!({ "Ref": "ApiKeyValueBatch" }));
        assert_eq!(template["Parameters"]["ApiKeyValueBatch"]["NoEcho"], true);
        assert!(
            template["Parameters"]["ApiKeyValueBatch"]
                .get("Default")
                .is_none()
        );
        assert!(!template.to_string().contains("a-configured-key-value"));
        let plan = &resource(&template, "UsagePlanPartners")["Properties"];
        assert_eq!(plan["UsagePlanName"], "partners");
        assert_eq!(plan["Quota"], json!({ "Limit": 1000, "Period": "MONTH" }));
        assert_eq!(
            plan["Throttle"],
            json!({ "RateLimit": 10, "BurstLimit": 20 })
        );
        assert_eq!(
            plan["ApiStages"],
            json!([{ "ApiId": { "Ref": "RestApi" }, "Stage": { "Ref": "Stage" } }])
        );
        assert_eq!(
            ids_of_type(&template, "AWS::ApiGateway::UsagePlanKey"),
            ["UsagePlanPartnersKeyBatch", "UsagePlanPartnersKeyPartner"]
        );
        let domain = &resource(&template, "DomainName")["Properties"];
        assert_eq!(domain["DomainName"], "api.example.com");
        assert_eq!(
            domain["RegionalCertificateArn"],
            json!({ "Ref": CERTIFICATE_PARAMETER })
        );
        assert_eq!(
            template["Parameters"][CERTIFICATE_PARAMETER]["Default"],
            CERT
        );
        assert_eq!(
            resource(&template, "BasePathMapping")["Properties"]["Stage"],
            json!({ "Ref": "Stage" })
        );
        assert_eq!(
            template["Outputs"]["DomainDnsTarget"]["Value"],
            json!({ "Fn::GetAtt": ["DomainName", "RegionalDomainName"] })
        );
        assert_eq!(
            template["Outputs"]["ApiUrlText"]["Value"]["Fn::Sub"],
            "https://${RestApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}/v1/text-gen"
        );
        assert_references_resolve(&template);
    }

    #[test]
    fn an_edge_domain_takes_the_certificate_and_target_of_cloudfront() {
        let gateway = desired(GatewayKind::Rest)
            .endpoint_type(EndpointType::Edge)
            .domain("api.example.com", CERT)
            .build();
        let template = cloudformation(&gateway, &owner());
        let domain = &resource(&template, "DomainName")["Properties"];
        assert_eq!(
            domain["CertificateArn"],
            json!({ "Ref": CERTIFICATE_PARAMETER })
        );
        assert!(domain.get("RegionalCertificateArn").is_none());
        assert_eq!(domain["EndpointConfiguration"]["Types"], json!(["EDGE"]));
        assert_eq!(
            template["Outputs"]["DomainDnsTarget"]["Value"],
            json!({ "Fn::GetAtt": ["DomainName", "DistributionDomainName"] })
        );
        assert_references_resolve(&template);
    }

    #[test]
    fn logical_ids_are_the_names_words() {
        assert_eq!(logical_id("ApiKey", "partner-a"), "ApiKeyPartnerA");
        assert_eq!(
            logical_id("Route", "/v1/text-gen/{proxy+}"),
            "RouteV1TextGenProxy"
        );
        assert_eq!(logical_id("Route", "/{proxy+}"), "RouteProxy");
    }
}
