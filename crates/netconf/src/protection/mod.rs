//! Reading the protection settings of `cortex-net.yaml`: `gateway.auth`, `gateway.jwt`,
//! `gateway.throttle`, `gateway.access_logs`, the per-API overrides `apis.<name>`, `api_keys`
//! and `usage_plans`.
//!
//! Submodules, one purpose each: `rules` (pure rules of single values), `keys` (API keys,
//! their values read from variables or files, usage plans), `context` (the rules that need
//! Cortex's API file: which APIs exist and which are on the gateway).

mod context;
mod keys;
pub(crate) mod rules;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use figment::value::{Dict, Value};
use serde::de::DeserializeOwned;

use crate::diagnostic::Diagnostic;
use crate::model::{
    AccessLog, ApiProtection, Auth, GatewayKind, JwtAuthorizer, ProtectionSettings, Throttle,
};
use crate::read::{Expect, Layered, missing_key, shown, string, string_list, typed, wrong_type};
use crate::validate::Problem;

pub(crate) use context::{Published, check_in_context};

/// Keys of `gateway.jwt`.
pub(crate) const JWT_KEYS: &[&str] = &["issuer", "audiences"];
/// Keys of a throttle (`gateway.throttle`, `apis.<name>.throttle`, a usage plan's).
pub(crate) const THROTTLE_KEYS: &[&str] = &["rate", "burst"];
/// Keys of `gateway.access_logs`.
pub(crate) const ACCESS_LOG_KEYS: &[&str] = &["destination_arn", "format"];
/// Keys of `apis.<name>`.
pub(crate) const API_KEYS: &[&str] = &["auth", "scopes", "throttle"];
/// Keys of an entry of `api_keys`.
pub(crate) const KEY_KEYS: &[&str] = &["name", "value_env", "value_file"];
/// Keys of an entry of `usage_plans`.
pub(crate) const PLAN_KEYS: &[&str] = &["name", "throttle", "quota", "keys"];
/// Keys of a usage plan's `quota`.
pub(crate) const QUOTA_KEYS: &[&str] = &["limit", "period"];

/// What reading the protection settings needs besides the layered settings.
pub(crate) struct Inputs<'a> {
    pub kind: GatewayKind,
    /// Every environment variable given to the loader, for `value_env`.
    pub env: &'a BTreeMap<String, String>,
    /// The directory `value_file` paths are relative to (the settings file's).
    pub base_dir: &'a Path,
}

/// The protection settings, best effort: settings in error are left out (and reported).
pub(crate) fn read(
    doc: &Layered<'_>,
    inputs: &Inputs<'_>,
    diags: &mut Vec<Diagnostic>,
) -> ProtectionSettings {
    let kind = inputs.kind;
    let mut protection = ProtectionSettings::default();
    if let Some(node) = Node::at(doc, "gateway.auth")
        && let Some(auth) = node.auth(kind, diags)
    {
        protection.auth = auth;
    }
    protection.jwt = Node::at(doc, "gateway.jwt").and_then(|n| read_jwt(doc, &n, kind, diags));
    protection.throttle = Node::at(doc, "gateway.throttle").and_then(|n| n.throttle(doc, diags));
    protection.access_logs =
        Node::at(doc, "gateway.access_logs").and_then(|n| read_access_logs(doc, &n, kind, diags));
    if let Some(node) = Node::at(doc, "apis") {
        protection.apis = read_apis(doc, &node, kind, protection.auth, diags);
    }
    protection.api_keys = keys::read_keys(doc, inputs, diags);
    protection.usage_plans = keys::read_plans(doc, kind, &protection.api_keys, diags);
    protection
}

/// A value at a field path, with the file or label that supplied it.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub field: String,
    pub value: Value,
    pub origin: PathBuf,
}

impl Node {
    /// The value at the dotted `key`, unless absent or null.
    pub(crate) fn at(doc: &Layered<'_>, key: &str) -> Option<Node> {
        let value = doc.raw(key)?;
        Some(Node {
            field: key.to_string(),
            origin: doc.origin(&value),
            value,
        })
    }

    /// A node for `value` found at `field`.
    fn of(doc: &Layered<'_>, field: String, value: &Value) -> Node {
        Node {
            field,
            origin: doc.origin(value),
            value: value.clone(),
        }
    }

    /// The value of `key` in this mapping, unless absent or null.
    pub(crate) fn child(&self, doc: &Layered<'_>, key: &str) -> Option<Node> {
        let Value::Dict(_, dict) = &self.value else {
            return None;
        };
        let value = dict.get(key).filter(|v| !matches!(v, Value::Empty(..)))?;
        Some(Node::of(doc, format!("{}.{key}", self.field), value))
    }

    /// The error `problem` about this value.
    pub(crate) fn problem(&self, problem: Problem) -> Diagnostic {
        Diagnostic::error(&self.origin, &self.field, problem.message)
            .with_value_opt(shown(&self.value))
            .with_fix(problem.fix)
    }

    /// The mapping, with its unknown keys reported; `None` (reported) when not a mapping.
    pub(crate) fn mapping(
        &self,
        known: &[&str],
        expected: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<&Dict> {
        self.mapping_with(known, &[], expected, diags)
    }

    /// [`Node::mapping`], leaving alone the keys of `refused` (reported by the caller in its own
    /// words, and never suggested).
    pub(crate) fn mapping_with(
        &self,
        known: &[&str],
        refused: &[&str],
        expected: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<&Dict> {
        let Value::Dict(_, dict) = &self.value else {
            diags.push(wrong_type(&self.value, &self.field, expected, &self.origin));
            return None;
        };
        let unknown = |k: &&String| !known.contains(&k.as_str()) && !refused.contains(&k.as_str());
        for key in dict.keys().filter(unknown) {
            crate::settings::unknown_key_at(&self.origin, &self.field, key, known, diags);
        }
        Some(dict)
    }

    /// A required key of this mapping; reported (with a did-you-mean) when missing.
    pub(crate) fn required(
        &self,
        doc: &Layered<'_>,
        key: &str,
        fix: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Node> {
        let found = self.child(doc, key);
        if found.is_none()
            && let Value::Dict(_, dict) = &self.value
        {
            diags.push(missing_key(&self.origin, &self.field, key, dict, fix));
        }
        found
    }

    pub(crate) fn string(&self, diags: &mut Vec<Diagnostic>) -> Option<String> {
        string(&self.value, &self.field, &self.origin)
            .map_err(|d| diags.push(*d))
            .ok()
    }

    pub(crate) fn string_list(&self, diags: &mut Vec<Diagnostic>) -> Option<Vec<String>> {
        string_list(&self.value, &self.field, &self.origin)
            .map_err(|d| diags.push(*d))
            .ok()
    }

    pub(crate) fn typed<T: DeserializeOwned>(
        &self,
        expect: Expect<'_>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<T> {
        typed(&self.value, &self.field, expect, &self.origin)
            .map_err(|d| diags.push(*d))
            .ok()
    }

    /// A string held to `rule`; a refused value is reported and left out.
    pub(crate) fn checked_string(
        &self,
        rule: impl FnOnce(&str) -> Result<(), Problem>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<String> {
        let text = self.string(diags)?;
        match rule(&text) {
            Ok(()) => Some(text),
            Err(problem) => {
                diags.push(self.problem(problem));
                None
            }
        }
    }

    /// A whole number in `range`, or the problem (with `fix`) reported.
    pub(crate) fn whole(
        &self,
        range: std::ops::RangeInclusive<u64>,
        fix: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<u32> {
        match rules::whole_number(&self.value, range, fix) {
            Ok(n) => u32::try_from(n).ok(),
            Err(problem) => {
                diags.push(self.problem(problem));
                None
            }
        }
    }

    /// An authorization the gateway kind can enforce. One it cannot is reported and still
    /// returned, so that the rules after it see what was asked.
    pub(crate) fn auth(&self, kind: GatewayKind, diags: &mut Vec<Diagnostic>) -> Option<Auth> {
        let auth = self.typed::<Auth>(Expect::OneOf(Auth::SPELLINGS), diags)?;
        if let Err(problem) = rules::auth_for(kind, auth) {
            diags.push(self.problem(problem));
        }
        Some(auth)
    }

    /// A throttle mapping: `rate` and `burst`, both whole requests per second.
    pub(crate) fn throttle(
        &self,
        doc: &Layered<'_>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Throttle> {
        self.mapping(THROTTLE_KEYS, "a mapping with `rate` and `burst`", diags)?;
        let part = |key: &str, diags: &mut Vec<Diagnostic>| {
            let fix = rules::throttle_fix(key);
            self.required(doc, key, &fix, diags)
                .and_then(|node| node.whole(1..=rules::MAX_RATE, &fix, diags))
        };
        let rate = part("rate", diags);
        let burst = part("burst", diags);
        Some(Throttle {
            rate: rate?,
            burst: burst?,
        })
    }
}

/// `gateway.jwt`: the issuer (https) and the audiences (at least one).
fn read_jwt(
    doc: &Layered<'_>,
    node: &Node,
    kind: GatewayKind,
    diags: &mut Vec<Diagnostic>,
) -> Option<JwtAuthorizer> {
    node.mapping(JWT_KEYS, "a mapping with `issuer` and `audiences`", diags)?;
    if kind != GatewayKind::Http {
        let problem = rules::jwt_needs_http("remove `gateway.jwt`");
        diags.push(
            Diagnostic::error(&node.origin, &node.field, problem.message).with_fix(problem.fix),
        );
    }
    let issuer = node
        .required(
            doc,
            "issuer",
            "add `issuer:` with the https:// URL of the tokens' issuer (their `iss`)",
            diags,
        )
        .and_then(|n| n.checked_string(rules::issuer, diags));
    let audiences = node
        .required(
            doc,
            "audiences",
            "add `audiences:` with the client ids tokens are issued for, e.g. `audiences: [my-client-id]`",
            diags,
        )
        .and_then(|n| {
            let list = n.string_list(diags)?;
            if list.is_empty() || list.iter().any(|a| a.trim().is_empty()) {
                diags.push(n.problem(Problem {
                    message: "must list at least one audience, none empty".into(),
                    fix: "list the client ids tokens are issued for, e.g. `audiences: [my-client-id]`".into(),
                }));
                return None;
            }
            Some(list)
        });
    Some(JwtAuthorizer {
        issuer: issuer?,
        audiences: audiences?,
    })
}

/// `gateway.access_logs`: the log group's ARN and the line format (by default the gateway
/// kind's documented line).
fn read_access_logs(
    doc: &Layered<'_>,
    node: &Node,
    kind: GatewayKind,
    diags: &mut Vec<Diagnostic>,
) -> Option<AccessLog> {
    node.mapping(
        ACCESS_LOG_KEYS,
        "a mapping with `destination_arn` (and `format`)",
        diags,
    )?;
    let arn = node
        .required(
            doc,
            "destination_arn",
            "add `destination_arn:` with a log group's ARN, like `arn:aws:logs:us-west-2:123456789012:log-group:cortex-api`",
            diags,
        )
        .and_then(|n| n.checked_string(rules::log_group_arn, diags));
    let format = match node.child(doc, "format") {
        None => Some(kind.default_access_log_format().to_string()),
        Some(n) => n.checked_string(|format| rules::log_format(format, kind), diags),
    };
    Some(AccessLog {
        destination_arn: arn?,
        format: format?,
    })
}

/// `apis`: the per-API overrides, keyed by Cortex API name.
fn read_apis(
    doc: &Layered<'_>,
    node: &Node,
    kind: GatewayKind,
    default: Auth,
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<String, ApiProtection> {
    let mut apis = BTreeMap::new();
    let Value::Dict(_, dict) = &node.value else {
        diags.push(wrong_type(
            &node.value,
            "apis",
            "a mapping of Cortex API names to `auth`, `scopes` and `throttle`",
            &node.origin,
        ));
        return apis;
    };
    for (name, value) in dict {
        let api = Node::of(doc, format!("apis.{name}"), value);
        if let Some(overrides) = read_api(doc, &api, kind, default, diags) {
            apis.insert(name.clone(), overrides);
        }
    }
    apis
}

/// `apis.<name>`: its auth, scopes (jwt only) and throttle.
fn read_api(
    doc: &Layered<'_>,
    api: &Node,
    kind: GatewayKind,
    default: Auth,
    diags: &mut Vec<Diagnostic>,
) -> Option<ApiProtection> {
    api.mapping(
        API_KEYS,
        "a mapping with `auth`, `scopes` or `throttle`",
        diags,
    )?;
    let auth = api.child(doc, "auth").and_then(|n| n.auth(kind, diags));
    let throttle = api
        .child(doc, "throttle")
        .and_then(|n| n.throttle(doc, diags));
    let mut scopes = Vec::new();
    if let Some(node) = api.child(doc, "scopes") {
        let effective = auth.unwrap_or(default);
        if effective != Auth::Jwt {
            let fix = if kind == GatewayKind::Http {
                format!("remove `scopes`, or set `{}.auth: jwt`", api.field)
            } else {
                "remove `scopes`: REST APIs take no JWT scopes".to_string()
            };
            diags.push(node.problem(Problem {
                message: format!(
                    "scopes apply to `auth: jwt` only; this API's auth is `{effective}`"
                ),
                fix,
            }));
        } else if let Some(list) = node.string_list(diags) {
            for (index, scope) in list.iter().enumerate() {
                if let Err(problem) = rules::scope(scope) {
                    let at = Node::of(
                        doc,
                        format!("{}[{index}]", node.field),
                        &Value::from(scope.as_str()),
                    );
                    diags.push(
                        Node {
                            origin: node.origin.clone(),
                            ..at
                        }
                        .problem(problem),
                    );
                }
            }
            scopes = list;
        }
    }
    Some(ApiProtection {
        auth,
        scopes,
        throttle,
    })
}

#[cfg(test)]
mod tests;
