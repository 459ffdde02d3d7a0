//! The protection rules that need Cortex's API file: `apis.<name>` must name an API of the file
//! that is on the gateway, and the authorization in effect on the published routes must be
//! usable (a JWT authorizer configured for `jwt`, a usage plan with a key for `api_key`).

use std::collections::BTreeSet;
use std::path::Path;

use figment::value::Value;

use super::Node;
use crate::diagnostic::Diagnostic;
use crate::model::{ApiConfig, ApiGateway, Auth, GatewayKind, ProtectionSettings, one_of};
use crate::read::Layered;
use crate::validate::Problem;

/// Which routes the gateway will publish.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Published<'a> {
    /// None: the cluster disables API Gateway.
    Nothing,
    /// The catch-all route, with the defaults (no API file given). Overrides cannot be checked
    /// against APIs, and count as in effect.
    CatchAll,
    /// The APIs of `file` whose `api_gateway` is `public`; `complete` is false when the file
    /// had errors (some entries may be missing, so no override is called unknown).
    Apis {
        apis: &'a [ApiConfig],
        file: &'a Path,
        complete: bool,
        /// The cluster's `api_gateway: disabled` keeps every API off the gateway.
        cluster_disabled: bool,
    },
}

/// Reports overrides of APIs that are unknown or not on the gateway, and authorizations in
/// effect that nobody could pass.
pub(crate) fn check_in_context(
    doc: &Layered<'_>,
    protection: &ProtectionSettings,
    kind: GatewayKind,
    published: Published<'_>,
    diags: &mut Vec<Diagnostic>,
) {
    check_overrides(doc, protection, published, diags);
    let in_effect = in_effect(protection, published);
    if kind == GatewayKind::Http && protection.jwt.is_none() && doc.raw("gateway.jwt").is_none() {
        for field in blamed(&in_effect, Auth::Jwt) {
            diags.push(missing_jwt(doc, &field));
        }
    }
    if kind == GatewayKind::Rest && !any_plan_lists_a_key(doc) {
        for field in blamed(&in_effect, Auth::ApiKey) {
            diags.push(no_key_to_call(doc, &field));
        }
    }
}

/// `apis.<name>` against the API file, when there is one.
fn check_overrides(
    doc: &Layered<'_>,
    protection: &ProtectionSettings,
    published: Published<'_>,
    diags: &mut Vec<Diagnostic>,
) {
    let Published::Apis {
        apis,
        file,
        complete,
        cluster_disabled,
    } = published
    else {
        return;
    };
    let names: Vec<&str> = apis.iter().map(|a| a.name.as_str()).collect();
    let file_name = file.display().to_string();
    for name in protection.apis.keys() {
        let field = format!("apis.{name}");
        let origin = doc.origin_of_key(&field);
        match apis.iter().find(|a| &a.name == name) {
            None if complete => {
                let (message, fix) = match crate::suggest::closest(name, &names) {
                    Some(close) => (
                        format!(
                            "no API named `{}` in {file_name}; did you mean `{close}`?",
                            crate::text::shown(name)
                        ),
                        format!("rename `{field}` to `apis.{close}`"),
                    ),
                    None if names.is_empty() => (
                        format!("no API named `{}` in {file_name}", crate::text::shown(name)),
                        format!("remove `{field}`: {file_name} lists no APIs"),
                    ),
                    None => (
                        format!("no API named `{}` in {file_name}", crate::text::shown(name)),
                        format!("remove `{field}`, or use one of {}", one_of(&names)),
                    ),
                };
                diags.push(Diagnostic::error(&origin, &field, message).with_fix(fix));
            }
            Some(api) if api.api_gateway == ApiGateway::None => {
                let off = OffTheGateway {
                    field: &field,
                    name,
                    file,
                    cluster_disabled,
                };
                diags.push(off.diagnostic(&origin));
            }
            _ => {}
        }
    }
}

/// Protection asked for an API that is not on the gateway.
struct OffTheGateway<'a> {
    field: &'a str,
    name: &'a str,
    file: &'a Path,
    cluster_disabled: bool,
}

impl OffTheGateway<'_> {
    fn diagnostic(&self, origin: &Path) -> Diagnostic {
        let OffTheGateway { field, name, .. } = self;
        let (why, fix) = if self.cluster_disabled {
            (
                "API Gateway is disabled cluster-wide (`api_gateway: disabled` in cluster.yaml)"
                    .to_string(),
                format!("remove `{field}`, or set `api_gateway: public` in cluster.yaml"),
            )
        } else {
            (
                format!(
                    "it has `networking.api_gateway: none` in {}",
                    self.file.display()
                ),
                format!(
                    "set `networking.api_gateway: public` for `{name}` in {}, or remove `{field}`",
                    self.file.display()
                ),
            )
        };
        Diagnostic::error(
            origin,
            *field,
            format!("API `{name}` is not on the gateway ({why}): nothing to protect there"),
        )
        .with_fix(fix)
    }
}

/// The authorization of each published route, with the field that set it.
fn in_effect(protection: &ProtectionSettings, published: Published<'_>) -> Vec<(Auth, String)> {
    let field_of = |api: Option<&str>| match api {
        Some(name) if protection.apis.get(name).and_then(|o| o.auth).is_some() => {
            format!("apis.{name}.auth")
        }
        _ => "gateway.auth".to_string(),
    };
    match published {
        Published::Nothing => Vec::new(),
        Published::CatchAll => std::iter::once(None)
            .chain(protection.apis.keys().map(|name| Some(name.as_str())))
            .map(|api| (protection.auth_of(api), field_of(api)))
            .collect(),
        Published::Apis { apis, .. } => apis
            .iter()
            .filter(|api| api.api_gateway == ApiGateway::Public)
            .map(|api| {
                let name = Some(api.name.as_str());
                (protection.auth_of(name), field_of(name))
            })
            .collect(),
    }
}

/// The fields that set `auth` on a published route, each once.
fn blamed(in_effect: &[(Auth, String)], auth: Auth) -> BTreeSet<String> {
    in_effect
        .iter()
        .filter(|(a, _)| *a == auth)
        .map(|(_, field)| field.clone())
        .collect()
}

/// True when some entry of `usage_plans` lists a key (as written: a listed key with problems
/// of its own is reported where it is).
fn any_plan_lists_a_key(doc: &Layered<'_>) -> bool {
    let Some(Value::Array(_, plans)) = doc.raw("usage_plans") else {
        return false;
    };
    plans.iter().any(|plan| match plan {
        Value::Dict(_, d) => match d.get("keys") {
            Some(Value::Array(_, keys)) => !keys.is_empty(),
            Some(Value::String(..)) => true,
            _ => false,
        },
        _ => false,
    })
}

fn node(doc: &Layered<'_>, field: &str) -> Node {
    Node {
        field: field.to_string(),
        value: doc.raw(field).unwrap_or_else(|| Value::from("")),
        origin: doc.origin_of_key(field),
    }
}

/// `jwt` in effect without `gateway.jwt`.
fn missing_jwt(doc: &Layered<'_>, field: &str) -> Diagnostic {
    node(doc, field).problem(Problem {
        message: "JWT authorization needs a JWT authorizer, and `gateway.jwt` is not configured"
            .into(),
        fix:
            "add `gateway.jwt:` with `issuer: https://<your issuer>` and `audiences: [<client id>]`"
                .into(),
    })
}

/// `api_key` in effect and no usage plan with a key.
fn no_key_to_call(doc: &Layered<'_>, field: &str) -> Diagnostic {
    node(doc, field).problem(Problem {
        message: "`auth: api_key` needs a key bound by a usage plan, and no usage plan lists a key: nobody could call the API".into(),
        fix: "define a key and a plan that lists it: `api_keys: [{name: partner-a}]` and \
              `usage_plans: [{name: partners, keys: [partner-a]}]`"
            .into(),
    })
}
