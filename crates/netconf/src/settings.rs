//! Reading cortex-net's own settings: `cortex-net.yaml` < `CORTEX_NET_*` environment
//! variables < command-line overrides, layered with figment.
//!
//! These keys are ours, so unknown keys are errors (with a did-you-mean when close).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::value::{Dict, Value};

use crate::diagnostic::Diagnostic;
use crate::layers::{
    ENV_PREFIX, Layer, env_key, env_label, env_name_for, has_prefix, is_env_origin, is_non_setting,
};
use crate::model::{
    Cors, EndpointType, GatewayKind, GatewaySettings, Overrides, Settings, VpcLinkVersion,
};
use crate::read::{Expect, Layered, source_errors, wrong_type};
use crate::suggest::{closest, distance};
use crate::validate;
use crate::yaml::{self, FileLayer};

const TOP_KEYS: &[&str] = &[
    "gateway",
    "load_balancer",
    "apis",
    "api_keys",
    "usage_plans",
];
const GATEWAY_KEYS: &[&str] = &[
    "type",
    "stage",
    "endpoint_type",
    "cors",
    "vpc_link",
    "vpc_link_timeout_seconds",
    "domain",
    "certificate_arn",
    "auth",
    "jwt",
    "throttle",
    "access_logs",
];
const CORS_KEYS: &[&str] = &[
    "allow_origins",
    "allow_methods",
    "allow_headers",
    "max_age_seconds",
];

/// Every known key path, for suggestions across levels.
const ALL_PATHS: &[&str] = &[
    "gateway",
    "load_balancer",
    "gateway.type",
    "gateway.stage",
    "gateway.endpoint_type",
    "gateway.cors",
    "gateway.vpc_link",
    "gateway.vpc_link_timeout_seconds",
    "gateway.domain",
    "gateway.certificate_arn",
    "gateway.cors.allow_origins",
    "gateway.cors.allow_methods",
    "gateway.cors.allow_headers",
    "gateway.cors.max_age_seconds",
    "gateway.auth",
    "gateway.jwt",
    "gateway.jwt.issuer",
    "gateway.jwt.audiences",
    "gateway.throttle",
    "gateway.throttle.rate",
    "gateway.throttle.burst",
    "gateway.access_logs",
    "gateway.access_logs.destination_arn",
    "gateway.access_logs.format",
    "apis",
    "api_keys",
    "usage_plans",
];

/// Settings read from the file only: lists of mappings, and the mapping of per-API overrides
/// (whose leaves, `apis.<name>.auth` and the like, variables may still set).
const FILE_ONLY: &[&str] = &["apis", "api_keys", "usage_plans"];

/// Mappings whose leaves are the settings (no variable sets them whole).
const CONTAINERS: &[&str] = &[
    "gateway",
    "gateway.jwt",
    "gateway.throttle",
    "gateway.access_logs",
];

/// True for `apis.<name>.auth`, `apis.<name>.scopes`, `apis.<name>.throttle[.rate|.burst]`.
fn is_api_override(key: &str) -> bool {
    let parts: Vec<&str> = key.split('.').collect();
    match parts.as_slice() {
        ["apis", _, leaf] => crate::protection::API_KEYS.contains(leaf),
        ["apis", _, "throttle", leaf] => crate::protection::THROTTLE_KEYS.contains(leaf),
        _ => false,
    }
}

/// The label blamed when no settings file is used and a value's source is unknown.
const NO_FILE: &str = "cortex-net settings";

/// The layers, in increasing priority.
pub(crate) fn figment(
    file: Option<&Path>,
    env: Vec<Layer>,
    overrides: &Overrides,
    diags: &mut Vec<Diagnostic>,
) -> Figment {
    let mut fig = Figment::new();
    if let Some(path) = file {
        match yaml::read_file(
            path,
            "check the path, or leave `--settings` out to use `cortex-net.yaml` beside cluster.yaml",
        )
        .and_then(|value| yaml::mapping(path, value))
        {
            Err(d) => diags.push(*d),
            Ok(dict) => fig = fig.merge(FileLayer::new(path, dict)),
        }
    }
    for layer in env {
        fig = fig.merge(layer);
    }
    let options = [
        (
            "--gateway-type",
            "gateway.type",
            overrides.gateway_type.map(|t| t.as_str().to_string()),
        ),
        ("--stage", "gateway.stage", overrides.stage.clone()),
        (
            "--load-balancer",
            "load_balancer",
            overrides.load_balancer.clone(),
        ),
    ];
    for (flag, key, value) in options {
        if let Some(value) = value {
            fig = fig.merge(Layer::option(flag, key, Value::from(value)));
        }
    }
    fig
}

/// The settings, best effort: fields in error keep their defaults.
pub(crate) fn read(
    fig: &Figment,
    file: Option<&Path>,
    env: &BTreeMap<String, String>,
    diags: &mut Vec<Diagnostic>,
) -> Settings {
    let fallback: PathBuf = file.map_or_else(|| PathBuf::from(NO_FILE), Path::to_path_buf);
    let mut settings = Settings::default();
    let root = match fig.extract::<Dict>() {
        Ok(root) => root,
        Err(e) => {
            diags.extend(source_errors(e, &fallback));
            return settings;
        }
    };
    let doc = Layered {
        fig,
        fallback: &fallback,
    };
    check_keys(&doc, &root, diags);

    settings.gateway = read_gateway(&doc, diags);
    settings.load_balancer = doc.checked_string("load_balancer", validate::load_balancer, diags);
    let base_dir = file.and_then(Path::parent).unwrap_or_else(|| Path::new(""));
    let inputs = crate::protection::Inputs {
        kind: settings.gateway.r#type,
        env,
        base_dir,
    };
    settings.protection = crate::protection::read(&doc, &inputs, diags);
    settings
}

/// The protection rules that need the published APIs (see [`crate::protection::Published`]).
pub(crate) fn check_protection(
    fig: &Figment,
    file: Option<&Path>,
    settings: &Settings,
    published: crate::protection::Published<'_>,
    diags: &mut Vec<Diagnostic>,
) {
    let fallback: PathBuf = file.map_or_else(|| PathBuf::from(NO_FILE), Path::to_path_buf);
    let doc = Layered {
        fig,
        fallback: &fallback,
    };
    crate::protection::check_in_context(
        &doc,
        &settings.protection,
        settings.gateway.r#type,
        published,
        diags,
    );
}

/// `gateway`, in the order its rules depend on: the type first (the stage, the endpoint type
/// and the VPC link are checked against it).
fn read_gateway(doc: &Layered<'_>, diags: &mut Vec<Diagnostic>) -> GatewaySettings {
    let mut gw = GatewaySettings::default();
    if let Some(t) =
        doc.get::<GatewayKind>("gateway.type", Expect::OneOf(GatewayKind::SPELLINGS), diags)
    {
        gw.r#type = t.value;
    }
    let kind = gw.r#type;
    gw.stage = doc.checked_string("gateway.stage", |s| validate::stage(s, kind), diags);
    if let Some(endpoint_type) = read_endpoint_type(doc, kind, diags) {
        gw.endpoint_type = endpoint_type;
    }
    gw.cors = read_cors(doc, diags);
    gw.vpc_link = doc.checked(
        "gateway.vpc_link",
        Expect::OneOf(VpcLinkVersion::SPELLINGS),
        |link| validate::vpc_link_for(kind, *link),
        diags,
    );
    if let Some(seconds) = doc.checked(
        "gateway.vpc_link_timeout_seconds",
        Expect::Shape("a whole number of seconds from 10 to 3600"),
        |seconds| validate::vpc_link_timeout(*seconds),
        diags,
    ) {
        gw.vpc_link_timeout_seconds = seconds;
    }
    gw.domain = doc.checked_string("gateway.domain", validate::domain, diags);
    gw.certificate_arn =
        doc.checked_string("gateway.certificate_arn", validate::certificate_arn, diags);
    gw
}

/// `gateway.endpoint_type`; `edge` on an HTTP API is kept but warned about (it has no effect).
fn read_endpoint_type(
    doc: &Layered<'_>,
    kind: GatewayKind,
    diags: &mut Vec<Diagnostic>,
) -> Option<EndpointType> {
    let found = doc.get::<EndpointType>(
        "gateway.endpoint_type",
        Expect::OneOf(EndpointType::SPELLINGS),
        diags,
    )?;
    if found.value == EndpointType::Edge && kind == GatewayKind::Http {
        diags.push(
            Diagnostic::warning(&found.origin, "gateway.endpoint_type", "ignored for HTTP APIs, which are always regional")
                .with_value("edge")
                .with_fix("remove `gateway.endpoint_type`, or set `gateway.type: rest` for an edge-optimized API"),
        );
    }
    Some(found.value)
}

/// `gateway.cors`: `true` (allow all), `false` (none) or a mapping.
fn read_cors(doc: &Layered<'_>, diags: &mut Vec<Diagnostic>) -> Option<Cors> {
    let value = doc.raw("gateway.cors")?;
    match value {
        Value::Bool(_, true) => Some(Cors::allow_all()),
        Value::Bool(_, false) => None,
        Value::Dict(..) => {
            let list = |key: &str, diags: &mut Vec<Diagnostic>| {
                doc.get_string_list(&format!("gateway.cors.{key}"), diags)
                    .map(|f| f.value)
                    .unwrap_or_default()
            };
            Some(Cors {
                allow_origins: list("allow_origins", diags),
                allow_methods: list("allow_methods", diags),
                allow_headers: list("allow_headers", diags),
                max_age_seconds: doc.checked(
                    "gateway.cors.max_age_seconds",
                    Expect::Shape("a whole number of seconds"),
                    |age| validate::cors_max_age(*age),
                    diags,
                ),
            })
        }
        other => {
            let origin = doc.origin(&other);
            diags.push(wrong_type(
                &other,
                "gateway.cors",
                "`true`, `false` or a mapping with `allow_origins`, `allow_methods`, `allow_headers`, `max_age_seconds`",
                &origin,
            ));
            None
        }
    }
}

/// Unknown keys at every level, and `gateway` / `gateway.cors` that are not mappings.
fn check_keys(doc: &Layered<'_>, root: &Dict, diags: &mut Vec<Diagnostic>) {
    for key in root.keys() {
        if !TOP_KEYS.contains(&key.as_str()) {
            unknown_key(doc, "", key, TOP_KEYS, diags);
        }
    }
    let Some(gateway) = doc.raw("gateway") else {
        return;
    };
    let Value::Dict(_, gateway) = gateway else {
        let origin = doc.origin(&gateway);
        diags.push(wrong_type(
            &gateway,
            "gateway",
            "a mapping of gateway settings",
            &origin,
        ));
        return;
    };
    for key in gateway.keys() {
        if !GATEWAY_KEYS.contains(&key.as_str()) {
            unknown_key(doc, "gateway", key, GATEWAY_KEYS, diags);
        }
    }
    if let Some(Value::Dict(_, cors)) = doc.raw("gateway.cors") {
        for key in cors.keys() {
            if !CORS_KEYS.contains(&key.as_str()) {
                unknown_key(doc, "gateway.cors", key, CORS_KEYS, diags);
            }
        }
    }
}

/// `key` under `parent`, dotted.
fn under(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// The known key an unknown one was probably meant to be. Only close spellings count, and
/// closeness is measured on the key itself (not on a long shared prefix), so that what is
/// suggested is what the user most likely meant, and is always a real setting.
fn suggestion(parent: &str, key: &str, siblings: &[&str]) -> Option<String> {
    if let Some(sibling) = closest(key, siblings) {
        return Some(under(parent, sibling));
    }
    let here = under(parent, key);
    // Right name at the wrong level (`stage` at the top, `load_balancer` under `gateway`).
    if let Some(p) = ALL_PATHS
        .iter()
        .find(|p| p.rsplit('.').next() == Some(key) && **p != here)
    {
        return Some(p.to_string());
    }
    // A flattened path (`gateway_type`, `gateway_vpc_lnk`).
    let flat = here.replace('.', "_").to_ascii_lowercase();
    let limit = (key.chars().count() / 3).clamp(1, 2);
    ALL_PATHS
        .iter()
        .map(|p| (distance(&flat, &p.replace('.', "_")), p))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, p)| p.to_string())
}

/// The setting variables, for suggestions and messages (not `CORTEX_NET_GATEWAY` alone).
fn env_names() -> Vec<(String, &'static str)> {
    ALL_PATHS
        .iter()
        .filter(|p| !CONTAINERS.contains(p) && !FILE_ONLY.contains(p))
        .map(|p| (env_name_for(p), *p))
        .collect()
}

/// The setting variable an unknown one was probably meant to be.
fn env_suggestion(name: &str) -> Option<String> {
    let upper = name.trim().to_ascii_uppercase();
    let rest = upper.get(ENV_PREFIX.len()..).unwrap_or_default();
    let names = env_names();
    // The same last word at another level (`CORTEX_NET_STAGE`).
    let leaf = rest
        .rsplit("__")
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let close = names
        .iter()
        .map(|(n, _)| {
            (
                distance(rest, n.get(ENV_PREFIX.len()..).unwrap_or_default()),
                n,
            )
        })
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n.clone());
    close.or_else(|| {
        names
            .iter()
            .find(|(_, p)| p.rsplit('.').next() == Some(leaf.as_str()))
            .map(|(n, _)| n.clone())
    })
}

/// The `CORTEX_NET_*` variables that name a setting; every other one (but the tooling's, see
/// [`crate::layers::NON_SETTING_VARS`]) is an error naming the variable, with the variable it
/// was probably meant to be.
pub(crate) fn setting_vars(
    vars: Vec<(String, String)>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<(String, String)> {
    let mut kept = Vec::new();
    let mut vars = vars;
    vars.sort();
    for (name, value) in vars {
        if !has_prefix(&name) || is_non_setting(&name) {
            continue;
        }
        let key = env_key(&name);
        if let Some(key) = &key
            && ((ALL_PATHS.contains(&key.as_str()) && !FILE_ONLY.contains(&key.as_str()))
                || key.starts_with("gateway.cors.")
                || is_api_override(key))
        {
            kept.push((name, value));
            continue;
        }
        let origin = env_label(&name);
        if let Some(key) = &key
            && FILE_ONLY.contains(&key.as_str())
        {
            diags.push(
                Diagnostic::error(&origin, key.as_str(), "is read from cortex-net.yaml only")
                    .with_fix(format!(
                        "unset the variable and write `{key}:` in cortex-net.yaml \
                         (a variable may set `CORTEX_NET_APIS__<NAME>__AUTH` and the like)"
                    )),
            );
            continue;
        }
        let field = key.unwrap_or_default();
        let all = env_names()
            .into_iter()
            .map(|(n, _)| n)
            .collect::<Vec<_>>()
            .join(", ");
        let diagnostic = match env_suggestion(&name) {
            Some(suggested) => Diagnostic::error(
                &origin,
                field,
                format!("not a cortex-net setting; did you mean {suggested}?"),
            )
            .with_value(value)
            .with_fix(format!(
                "rename the variable to {suggested} (nested keys are joined with `__`, two underscores)"
            )),
            None => Diagnostic::error(&origin, field, "not a cortex-net setting")
                .with_value(value)
                .with_fix(format!("unset the variable; the settings are {all}")),
        };
        diags.push(diagnostic);
    }
    kept
}

/// How to write the dotted path `p` in YAML: `gateway:` → `type:`.
fn yaml_path(p: &str) -> String {
    p.split('.')
        .map(|k| format!("`{k}:`"))
        .collect::<Vec<_>>()
        .join(" → ")
}

fn unknown_key(
    doc: &Layered<'_>,
    parent: &str,
    key: &str,
    siblings: &[&str],
    diags: &mut Vec<Diagnostic>,
) {
    let origin = doc.origin_of_key(&under(parent, key));
    unknown_key_at(&origin, parent, key, siblings, diags);
}

/// An unknown `key` under `parent`, supplied by `origin`, with a did-you-mean among `siblings`
/// (or any known path).
pub(crate) fn unknown_key_at(
    origin: &Path,
    parent: &str,
    key: &str,
    siblings: &[&str],
    diags: &mut Vec<Diagnostic>,
) {
    let path = under(parent, key);
    let origin = origin.to_path_buf();
    let from_env = is_env_origin(&origin);
    let suggested = suggestion(parent, key, siblings);
    let known = siblings
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let shown_key = crate::text::shown(key);
    let diagnostic = match (&suggested, from_env) {
        (Some(s), true) => Diagnostic::error(
            &origin,
            &path,
            format!("unknown setting; did you mean `{s}`?"),
        )
        .with_fix(format!(
            "use the key `{}` instead",
            s.rsplit('.').next().unwrap_or(s)
        )),
        (None, true) => Diagnostic::error(&origin, &path, "unknown setting")
            .with_fix(format!("remove it; settings here: {known}")),
        (Some(s), false) => {
            let fix = match s.rsplit_once('.') {
                Some((p, leaf)) if p == parent => {
                    format!("rename `{shown_key}` under `{parent}:` to `{leaf}`")
                }
                None if parent.is_empty() => format!("rename `{shown_key}` to `{s}`"),
                _ => format!("remove `{path}` and write it as {} instead", yaml_path(s)),
            };
            Diagnostic::error(&origin, &path, format!("unknown key; did you mean `{s}`?"))
                .with_fix(fix)
        }
        (None, false) => Diagnostic::error(&origin, &path, "unknown key")
            .with_fix(format!("remove it; valid keys here: {known}")),
    };
    diags.push(diagnostic);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_within_and_across_levels() {
        let cases = [
            ("gateway", "tpye", GATEWAY_KEYS, Some("gateway.type")),
            ("", "gatway", TOP_KEYS, Some("gateway")),
            ("", "stage", TOP_KEYS, Some("gateway.stage")),
            ("", "gateway_type", TOP_KEYS, Some("gateway.type")),
            ("", "gateway_vpc_lnk", TOP_KEYS, Some("gateway.vpc_link")),
            (
                "gateway",
                "load_balancer",
                GATEWAY_KEYS,
                Some("load_balancer"),
            ),
            (
                "gateway.cors",
                "allow_origin",
                CORS_KEYS,
                Some("gateway.cors.allow_origins"),
            ),
            ("", "api_key", TOP_KEYS, Some("api_keys")),
            ("", "usage_plan", TOP_KEYS, Some("usage_plans")),
            ("", "auth", TOP_KEYS, Some("gateway.auth")),
            ("", "throttle", TOP_KEYS, Some("gateway.throttle")),
            (
                "gateway",
                "access_log",
                GATEWAY_KEYS,
                Some("gateway.access_logs"),
            ),
            ("gateway", "throtle", GATEWAY_KEYS, Some("gateway.throttle")),
            ("", "cluster", TOP_KEYS, None),
            // A long shared prefix does not make a far word close.
            ("gateway", "timeout", GATEWAY_KEYS, None),
            ("gateway.cors", "origins", CORS_KEYS, None),
        ];
        for (parent, key, siblings, expected) in cases {
            assert_eq!(
                suggestion(parent, key, siblings).as_deref(),
                expected,
                "{parent}.{key}"
            );
        }
    }

    #[test]
    fn every_suggestion_is_a_real_setting() {
        for (parent, siblings) in [
            ("", TOP_KEYS),
            ("gateway", GATEWAY_KEYS),
            ("gateway.cors", CORS_KEYS),
        ] {
            for word in [
                "tpye",
                "stag",
                "cros",
                "domian",
                "x",
                "gateway_type",
                "load_balancer",
                "allow_origin",
                "vpclink",
                "Stage",
            ] {
                if let Some(s) = suggestion(parent, word, siblings) {
                    assert!(ALL_PATHS.contains(&s.as_str()), "{parent}.{word} -> {s}");
                }
            }
        }
    }

    #[test]
    fn env_suggestions() {
        let cases = [
            ("CORTEX_NET_GATEWAY_TYPE", Some("CORTEX_NET_GATEWAY__TYPE")),
            ("CORTEX_NET_GATEWAY__TPYE", Some("CORTEX_NET_GATEWAY__TYPE")),
            ("cortex_net_loadbalancer", Some("CORTEX_NET_LOAD_BALANCER")),
            ("CORTEX_NET_STAGE", Some("CORTEX_NET_GATEWAY__STAGE")),
            (
                "CORTEX_NET_GATEWAY_CORS__ALLOW_ORIGINS",
                Some("CORTEX_NET_GATEWAY__CORS__ALLOW_ORIGINS"),
            ),
            ("CORTEX_NET_GATEWAY_AUTH", Some("CORTEX_NET_GATEWAY__AUTH")),
            (
                "CORTEX_NET_GATEWAY__THROTTLE__RATES",
                Some("CORTEX_NET_GATEWAY__THROTTLE__RATE"),
            ),
            ("CORTEX_NET_GATEWAY__TIMEOUT", None),
            ("CORTEX_NET_CLUSTER", None),
        ];
        for (name, expected) in cases {
            assert_eq!(env_suggestion(name).as_deref(), expected, "{name}");
        }
    }
}
