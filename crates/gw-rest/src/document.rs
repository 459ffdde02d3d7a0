//! The API's content as one OpenAPI 3 document with API Gateway's extensions, which `apply`
//! puts with one `PutRestApi` (mode `overwrite`): every resource of the desired gateway, each
//! published path's `ANY` proxy to the load balancer (through the VPC link when there is one)
//! and, with CORS, its `OPTIONS` mock. Pure, so what AWS receives is tested without AWS.
//!
//! The document says everything the individual calls said (`PutMethod`, `PutIntegration`,
//! `PutMethodResponse`, `PutIntegrationResponse`), so that what AWS stores compares equal with
//! [`crate::desired_resources`]: a method's request parameters come from its `parameters`, its
//! responses from `responses`; an integration's type, method, URI, connection, target and
//! request parameters from `x-amazon-apigateway-integration`, the mock's answer from that
//! extension's `responses`.

use crate::resources::{
    MOCK_TEMPLATE, PROXY_INTEGRATION_PARAMETER, PROXY_PARAMETER, Published, cors_response_declared,
    cors_response_values, published_auth, published_paths, resource_paths,
};
use gw_core::{Auth, Cors, DesiredGateway, VpcLinkVersion};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The OpenAPI extension of an operation that stands for every HTTP method (`ANY`).
const ANY_METHOD: &str = "x-amazon-apigateway-any-method";
/// The OpenAPI extension holding an operation's integration.
const INTEGRATION: &str = "x-amazon-apigateway-integration";
/// The security scheme of methods callers sign with AWS credentials (AWS stores `AWS_IAM`).
pub const SIGV4_SCHEME: &str = "sigv4";
/// The security scheme of methods requiring an API key (AWS stores `apiKeyRequired`).
pub const API_KEY_SCHEME: &str = "api_key";

/// The security scheme an authorization names in the document, if any.
fn security_scheme(auth: Auth) -> Option<&'static str> {
    match auth {
        Auth::None | Auth::Jwt => None,
        Auth::Iam => Some(SIGV4_SCHEME),
        Auth::ApiKey => Some(API_KEY_SCHEME),
    }
}

/// The definitions of the schemes the methods use: IAM as API Gateway's `awsSigv4` auth type,
/// API keys read from the `x-api-key` header.
fn security_schemes(used: &BTreeSet<&'static str>) -> Map<String, Value> {
    let mut schemes = Map::new();
    if used.contains(SIGV4_SCHEME) {
        schemes.insert(
            SIGV4_SCHEME.into(),
            json!({
                "type": "apiKey",
                "name": "Authorization",
                "in": "header",
                "x-amazon-apigateway-authtype": "awsSigv4",
            }),
        );
    }
    if used.contains(API_KEY_SCHEME) {
        schemes.insert(
            API_KEY_SCHEME.into(),
            json!({ "type": "apiKey", "name": "x-api-key", "in": "header" }),
        );
    }
    schemes
}

/// The description the API is created with, and keeps through every document put on it.
pub(crate) fn api_description(desired: &DesiredGateway) -> String {
    format!("Cortex cluster {}: managed by cortex-net", desired.cluster)
}

/// The whole content of the desired API. `link_id` is the id of the VPC link its integrations
/// go through (`None` without one).
pub fn openapi_document(desired: &DesiredGateway, link_id: Option<&str>) -> Value {
    let published = published_paths(desired);
    // Every resource is listed, a parent without methods as an empty path item, so that the
    // document holds exactly the resources the plan shows.
    let mut paths: Map<String, Value> = resource_paths(&published)
        .into_iter()
        .map(|path| (path, Value::Object(Map::new())))
        .collect();
    let auth = published_auth(desired);
    let mut used = BTreeSet::new();
    for p in &published {
        let mut item = Map::new();
        let mut method = proxy_method(desired, p, link_id);
        if let Some(scheme) = auth.get(&p.path).copied().and_then(security_scheme) {
            method["security"] = json!([{ scheme: [] }]);
            used.insert(scheme);
        }
        item.insert(ANY_METHOD.into(), method);
        if let Some(cors) = &desired.cors {
            item.insert("options".into(), cors_method(cors));
        }
        paths.insert(p.path.clone(), Value::Object(item));
    }
    let mut document = json!({
        "openapi": "3.0.1",
        "info": {
            // AWS names the API after the title: the same name it was created with.
            "title": desired.name,
            "description": api_description(desired),
            "version": "1",
        },
        "paths": paths,
    });
    if !used.is_empty() {
        document["components"] = json!({ "securitySchemes": security_schemes(&used) });
    }
    if used.contains(API_KEY_SCHEME) {
        // Keys come in the `x-api-key` header (not from a Lambda authorizer).
        document["x-amazon-apigateway-api-key-source"] = json!("HEADER");
    }
    document
}

/// The `ANY` method of a published path and its `HTTP_PROXY` integration; a `{proxy+}` path
/// declares the `proxy` parameter and maps it into the URI.
fn proxy_method(desired: &DesiredGateway, published: &Published, link_id: Option<&str>) -> Value {
    let mut integration = json!({
        "type": "http_proxy",
        "httpMethod": "ANY",
        "uri": published.uri,
        "passthroughBehavior": "when_no_match",
    });
    match (&desired.vpc_link, link_id) {
        (Some(spec), Some(link)) => {
            integration["connectionType"] = json!("VPC_LINK");
            integration["connectionId"] = json!(link);
            if spec.version == VpcLinkVersion::V2
                && let Some(arn) = &desired.backend.arn
            {
                integration["integrationTarget"] = json!(arn);
            }
        }
        _ => integration["connectionType"] = json!("INTERNET"),
    }
    let mut method = json!({ "responses": {} });
    if published.is_proxy() {
        integration["requestParameters"] = json!({ PROXY_INTEGRATION_PARAMETER: PROXY_PARAMETER });
        method["parameters"] = json!([{
            "name": "proxy",
            "in": "path",
            "required": true,
            "schema": { "type": "string" },
        }]);
    }
    method[INTEGRATION] = integration;
    method
}

/// The `OPTIONS` method answering CORS preflights: a `MOCK` integration whose `200` carries the
/// `Access-Control-Allow-*` headers the method response declares.
fn cors_method(cors: &Cors) -> Value {
    const HEADER_PREFIX: &str = "method.response.header.";
    // Sorted: the same gateway gives the same bytes, whatever order a map iterates in.
    let declared: BTreeMap<String, bool> = cors_response_declared(cors).into_iter().collect();
    let answered: BTreeMap<String, String> = cors_response_values(cors).into_iter().collect();
    let headers: Map<String, Value> = declared
        .into_keys()
        .filter_map(|key| key.strip_prefix(HEADER_PREFIX).map(str::to_string))
        .map(|header| (header, json!({ "schema": { "type": "string" } })))
        .collect();
    let values: Map<String, Value> = answered
        .into_iter()
        .map(|(key, value)| (key, Value::String(value)))
        .collect();
    json!({
        "responses": {
            "200": { "description": "CORS preflight", "headers": headers },
        },
        INTEGRATION: {
            "type": "mock",
            "requestTemplates": { "application/json": MOCK_TEMPLATE },
            "passthroughBehavior": "when_no_match",
            "responses": {
                "default": { "statusCode": "200", "responseParameters": values },
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use gw_core::testing::{DNS_NAME, LB_ARN, desired};
    use gw_core::{GatewayKind, ResourceKind};

    fn operation<'a>(doc: &'a Value, path: &str, verb: &str) -> &'a Value {
        let found = &doc["paths"][path][verb];
        assert!(found.is_object(), "no {verb} {path} in {doc:#}");
        found
    }

    fn integration<'a>(doc: &'a Value, path: &str) -> &'a Value {
        &operation(doc, path, ANY_METHOD)[INTEGRATION]
    }

    fn lb(path: &str) -> String {
        format!("http://{DNS_NAME}{path}")
    }

    #[test]
    fn every_resource_of_the_plan_is_a_path_and_nothing_else() {
        let gateway = desired(GatewayKind::Rest)
            .apis(&[("iris", "/iris"), ("text", "/v1/text-gen")])
            .build();
        let doc = openapi_document(&gateway, None);
        let paths: Vec<&String> = doc["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(p, _)| p)
            .collect();
        let mut planned: Vec<String> = crate::desired_resources(&gateway)
            .into_iter()
            .filter(|r| r.kind == ResourceKind::Resource)
            .map(|r| r.name)
            .collect();
        planned.sort();
        assert_eq!(paths, planned.iter().collect::<Vec<_>>());
        // A parent made only to hold its children has no methods.
        assert_eq!(doc["paths"]["/v1"], json!({}));
        assert_eq!(doc["openapi"], "3.0.1");
        assert_eq!(doc["info"]["title"], "cortex-prod");
        assert_eq!(
            doc["info"]["description"],
            "Cortex cluster prod: managed by cortex-net"
        );
    }

    #[test]
    fn the_catch_all_forwards_the_root_and_every_path_over_the_internet() {
        let doc = openapi_document(&desired(GatewayKind::Rest).build(), None);
        assert_eq!(
            integration(&doc, "/"),
            &json!({
                "type": "http_proxy",
                "httpMethod": "ANY",
                "uri": lb("/"),
                "passthroughBehavior": "when_no_match",
                "connectionType": "INTERNET",
            })
        );
        let proxy = operation(&doc, "/{proxy+}", ANY_METHOD);
        assert_eq!(proxy[INTEGRATION]["uri"], lb("/{proxy}"));
        assert_eq!(
            proxy[INTEGRATION]["requestParameters"],
            json!({ "integration.request.path.proxy": "method.request.path.proxy" })
        );
        assert_eq!(
            proxy["parameters"],
            json!([{ "name": "proxy", "in": "path", "required": true, "schema": { "type": "string" } }])
        );
        // The root declares no parameter, and nothing but ANY is published without CORS.
        assert!(operation(&doc, "/", ANY_METHOD).get("parameters").is_none());
        assert_eq!(doc["paths"]["/"].as_object().map(Map::len), Some(1));
    }

    #[test]
    fn per_api_paths_forward_to_the_same_path_on_the_load_balancer() {
        let gateway = desired(GatewayKind::Rest)
            .apis(&[("iris", "/iris"), ("text", "/v1/text-gen")])
            .port(8080)
            .build();
        let doc = openapi_document(&gateway, None);
        let base = format!("http://{DNS_NAME}:8080");
        for (path, uri) in [
            ("/iris", format!("{base}/iris")),
            ("/iris/{proxy+}", format!("{base}/iris/{{proxy}}")),
            ("/v1/text-gen", format!("{base}/v1/text-gen")),
            (
                "/v1/text-gen/{proxy+}",
                format!("{base}/v1/text-gen/{{proxy}}"),
            ),
        ] {
            assert_eq!(integration(&doc, path)["uri"], uri, "{path}");
        }
        assert!(
            doc["paths"].get("/").is_none(),
            "no catch-all: the root is not published"
        );
    }

    #[test]
    fn private_integrations_carry_the_v1_link() {
        let gateway = desired(GatewayKind::Rest)
            .internal(VpcLinkVersion::V1)
            .apis(&[("iris", "/iris")])
            .build();
        let doc = openapi_document(&gateway, Some("lnk1"));
        for path in ["/iris", "/iris/{proxy+}"] {
            let integration = integration(&doc, path);
            assert_eq!(integration["connectionType"], "VPC_LINK", "{path}");
            assert_eq!(integration["connectionId"], "lnk1", "{path}");
            assert!(integration.get("integrationTarget").is_none(), "{path}");
        }
    }

    #[test]
    fn private_integrations_through_a_v2_link_name_the_load_balancer() {
        let gateway = desired(GatewayKind::Rest)
            .internal(VpcLinkVersion::V2)
            .build();
        let doc = openapi_document(&gateway, Some("v2link"));
        for path in ["/", "/{proxy+}"] {
            let integration = integration(&doc, path);
            assert_eq!(integration["connectionType"], "VPC_LINK", "{path}");
            assert_eq!(integration["connectionId"], "v2link", "{path}");
            assert_eq!(integration["integrationTarget"], LB_ARN, "{path}");
        }
    }

    #[test]
    fn cors_adds_an_options_mock_to_every_published_path() {
        let gateway = desired(GatewayKind::Rest)
            .apis(&[("iris", "/iris")])
            .cors(&["https://app.example.com"])
            .build();
        let doc = openapi_document(&gateway, None);
        for path in ["/iris", "/iris/{proxy+}"] {
            let options = operation(&doc, path, "options");
            assert!(options.get("parameters").is_none(), "{path}");
            let headers = &options["responses"]["200"]["headers"];
            for header in [
                "Access-Control-Allow-Headers",
                "Access-Control-Allow-Methods",
                "Access-Control-Allow-Origin",
            ] {
                assert_eq!(headers[header], json!({ "schema": { "type": "string" } }));
            }
            let mock = &options[INTEGRATION];
            assert_eq!(mock["type"], "mock");
            assert_eq!(
                mock["requestTemplates"],
                json!({ "application/json": "{\"statusCode\": 200}" })
            );
            let answer = &mock["responses"]["default"];
            assert_eq!(answer["statusCode"], "200");
            assert_eq!(
                answer["responseParameters"]["method.response.header.Access-Control-Allow-Origin"],
                "'https://app.example.com'"
            );
            assert_eq!(
                answer["responseParameters"]["method.response.header.Access-Control-Allow-Methods"],
                "'*'"
            );
        }
    }

    #[test]
    fn a_cors_max_age_is_declared_and_answered() {
        let mut gateway = desired(GatewayKind::Rest).cors(&["*"]).build();
        if let Some(cors) = gateway.cors.as_mut() {
            cors.max_age_seconds = Some(600);
        }
        let doc = openapi_document(&gateway, None);
        let options = operation(&doc, "/", "options");
        assert!(options["responses"]["200"]["headers"]["Access-Control-Max-Age"].is_object());
        assert_eq!(
            options[INTEGRATION]["responses"]["default"]["responseParameters"]["method.response.header.Access-Control-Max-Age"],
            "'600'"
        );
    }

    #[test]
    fn iam_methods_name_the_sigv4_scheme() {
        let gateway = desired(GatewayKind::Rest)
            .apis(&[("iris", "/iris")])
            .auth(Auth::Iam)
            .cors(&["*"])
            .build();
        let doc = openapi_document(&gateway, None);
        for path in ["/iris", "/iris/{proxy+}"] {
            assert_eq!(
                operation(&doc, path, ANY_METHOD)["security"],
                json!([{ "sigv4": [] }])
            );
            // Preflights carry no credentials: the CORS mock stays open.
            assert!(operation(&doc, path, "options").get("security").is_none());
        }
        assert_eq!(
            doc["components"]["securitySchemes"],
            json!({ "sigv4": {
                "type": "apiKey", "name": "Authorization", "in": "header",
                "x-amazon-apigateway-authtype": "awsSigv4",
            }})
        );
        assert!(doc.get("x-amazon-apigateway-api-key-source").is_none());
    }

    #[test]
    fn api_key_methods_require_the_header_key_and_others_stay_open() {
        let gateway = desired(GatewayKind::Rest)
            .apis(&[("iris", "/iris"), ("open", "/open")])
            .route_protection(
                "iris",
                gw_core::RouteProtection {
                    auth: Auth::ApiKey,
                    ..Default::default()
                },
            )
            .build();
        let doc = openapi_document(&gateway, None);
        assert_eq!(
            operation(&doc, "/iris/{proxy+}", ANY_METHOD)["security"],
            json!([{ "api_key": [] }])
        );
        assert!(
            operation(&doc, "/open", ANY_METHOD)
                .get("security")
                .is_none()
        );
        assert_eq!(
            doc["components"]["securitySchemes"],
            json!({ "api_key": { "type": "apiKey", "name": "x-api-key", "in": "header" } })
        );
        assert_eq!(doc["x-amazon-apigateway-api-key-source"], "HEADER");
    }

    #[test]
    fn an_open_gateway_declares_no_security() {
        let doc = openapi_document(&desired(GatewayKind::Rest).build(), None);
        assert!(doc.get("components").is_none());
        assert!(doc.get("x-amazon-apigateway-api-key-source").is_none());
    }

    #[test]
    fn the_same_gateway_gives_the_same_bytes() {
        let gateway = || {
            desired(GatewayKind::Rest)
                .apis(&[("b", "/b"), ("a", "/a")])
                .cors(&["*"])
                .build()
        };
        assert_eq!(
            openapi_document(&gateway(), None).to_string(),
            openapi_document(&gateway(), None).to_string()
        );
    }
}
