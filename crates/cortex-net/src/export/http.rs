//! The HTTP gateway `up` would build, as a CloudFormation template and as the OpenAPI document
//! `ImportApi` accepts. Pure. Lives beside the command rather than in `gw-http`, which has no
//! JSON dependency; it reads gw-http's naming (`route_keys`, the integration's description)
//! so that the template names what `up` names.

use gw_core::{Auth, DesiredGateway, GatewayKind, JWT_AUTHORIZER, Ownership, RouteSpec};
use gw_rest::template::{
    self as shared, CERTIFICATE_PARAMETER, DNS_PARAMETER, logical_id, string_parameter, tag_map,
    with_output, with_parameter,
};
use serde_json::{Map, Value, json};

/// Parameter of the load balancer listener a private integration targets.
const LISTENER_PARAMETER: &str = "LoadBalancerListenerArn";
const JWT_IDENTITY_SOURCE: &str = "$request.header.Authorization";
const OVERWRITE_PATH: (&str, &str) = ("overwrite:path", "$request.path");

/// The CloudFormation template of the HTTP gateway `desired` describes, owned by `owner`.
pub fn cloudformation(desired: &DesiredGateway, owner: &Ownership) -> Value {
    let mut template = shared::skeleton(desired, GatewayKind::Http);
    let mut resources = Map::new();
    let tags = tag_map(owner);
    if let Some(link) = &desired.vpc_link {
        resources.insert(
            "VpcLink".into(),
            json!({
                "Type": "AWS::ApiGatewayV2::VpcLink",
                "Properties": {
                    "Name": link.name,
                    "SubnetIds": { "Ref": "Subnets" },
                    "SecurityGroupIds": { "Ref": "SecurityGroups" },
                    "Tags": tag_map(&owner.for_gateway(GatewayKind::Http)),
                },
            }),
        );
    }
    resources.insert("Api".into(), api(desired, &tags));
    resources.insert("Integration".into(), integration(desired));
    if wants_jwt(desired) {
        resources.extend(authorizer(desired));
    }
    let routes = routes(desired);
    let route_ids: Vec<Value> = routes.keys().map(|id| json!(id)).collect();
    resources.extend(routes);
    resources.insert("Stage".into(), stage(desired, &tags, route_ids));
    domain(desired, owner, &mut resources);
    template["Resources"] = Value::Object(resources);
    parameters(&mut template, desired);
    outputs(&mut template, desired);
    template
}

fn wants_jwt(desired: &DesiredGateway) -> bool {
    desired.protection.jwt.is_some()
        && desired
            .routes
            .iter()
            .any(|r| r.protection.auth == Auth::Jwt)
}

fn parameters(template: &mut Value, desired: &DesiredGateway) {
    match &desired.vpc_link {
        None => with_parameter(
            template,
            DNS_PARAMETER,
            string_parameter(
                "DNS name of the Cortex cluster's API load balancer",
                Some(&desired.backend.dns_name),
            ),
        ),
        Some(_) => {
            with_parameter(
                template,
                LISTENER_PARAMETER,
                string_parameter(
                    "ARN of the load balancer listener the VPC link's integration targets",
                    desired.backend.listener_arn.as_deref(),
                ),
            );
            shared::vpc_link_v2_parameters(template, desired);
        }
    }
    if let Some(domain) = &desired.domain {
        with_parameter(
            template,
            CERTIFICATE_PARAMETER,
            string_parameter(
                "The ACM certificate of the custom domain",
                Some(&domain.certificate_arn),
            ),
        );
    }
}

fn api(desired: &DesiredGateway, tags: &Value) -> Value {
    let mut properties = json!({
        "Name": desired.name,
        "ProtocolType": "HTTP",
        "Description": format!("Cortex cluster {}: managed by cortex-net", desired.cluster),
        "Tags": tags,
    });
    if let Some(cors) = &desired.cors {
        let mut config = json!({ "AllowOrigins": cors.allow_origins });
        if !cors.allow_methods.is_empty() {
            config["AllowMethods"] = json!(cors.allow_methods);
        }
        if !cors.allow_headers.is_empty() {
            config["AllowHeaders"] = json!(cors.allow_headers);
        }
        if let Some(max_age) = cors.max_age_seconds {
            config["MaxAge"] = json!(max_age);
        }
        properties["CorsConfiguration"] = config;
    }
    json!({ "Type": "AWS::ApiGatewayV2::Api", "Properties": properties })
}

fn integration(desired: &DesiredGateway) -> Value {
    let mut properties = json!({
        "ApiId": { "Ref": "Api" },
        "Description": gw_http::INTEGRATION,
        "IntegrationType": "HTTP_PROXY",
        "IntegrationMethod": "ANY",
        "PayloadFormatVersion": "1.0",
        "RequestParameters": { OVERWRITE_PATH.0: OVERWRITE_PATH.1 },
    });
    match &desired.vpc_link {
        None => {
            let mut uri = json!(desired.backend.base_url());
            shared::substitute(&mut uri, &desired.backend.dns_name, DNS_PARAMETER);
            properties["IntegrationUri"] = uri;
            properties["ConnectionType"] = json!("INTERNET");
        }
        Some(_) => {
            properties["IntegrationUri"] = json!({ "Ref": LISTENER_PARAMETER });
            properties["ConnectionType"] = json!("VPC_LINK");
            properties["ConnectionId"] = json!({ "Ref": "VpcLink" });
        }
    }
    json!({ "Type": "AWS::ApiGatewayV2::Integration", "Properties": properties })
}

fn authorizer(desired: &DesiredGateway) -> Option<(String, Value)> {
    let jwt = desired.protection.jwt.as_ref()?;
    Some((
        "Authorizer".into(),
        json!({
            "Type": "AWS::ApiGatewayV2::Authorizer",
            "Properties": {
                "ApiId": { "Ref": "Api" },
                "Name": JWT_AUTHORIZER,
                "AuthorizerType": "JWT",
                "IdentitySource": [JWT_IDENTITY_SOURCE],
                "JwtConfiguration": { "Issuer": jwt.issuer, "Audience": jwt.audiences },
            },
        }),
    ))
}

/// The routes' logical ids: `Route` and the path's words (`ANY /iris/{proxy+}` ->
/// `RouteIrisProxy`, the catch-all `RouteProxy`), numbered should two paths read alike.
fn routes(desired: &DesiredGateway) -> Map<String, Value> {
    let mut out = Map::new();
    for route in &desired.routes {
        for key in gw_http::route_keys(route) {
            let path = key.trim_start_matches("ANY ");
            let mut id = logical_id("Route", path);
            let base = id.clone();
            let mut n = 2;
            while out.contains_key(&id) {
                id = format!("{base}{n}");
                n += 1;
            }
            out.insert(id, route_resource(&key, route));
        }
    }
    out
}

fn route_resource(key: &str, route: &RouteSpec) -> Value {
    let mut properties = json!({
        "ApiId": { "Ref": "Api" },
        "RouteKey": key,
        "Target": { "Fn::Sub": "integrations/${Integration}" },
    });
    match route.protection.auth {
        Auth::None | Auth::ApiKey => properties["AuthorizationType"] = json!("NONE"),
        Auth::Iam => properties["AuthorizationType"] = json!("AWS_IAM"),
        Auth::Jwt => {
            properties["AuthorizationType"] = json!("JWT");
            properties["AuthorizerId"] = json!({ "Ref": "Authorizer" });
            let mut scopes = route.protection.scopes.clone();
            scopes.sort();
            scopes.dedup();
            if !scopes.is_empty() {
                properties["AuthorizationScopes"] = json!(scopes);
            }
        }
    }
    json!({ "Type": "AWS::ApiGatewayV2::Route", "Properties": properties })
}

fn stage(desired: &DesiredGateway, tags: &Value, routes: Vec<Value>) -> Value {
    let protection = &desired.protection;
    let mut properties = json!({
        "ApiId": { "Ref": "Api" },
        "StageName": desired.stage,
        "AutoDeploy": true,
        "Tags": tags,
    });
    if let Some(throttle) = protection.throttle {
        properties["DefaultRouteSettings"] = json!({
            "ThrottlingRateLimit": throttle.rate,
            "ThrottlingBurstLimit": throttle.burst,
        });
    }
    let mut settings = Map::new();
    for route in &desired.routes {
        let Some(throttle) = route.protection.throttle else {
            continue;
        };
        for key in gw_http::route_keys(route) {
            settings.insert(
                key,
                json!({
                    "ThrottlingRateLimit": throttle.rate,
                    "ThrottlingBurstLimit": throttle.burst,
                }),
            );
        }
    }
    if !settings.is_empty() {
        properties["RouteSettings"] = Value::Object(settings);
    }
    if let Some(log) = &protection.access_log {
        properties["AccessLogSettings"] =
            json!({ "DestinationArn": log.destination_arn, "Format": log.format });
    }
    // Route settings name routes that must exist first.
    json!({
        "Type": "AWS::ApiGatewayV2::Stage",
        "DependsOn": routes,
        "Properties": properties,
    })
}

fn domain(desired: &DesiredGateway, owner: &Ownership, out: &mut Map<String, Value>) {
    let Some(domain) = &desired.domain else {
        return;
    };
    out.insert(
        "DomainName".into(),
        json!({
            "Type": "AWS::ApiGatewayV2::DomainName",
            "Properties": {
                "DomainName": domain.name,
                "DomainNameConfigurations": [{
                    "CertificateArn": { "Ref": CERTIFICATE_PARAMETER },
                    "EndpointType": "REGIONAL",
                    "SecurityPolicy": "TLS_1_2",
                }],
                "Tags": tag_map(&owner.for_gateway(GatewayKind::Http)),
            },
        }),
    );
    out.insert(
        "ApiMapping".into(),
        json!({
            "Type": "AWS::ApiGatewayV2::ApiMapping",
            "Properties": {
                "DomainName": { "Ref": "DomainName" },
                "ApiId": { "Ref": "Api" },
                "Stage": { "Ref": "Stage" },
            },
        }),
    );
}

/// `$default` is served at the API's endpoint itself; another stage under its name.
fn invoke_url(desired: &DesiredGateway) -> Value {
    if desired.stage == "$default" {
        json!({ "Fn::GetAtt": ["Api", "ApiEndpoint"] })
    } else {
        json!({ "Fn::Sub": "${Api.ApiEndpoint}/${Stage}" })
    }
}

fn outputs(template: &mut Value, desired: &DesiredGateway) {
    with_output(
        template,
        "InvokeUrl",
        "The URL clients call",
        invoke_url(desired),
    );
    let base = if desired.stage == "$default" {
        "${Api.ApiEndpoint}"
    } else {
        "${Api.ApiEndpoint}/${Stage}"
    };
    for (name, path) in shared::api_paths(desired) {
        with_output(
            template,
            &logical_id("ApiUrl", &name),
            &format!("The URL of API {name}"),
            json!({ "Fn::Sub": format!("{base}{path}") }),
        );
    }
    if desired.domain.is_some() {
        shared::domain_outputs(template, "RegionalDomainName", "RegionalHostedZoneId");
    }
}

/// The OpenAPI 3 document `ImportApi` accepts for the HTTP API: each route as a path with
/// `x-amazon-apigateway-any-method` and the `http_proxy` integration, the JWT authorizer and
/// SigV4 as security schemes where routes use them, CORS as `x-amazon-apigateway-cors`.
/// `link_id` is the VPC link's id (a private integration's `connectionId`).
pub fn openapi(desired: &DesiredGateway, link_id: Option<&str>) -> Value {
    let mut paths = Map::new();
    let mut used = std::collections::BTreeSet::new();
    for route in &desired.routes {
        for key in gw_http::route_keys(route) {
            let path = key.trim_start_matches("ANY ").to_string();
            if paths.contains_key(&path) {
                continue;
            }
            let mut method = json!({
                "x-amazon-apigateway-integration": openapi_integration(desired, link_id),
                "responses": { "default": { "description": "The backend's answer" } },
            });
            if path.ends_with("{proxy+}") {
                method["parameters"] = json!([{
                    "name": "proxy", "in": "path", "required": true,
                    "schema": { "type": "string" },
                }]);
            }
            if let Some((scheme, scopes)) = security(route) {
                method["security"] = json!([{ scheme: scopes }]);
                used.insert(scheme);
            }
            paths.insert(path, json!({ "x-amazon-apigateway-any-method": method }));
        }
    }
    let mut document = json!({
        "openapi": "3.0.1",
        "info": {
            "title": desired.name,
            "description": format!("Cortex cluster {}: managed by cortex-net", desired.cluster),
            "version": "1",
        },
        "paths": paths,
    });
    if !used.is_empty() {
        document["components"] = json!({ "securitySchemes": security_schemes(desired, &used) });
    }
    if let Some(cors) = &desired.cors {
        let mut config = json!({ "allowOrigins": cors.allow_origins });
        if !cors.allow_methods.is_empty() {
            config["allowMethods"] = json!(cors.allow_methods);
        }
        if !cors.allow_headers.is_empty() {
            config["allowHeaders"] = json!(cors.allow_headers);
        }
        if let Some(max_age) = cors.max_age_seconds {
            config["maxAge"] = json!(max_age);
        }
        document["x-amazon-apigateway-cors"] = config;
    }
    document
}

fn openapi_integration(desired: &DesiredGateway, link_id: Option<&str>) -> Value {
    let mut integration = json!({
        "type": "http_proxy",
        "httpMethod": "ANY",
        "payloadFormatVersion": "1.0",
        "requestParameters": { OVERWRITE_PATH.0: OVERWRITE_PATH.1 },
    });
    match &desired.vpc_link {
        None => {
            integration["uri"] = json!(desired.backend.base_url());
            integration["connectionType"] = json!("INTERNET");
        }
        Some(_) => {
            integration["uri"] = json!(desired.backend.listener_arn.clone().unwrap_or_default());
            integration["connectionType"] = json!("VPC_LINK");
            integration["connectionId"] = json!(link_id.unwrap_or(super::LINK_PLACEHOLDER));
        }
    }
    integration
}

const SIGV4: &str = "sigv4";

fn security(route: &RouteSpec) -> Option<(&'static str, Vec<String>)> {
    match route.protection.auth {
        Auth::None | Auth::ApiKey => None,
        Auth::Iam => Some((SIGV4, Vec::new())),
        Auth::Jwt => {
            let mut scopes = route.protection.scopes.clone();
            scopes.sort();
            scopes.dedup();
            Some((JWT_AUTHORIZER, scopes))
        }
    }
}

fn security_schemes(desired: &DesiredGateway, used: &std::collections::BTreeSet<&str>) -> Value {
    let mut schemes = Map::new();
    if used.contains(SIGV4) {
        schemes.insert(
            SIGV4.into(),
            json!({
                "type": "apiKey", "name": "Authorization", "in": "header",
                "x-amazon-apigateway-authtype": "awsSigv4",
            }),
        );
    }
    if let Some(jwt) = desired
        .protection
        .jwt
        .as_ref()
        .filter(|_| used.contains(JWT_AUTHORIZER))
    {
        schemes.insert(
            JWT_AUTHORIZER.into(),
            json!({
                "type": "oauth2",
                "flows": {},
                "x-amazon-apigateway-authorizer": {
                    "type": "jwt",
                    "identitySource": JWT_IDENTITY_SOURCE,
                    "jwtConfiguration": { "issuer": jwt.issuer, "audience": jwt.audiences },
                },
            }),
        );
    }
    Value::Object(schemes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use gw_core::testing::{DNS_NAME, desired};
    use gw_core::{RouteProtection, Throttle, VpcLinkVersion};

    const LISTENER: &str = "arn:aws:elasticloadbalancing:us-east-1:1:listener/net/api-lb/1/2";
    const CERT: &str = "arn:aws:acm:us-east-1:1:certificate/abc";

    fn owner() -> Ownership {
        Ownership::new("prod")
    }

    fn resource<'a>(template: &'a Value, id: &str) -> &'a Value {
        let found = &template["Resources"][id]["Properties"];
        assert!(found.is_object(), "no resource {id} in {template:#}");
        found
    }

    /// Every `Ref`, `Fn::GetAtt` and `${name}` of an `Fn::Sub` names a parameter, a resource or
    /// a pseudo parameter, and every `DependsOn` a resource.
    fn assert_references_resolve(template: &Value) {
        fn collect(value: &Value, out: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    for (key, item) in map {
                        match (key.as_str(), item) {
                            ("Ref", Value::String(name)) => out.push(name.clone()),
                            ("Fn::GetAtt", Value::Array(parts)) => out
                                .extend(parts.first().and_then(Value::as_str).map(str::to_string)),
                            ("Fn::Sub", Value::String(text)) => {
                                for part in text.split("${").skip(1) {
                                    let name = part.split('}').next().unwrap_or_default();
                                    out.push(name.split('.').next().unwrap_or_default().into());
                                }
                            }
                            ("DependsOn", Value::Array(names)) => out
                                .extend(names.iter().filter_map(Value::as_str).map(str::to_string)),
                            _ => collect(item, out),
                        }
                    }
                }
                Value::Array(items) => items.iter().for_each(|item| collect(item, out)),
                _ => {}
            }
        }
        let mut found = Vec::new();
        collect(template, &mut found);
        assert!(!found.is_empty());
        for name in found {
            let known = name.starts_with("AWS::")
                || template["Parameters"].get(&name).is_some()
                || template["Resources"].get(&name).is_some();
            assert!(known, "{name} is neither a parameter nor a resource");
        }
    }

    fn internal() -> DesiredGateway {
        let mut gateway = desired(GatewayKind::Http)
            .internal(VpcLinkVersion::V2)
            .build();
        gateway.backend.listener_arn = Some(LISTENER.into());
        gateway
    }

    fn protected() -> DesiredGateway {
        desired(GatewayKind::Http)
            .apis(&[("iris", "/iris"), ("text", "/text-gen")])
            .jwt("https://issuer.example.com", &["app"])
            .auth(Auth::Jwt)
            .route_protection(
                "text",
                RouteProtection {
                    auth: Auth::Iam,
                    throttle: Some(Throttle { rate: 5, burst: 10 }),
                    ..Default::default()
                },
            )
            .route_protection(
                "iris",
                RouteProtection {
                    auth: Auth::Jwt,
                    scopes: vec!["models/predict".into()],
                    ..Default::default()
                },
            )
            .throttle(100, 200)
            .access_log("arn:aws:logs:us-east-1:1:log-group:gw")
            .cors(&["https://app.example.com"])
            .domain("api.example.com", CERT)
            .build()
    }

    #[test]
    fn an_internet_facing_gateway_proxies_every_path_to_the_load_balancer_parameter() {
        let template = cloudformation(&desired(GatewayKind::Http).build(), &owner());
        let api = resource(&template, "Api");
        assert_eq!(api["Name"], "cortex-prod");
        assert_eq!(api["ProtocolType"], "HTTP");
        assert_eq!(
            api["Tags"],
            json!({ "cortex.dev/cluster-name": "prod", "managed-by": "cortex-net" })
        );
        let integration = resource(&template, "Integration");
        assert_eq!(integration["Description"], gw_http::INTEGRATION);
        assert_eq!(integration["IntegrationType"], "HTTP_PROXY");
        assert_eq!(integration["IntegrationMethod"], "ANY");
        assert_eq!(integration["PayloadFormatVersion"], "1.0");
        assert_eq!(integration["ConnectionType"], "INTERNET");
        assert_eq!(
            integration["IntegrationUri"],
            json!({ "Fn::Sub": "http://${LoadBalancerDnsName}" })
        );
        assert_eq!(
            integration["RequestParameters"],
            json!({ "overwrite:path": "$request.path" })
        );
        assert_eq!(template["Parameters"][DNS_PARAMETER]["Default"], DNS_NAME);
        let route = resource(&template, "RouteProxy");
        assert_eq!(route["RouteKey"], "ANY /{proxy+}");
        assert_eq!(route["AuthorizationType"], "NONE");
        assert_eq!(
            route["Target"],
            json!({ "Fn::Sub": "integrations/${Integration}" })
        );
        let stage = resource(&template, "Stage");
        assert_eq!(stage["StageName"], "$default");
        assert_eq!(stage["AutoDeploy"], true);
        assert!(stage.get("DefaultRouteSettings").is_none());
        assert_eq!(
            template["Outputs"]["InvokeUrl"]["Value"],
            json!({ "Fn::GetAtt": ["Api", "ApiEndpoint"] })
        );
        for absent in ["VpcLink", "Authorizer", "DomainName", "ApiMapping"] {
            assert!(template["Resources"].get(absent).is_none(), "{absent}");
        }
        assert_references_resolve(&template);
    }

    #[test]
    fn an_internal_gateway_goes_through_a_vpc_link_to_the_listener() {
        let template = cloudformation(&internal(), &owner());
        let link = resource(&template, "VpcLink");
        assert_eq!(link["Name"], "cortex-prod");
        assert_eq!(link["SubnetIds"], json!({ "Ref": "Subnets" }));
        assert_eq!(link["SecurityGroupIds"], json!({ "Ref": "SecurityGroups" }));
        assert_eq!(link["Tags"]["cortex-net/gateway"], "http");
        let integration = resource(&template, "Integration");
        assert_eq!(integration["ConnectionType"], "VPC_LINK");
        assert_eq!(integration["ConnectionId"], json!({ "Ref": "VpcLink" }));
        assert_eq!(
            integration["IntegrationUri"],
            json!({ "Ref": LISTENER_PARAMETER })
        );
        assert_eq!(
            template["Parameters"][LISTENER_PARAMETER]["Default"],
            LISTENER
        );
        assert_eq!(
            template["Parameters"]["Subnets"]["Default"],
            "subnet-1,subnet-2"
        );
        assert!(template["Parameters"].get(DNS_PARAMETER).is_none());
        assert_references_resolve(&template);
    }

    #[test]
    fn protection_and_domain_are_the_authorizer_routes_stage_settings_and_mapping() {
        let template = cloudformation(&protected(), &owner());
        let authorizer = resource(&template, "Authorizer");
        assert_eq!(authorizer["Name"], JWT_AUTHORIZER);
        assert_eq!(authorizer["AuthorizerType"], "JWT");
        assert_eq!(
            authorizer["JwtConfiguration"],
            json!({ "Issuer": "https://issuer.example.com", "Audience": ["app"] })
        );
        for id in ["RouteIris", "RouteIrisProxy"] {
            let route = resource(&template, id);
            assert_eq!(route["AuthorizationType"], "JWT", "{id}");
            assert_eq!(
                route["AuthorizerId"],
                json!({ "Ref": "Authorizer" }),
                "{id}"
            );
            assert_eq!(
                route["AuthorizationScopes"],
                json!(["models/predict"]),
                "{id}"
            );
        }
        let text = resource(&template, "RouteTextGenProxy");
        assert_eq!(text["RouteKey"], "ANY /text-gen/{proxy+}");
        assert_eq!(text["AuthorizationType"], "AWS_IAM");
        assert!(text.get("AuthorizerId").is_none());
        let stage = resource(&template, "Stage");
        assert_eq!(
            stage["DefaultRouteSettings"],
            json!({ "ThrottlingRateLimit": 100, "ThrottlingBurstLimit": 200 })
        );
        assert_eq!(
            stage["RouteSettings"]["ANY /text-gen"],
            json!({ "ThrottlingRateLimit": 5, "ThrottlingBurstLimit": 10 })
        );
        assert!(stage["RouteSettings"].get("ANY /iris").is_none());
        assert_eq!(
            stage["AccessLogSettings"]["DestinationArn"],
            "arn:aws:logs:us-east-1:1:log-group:gw"
        );
        let depends = &template["Resources"]["Stage"]["DependsOn"];
        assert_eq!(depends.as_array().map(Vec::len), Some(4), "{depends}");
        assert_eq!(
            resource(&template, "Api")["CorsConfiguration"]["AllowOrigins"],
            json!(["https://app.example.com"])
        );
        let domain = resource(&template, "DomainName");
        assert_eq!(domain["DomainName"], "api.example.com");
        assert_eq!(
            domain["DomainNameConfigurations"][0]["CertificateArn"],
            json!({ "Ref": CERTIFICATE_PARAMETER })
        );
        assert_eq!(
            template["Parameters"][CERTIFICATE_PARAMETER]["Default"],
            CERT
        );
        assert_eq!(
            resource(&template, "ApiMapping")["Stage"],
            json!({ "Ref": "Stage" })
        );
        assert_eq!(
            template["Outputs"]["DomainDnsTarget"]["Value"],
            json!({ "Fn::GetAtt": ["DomainName", "RegionalDomainName"] })
        );
        assert_eq!(
            template["Outputs"]["ApiUrlText"]["Value"],
            json!({ "Fn::Sub": "${Api.ApiEndpoint}/text-gen" })
        );
        assert_references_resolve(&template);
    }

    #[test]
    fn the_openapi_document_is_what_import_api_takes() {
        let document = openapi(&protected(), None);
        let paths: Vec<&String> = document["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(
            paths,
            ["/iris", "/iris/{proxy+}", "/text-gen", "/text-gen/{proxy+}"]
        );
        let method = &document["paths"]["/iris/{proxy+}"]["x-amazon-apigateway-any-method"];
        assert_eq!(
            method["x-amazon-apigateway-integration"],
            json!({
                "type": "http_proxy", "httpMethod": "ANY", "payloadFormatVersion": "1.0",
                "requestParameters": { "overwrite:path": "$request.path" },
                "uri": format!("http://{DNS_NAME}"), "connectionType": "INTERNET",
            })
        );
        assert_eq!(method["security"], json!([{ "jwt": ["models/predict"] }]));
        assert_eq!(method["parameters"][0]["name"], "proxy");
        assert_eq!(
            document["paths"]["/text-gen"]["x-amazon-apigateway-any-method"]["security"],
            json!([{ "sigv4": [] }])
        );
        let schemes = &document["components"]["securitySchemes"];
        assert_eq!(
            schemes["jwt"]["x-amazon-apigateway-authorizer"]["jwtConfiguration"],
            json!({ "issuer": "https://issuer.example.com", "audience": ["app"] })
        );
        assert_eq!(schemes["sigv4"]["x-amazon-apigateway-authtype"], "awsSigv4");
        assert_eq!(
            document["x-amazon-apigateway-cors"]["allowOrigins"],
            json!(["https://app.example.com"])
        );
    }

    #[test]
    fn a_private_openapi_integration_names_the_link_and_listener() {
        let document = openapi(&internal(), Some("vl-1"));
        let integration = &document["paths"]["/{proxy+}"]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"];
        assert_eq!(integration["connectionType"], "VPC_LINK");
        assert_eq!(integration["connectionId"], "vl-1");
        assert_eq!(integration["uri"], LISTENER);
        assert!(document.get("components").is_none());
    }
}
