//! Reading Cortex's API configuration file (`cortex.yaml`): a list of APIs.
//!
//! The file is Cortex's: unknown keys are ignored. Cortex's own rules for names and
//! endpoints are checked, plus cortex-net's `networking.timeout` against the gateway's limit.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::Path;

use figment::value::{Dict, Value};

use crate::diagnostic::Diagnostic;
use crate::model::{ApiConfig, ApiGateway, ClusterGateway, GatewayKind};
use crate::read::{Expect, shown, string, typed, wrong_type};
use crate::validate::{self, Problem};
use crate::yaml;

/// What the API rules need to know about the rest of the configuration.
pub(crate) struct Context<'a> {
    /// The cluster's `api_gateway`, when the cluster file was read.
    pub cluster_gateway: ClusterGateway,
    pub cluster_file: &'a Path,
    pub gateway_type: GatewayKind,
}

/// The APIs, best effort: invalid entries are reported and, where unusable, left out.
pub(crate) fn read(path: &Path, ctx: &Context<'_>, diags: &mut Vec<Diagnostic>) -> Vec<ApiConfig> {
    let document = match yaml::read_file(
        path,
        "pass the path of the Cortex API configuration file (`-a cortex.yaml`)",
    ) {
        Ok(document) => document,
        Err(d) => {
            diags.push(*d);
            return Vec::new();
        }
    };
    let items = match document {
        Value::Array(_, items) => items,
        Value::Empty(..) => {
            diags.push(
                Diagnostic::warning(
                    path,
                    "",
                    "the file lists no APIs, so no gateway routes will be created",
                )
                .with_fix("list the APIs, each starting with `- name:`"),
            );
            return Vec::new();
        }
        Value::Dict(..) => {
            diags.push(
                Diagnostic::error(path, "", "expected a list of APIs, found a mapping")
                    .with_fix("cortex.yaml holds a list of APIs: start each with `- name:`"),
            );
            return Vec::new();
        }
        other => {
            diags.push(wrong_type(
                &other,
                "",
                "a list of APIs, each starting with `- name:`",
                path,
            ));
            return Vec::new();
        }
    };
    if items.is_empty() {
        diags.push(
            Diagnostic::warning(
                path,
                "",
                "the file lists no APIs, so no gateway routes will be created",
            )
            .with_fix("list the APIs, each starting with `- name:`"),
        );
    }

    let mut apis = Vec::new();
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut endpoints: HashMap<String, (usize, String)> = HashMap::new();
    for (index, item) in items.iter().enumerate() {
        let at = format!("[{index}]");
        let Value::Dict(_, api) = item else {
            diags.push(wrong_type(
                item,
                &at,
                "a mapping with `name`, `kind` and `networking`",
                path,
            ));
            continue;
        };
        let Some((parsed, endpoint)) = read_one(path, index, api, ctx, diags) else {
            continue;
        };

        let duplicate_name = names.contains_key(&parsed.name);
        if let Some(first) = names.get(&parsed.name) {
            diags.push(
                Diagnostic::error(
                    path,
                    format!("{at}.name"),
                    format!("API name is already used by entry [{first}]"),
                )
                .with_value(parsed.name.clone())
                .with_fix("give each API a unique name"),
            );
        } else {
            names.insert(parsed.name.clone(), index);
        }
        // A default endpoint repeats only because the name does (reported above); an
        // invalid one was reported already.
        let check_endpoint = match endpoint {
            Endpoint::Explicit => true,
            Endpoint::Default => !duplicate_name,
            Endpoint::Invalid => false,
        };
        if check_endpoint {
            match endpoints.entry(parsed.endpoint.clone()) {
                Entry::Occupied(taken) => {
                    let (first, other) = taken.get();
                    diags.push(
                        Diagnostic::error(
                            path,
                            format!("{at}.networking.endpoint"),
                            format!("endpoint is already used by API `{other}` (entry [{first}])"),
                        )
                        .with_value(parsed.endpoint.clone())
                        .with_fix("give each API its own `networking.endpoint`"),
                    );
                }
                Entry::Vacant(free) => {
                    free.insert((index, parsed.name.clone()));
                }
            }
        }
        apis.push(parsed);
    }
    apis
}

/// Where an API's endpoint came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    /// `networking.endpoint`, valid.
    Explicit,
    /// Not set: `/<name>`.
    Default,
    /// Set but invalid (already reported): `/<name>` stands in.
    Invalid,
}

/// One API entry; `None` when it has no usable name.
fn read_one(
    path: &Path,
    index: usize,
    api: &Dict,
    ctx: &Context<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Option<(ApiConfig, Endpoint)> {
    let at = format!("[{index}]");
    let field = |key: &str| format!("{at}.{key}");
    let err = |key: &str, value: &Value, p: Problem| {
        Diagnostic::error(path, field(key), p.message)
            .with_value_opt(shown(value))
            .with_fix(p.fix)
    };
    let set = |v: Option<&Value>| v.filter(|v| !matches!(v, Value::Empty(..))).cloned();

    // name
    let name = match set(api.get("name")) {
        None => {
            diags.push(crate::read::missing_key(
                path,
                &at,
                "name",
                api,
                "add `name: <api name>` to this entry",
            ));
            None
        }
        Some(v) => match string(&v, &field("name"), path) {
            Err(d) => {
                diags.push(*d);
                None
            }
            Ok(name) => {
                let valid = validate::api_name(&name)
                    .map_err(|p| diags.push(err("name", &v, p)))
                    .is_ok();
                Some((name, valid))
            }
        },
    };

    // kind
    let kind = match set(api.get("kind")) {
        None => {
            diags.push(crate::read::missing_key(
                path,
                &at,
                "kind",
                api,
                &format!(
                    "add `kind:` with one of {}",
                    crate::model::one_of(crate::model::API_KINDS)
                ),
            ));
            String::new()
        }
        Some(v) => match string(&v, &field("kind"), path) {
            Err(d) => {
                diags.push(*d);
                String::new()
            }
            Ok(kind) => {
                if let Err(p) = validate::api_kind(&kind) {
                    diags.push(err("kind", &v, p));
                }
                kind
            }
        },
    };

    // networking
    let networking = match set(api.get("networking")) {
        None => Dict::new(),
        Some(Value::Dict(_, d)) => d,
        Some(other) => {
            diags.push(wrong_type(&other, &field("networking"), "a mapping", path));
            Dict::new()
        }
    };
    let (endpoint, endpoint_source) = match set(networking.get("endpoint")) {
        None => (None, Endpoint::Default),
        Some(v) => match string(&v, &field("networking.endpoint"), path) {
            Err(d) => {
                diags.push(*d);
                (None, Endpoint::Invalid)
            }
            Ok(text) => match validate::endpoint(&text) {
                Ok(normalised) => (Some(normalised), Endpoint::Explicit),
                Err(p) => {
                    diags.push(err("networking.endpoint", &v, p));
                    (None, Endpoint::Invalid)
                }
            },
        },
    };
    let explicit_gateway = set(networking.get("api_gateway")).and_then(|v| {
        typed::<ApiGateway>(
            &v,
            &field("networking.api_gateway"),
            Expect::OneOf(ApiGateway::SPELLINGS),
            path,
        )
        .map_err(|d| diags.push(*d))
        .ok()
    });
    let timeout_value = set(networking.get("timeout"));
    let timeout_seconds = timeout_value
        .as_ref()
        .and_then(|v| timeout(v, &field("networking.timeout"), path, diags));

    let (name, name_valid) = name?;
    let api_gateway = match (ctx.cluster_gateway, explicit_gateway) {
        (ClusterGateway::Disabled, Some(ApiGateway::Public)) => {
            diags.push(
                Diagnostic::error(
                    path,
                    field("networking.api_gateway"),
                    "`api_gateway: public` is not permitted because api gateway is disabled cluster-wide",
                )
                .with_value("public")
                .with_fix(format!(
                    "set `networking.api_gateway: none` for API `{name}`, or set `api_gateway: public` in {}",
                    ctx.cluster_file.display()
                )),
            );
            ApiGateway::None
        }
        (ClusterGateway::Disabled, _) => ApiGateway::None,
        (ClusterGateway::Public, explicit) => explicit.unwrap_or_default(),
    };
    if let (ApiGateway::Public, Some(seconds), Some(v)) =
        (api_gateway, timeout_seconds, &timeout_value)
        && let Some(p) = validate::timeout_limit(&name, seconds, ctx.gateway_type)
    {
        diags.push(
            Diagnostic::warning(path, field("networking.timeout"), p.message)
                .with_value_opt(shown(v))
                .with_fix(p.fix),
        );
    }
    // An invalid name makes the default endpoint invalid too: that is one mistake, reported once.
    if !name_valid && endpoint.is_none() {
        return None;
    }
    let api = ApiConfig {
        endpoint: endpoint.unwrap_or_else(|| format!("/{name}")),
        name,
        kind,
        api_gateway,
        timeout_seconds,
    };
    Some((api, endpoint_source))
}

/// `networking.timeout`: whole seconds, or a string such as `45s` or `1m30s`.
fn timeout(value: &Value, field: &str, path: &Path, diags: &mut Vec<Diagnostic>) -> Option<u64> {
    let expected = "a whole number of seconds, e.g. `45` or `\"45s\"`";
    let seconds = match value {
        Value::Num(..) => typed::<u64>(value, field, Expect::Shape(expected), path)
            .map_err(|d| diags.push(*d))
            .ok()?,
        Value::String(_, text) => match validate::parse_duration_seconds(text) {
            Some(s) => s,
            None => {
                diags.push(
                    Diagnostic::error(path, field, "not a duration")
                        .with_value(text.clone())
                        .with_fix(format!("use {expected}")),
                );
                return None;
            }
        },
        other => {
            diags.push(wrong_type(other, field, expected, path));
            return None;
        }
    };
    if let Err(p) = validate::timeout(seconds) {
        diags.push(
            Diagnostic::error(path, field, p.message)
                .with_value_opt(shown(value))
                .with_fix(p.fix),
        );
        return None;
    }
    Some(seconds)
}
