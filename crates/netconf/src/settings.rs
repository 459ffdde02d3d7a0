//! Reading cortex-net's own settings: `cortex-net.yaml` < `CORTEX_NET_*` environment
//! variables < command-line overrides, layered with figment.
//!
//! These keys are ours, so unknown keys are errors (with a did-you-mean when close).

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::Format;
use figment::value::{Dict, Value};
use serde_saphyr::figment::Yaml;

use crate::diagnostic::Diagnostic;
use crate::files::check_readable;
use crate::layers::{Layer, env_name_for, is_env_origin};
use crate::model::{Cors, EndpointType, GatewayType, Overrides, Settings, VpcLinkVersion};
use crate::read::{Expect, Layered, source_errors, wrong_type};
use crate::suggest::closest;
use crate::validate;

const TOP_KEYS: &[&str] = &["gateway", "load_balancer"];
const GATEWAY_KEYS: &[&str] = &[
    "type",
    "stage",
    "endpoint_type",
    "cors",
    "vpc_link",
    "vpc_link_timeout_seconds",
    "domain",
    "certificate_arn",
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
];

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
        match check_readable(
            path,
            "check the path, or leave it out to use `cortex-net.yaml` beside cluster.yaml",
        ) {
            Some(d) => diags.push(d),
            None => fig = fig.merge(Yaml::file_exact(path)),
        }
    }
    for layer in env {
        fig = fig.merge(layer);
    }
    if let Some(t) = overrides.gateway_type {
        fig = fig.merge(Layer::option(
            "--gateway-type",
            "gateway.type",
            Value::from(t.as_str()),
        ));
    }
    if let Some(stage) = &overrides.stage {
        fig = fig.merge(Layer::option(
            "--stage",
            "gateway.stage",
            Value::from(stage.as_str()),
        ));
    }
    if let Some(lb) = &overrides.load_balancer {
        fig = fig.merge(Layer::option(
            "--load-balancer",
            "load_balancer",
            Value::from(lb.as_str()),
        ));
    }
    fig
}

/// The settings, best effort: fields in error keep their defaults.
pub(crate) fn read(fig: &Figment, file: Option<&Path>, diags: &mut Vec<Diagnostic>) -> Settings {
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

    let gw = &mut settings.gateway;
    if let Some(t) =
        doc.get::<GatewayType>("gateway.type", Expect::OneOf(GatewayType::SPELLINGS), diags)
    {
        gw.r#type = t.value;
    }
    if let Some(stage) = doc.get_string("gateway.stage", diags) {
        stage.check(
            "gateway.stage",
            validate::stage(&stage.value, gw.r#type),
            diags,
        );
        gw.stage = Some(stage.value);
    }
    if let Some(e) = doc.get::<EndpointType>(
        "gateway.endpoint_type",
        Expect::OneOf(EndpointType::SPELLINGS),
        diags,
    ) {
        if e.value == EndpointType::Edge && gw.r#type == GatewayType::Http {
            diags.push(
                Diagnostic::warning(&e.origin, "gateway.endpoint_type", "ignored for HTTP APIs, which are always regional")
                    .with_value("edge")
                    .with_fix("remove `gateway.endpoint_type`, or set `gateway.type: rest` for an edge-optimized API"),
            );
        }
        gw.endpoint_type = e.value;
    }
    gw.cors = read_cors(&doc, diags);
    if let Some(link) = doc.get::<VpcLinkVersion>(
        "gateway.vpc_link",
        Expect::OneOf(VpcLinkVersion::SPELLINGS),
        diags,
    ) {
        link.check(
            "gateway.vpc_link",
            validate::vpc_link_for(gw.r#type, link.value),
            diags,
        );
        gw.vpc_link = Some(link.value);
    }
    if let Some(t) = doc.get::<u64>(
        "gateway.vpc_link_timeout_seconds",
        Expect::Shape("a whole number of seconds from 10 to 3600"),
        diags,
    ) {
        t.check(
            "gateway.vpc_link_timeout_seconds",
            validate::vpc_link_timeout(t.value),
            diags,
        );
        gw.vpc_link_timeout_seconds = t.value;
    }
    if let Some(domain) = doc.get_string("gateway.domain", diags) {
        domain.check("gateway.domain", validate::domain(&domain.value), diags);
        gw.domain = Some(domain.value);
    }
    if let Some(arn) = doc.get_string("gateway.certificate_arn", diags) {
        arn.check(
            "gateway.certificate_arn",
            validate::certificate_arn(&arn.value),
            diags,
        );
        gw.certificate_arn = Some(arn.value);
    }
    if let Some(lb) = doc.get_string("load_balancer", diags) {
        lb.check("load_balancer", validate::load_balancer(&lb.value), diags);
        settings.load_balancer = Some(lb.value);
    }
    settings
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
            let mut cors = Cors {
                allow_origins: list("allow_origins", diags),
                allow_methods: list("allow_methods", diags),
                allow_headers: list("allow_headers", diags),
                max_age_seconds: None,
            };
            let key = "gateway.cors.max_age_seconds";
            if let Some(age) =
                doc.get::<i32>(key, Expect::Shape("a whole number of seconds"), diags)
            {
                age.check(key, validate::cors_max_age(age.value), diags);
                cors.max_age_seconds = Some(age.value);
            }
            Some(cors)
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

/// The known key an unknown one was probably meant to be.
fn suggestion(parent: &str, key: &str, siblings: &[&str]) -> Option<String> {
    let under = |k: &str| {
        if parent.is_empty() {
            k.to_string()
        } else {
            format!("{parent}.{k}")
        }
    };
    if let Some(sibling) = closest(key, siblings) {
        return Some(under(sibling));
    }
    // Right name at the wrong level (`stage` at the top), or a flattened path
    // (`gateway_type`, as from `CORTEX_NET_GATEWAY_TYPE` with one underscore).
    let flat = under(key).replace('.', "_");
    ALL_PATHS
        .iter()
        .find(|p| p.rsplit('.').next() == Some(key) || p.replace('.', "_") == flat)
        .map(|p| p.to_string())
        .or_else(|| {
            let flattened: Vec<String> = ALL_PATHS.iter().map(|p| p.replace('.', "_")).collect();
            let refs: Vec<&str> = flattened.iter().map(String::as_str).collect();
            let hit = closest(&flat, &refs)?;
            ALL_PATHS
                .iter()
                .find(|p| p.replace('.', "_") == hit)
                .map(|p| p.to_string())
        })
}

fn unknown_key(
    doc: &Layered<'_>,
    parent: &str,
    key: &str,
    siblings: &[&str],
    diags: &mut Vec<Diagnostic>,
) {
    let path = if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    };
    let origin = doc.origin_of_key(&path);
    let from_env = is_env_origin(&origin);
    let suggested = suggestion(parent, key, siblings);
    let known = siblings
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let diagnostic = match (&suggested, from_env) {
        // A top-level variable may belong to the command line's own flags (clap reads
        // CORTEX_NET_* too): without a likely meaning it is none of our business.
        (None, true) if parent.is_empty() => return,
        (Some(s), true) if parent.is_empty() => Diagnostic::warning(
            &origin,
            &path,
            format!("unknown setting, ignored; did you mean `{s}`?"),
        )
        .with_fix(format!("rename the variable to {}", env_name_for(s))),
        (Some(s), true) => Diagnostic::error(
            &origin,
            &path,
            format!("unknown setting; did you mean `{s}`?"),
        )
        .with_fix(format!("rename the variable to {}", env_name_for(s))),
        (None, true) => Diagnostic::error(&origin, &path, "unknown setting")
            .with_fix(format!("unset it; settings here: {known}")),
        (Some(s), false) => {
            Diagnostic::error(&origin, &path, format!("unknown key; did you mean `{s}`?"))
                .with_fix(format!("rename `{path}` to `{s}`"))
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
        assert_eq!(
            suggestion("gateway", "tpye", GATEWAY_KEYS).as_deref(),
            Some("gateway.type")
        );
        assert_eq!(
            suggestion("", "gatway", TOP_KEYS).as_deref(),
            Some("gateway")
        );
        assert_eq!(
            suggestion("", "stage", TOP_KEYS).as_deref(),
            Some("gateway.stage")
        );
        assert_eq!(
            suggestion("", "gateway_type", TOP_KEYS).as_deref(),
            Some("gateway.type")
        );
        assert_eq!(
            suggestion("", "gateway_vpc_lnk", TOP_KEYS).as_deref(),
            Some("gateway.vpc_link")
        );
        assert_eq!(
            suggestion("gateway", "load_balancer", GATEWAY_KEYS).as_deref(),
            Some("load_balancer")
        );
        assert_eq!(
            suggestion("gateway.cors", "allow_origin", CORS_KEYS).as_deref(),
            Some("gateway.cors.allow_origins")
        );
        assert_eq!(suggestion("", "cluster", TOP_KEYS), None);
    }
}
