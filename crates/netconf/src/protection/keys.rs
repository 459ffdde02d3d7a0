//! `api_keys` and `usage_plans` (REST): names unique, key values read when the configuration
//! is loaded (from an environment variable or the first line of a file, never from the YAML
//! in clear, and never shown), every key a plan lists defined, a key in one plan at most.

use std::collections::BTreeMap;
use std::path::Path;

use figment::value::Value;

use super::rules;
use super::{Inputs, KEY_KEYS, Node, PLAN_KEYS, QUOTA_KEYS};
use crate::diagnostic::Diagnostic;
use crate::model::{
    ApiKeySpec, GatewayKind, KeySource, Quota, QuotaPeriod, SecretValue, UsagePlanSpec,
};
use crate::read::{Expect, Layered, wrong_type};
use crate::validate::Problem;

/// The entries of the list at `key` (`api_keys`, `usage_plans`), each a node named
/// `<key>[<index>]`; reported when the gateway kind is not REST or the value is not a list.
fn entries(
    doc: &Layered<'_>,
    key: &str,
    kind: GatewayKind,
    what: &str,
    diags: &mut Vec<Diagnostic>,
) -> Vec<Node> {
    let Some(list) = Node::at(doc, key) else {
        return Vec::new();
    };
    if kind != GatewayKind::Rest {
        let problem = rules::keys_need_rest(
            what,
            &format!("remove `{key}` (HTTP APIs authorize with `auth: jwt` or `auth: iam`)"),
        );
        diags.push(Diagnostic::error(&list.origin, key, problem.message).with_fix(problem.fix));
    }
    let Value::Array(_, items) = &list.value else {
        diags.push(wrong_type(
            &list.value,
            key,
            "a list of mappings, each starting with `- name:`",
            &list.origin,
        ));
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .map(|(index, item)| Node::of(doc, format!("{key}[{index}]"), item))
        .collect()
}

/// The entry's `name`, checked, and unique among `seen` (name -> field of its first use).
fn unique_name(
    doc: &Layered<'_>,
    entry: &Node,
    what: &str,
    seen: &mut BTreeMap<String, String>,
    diags: &mut Vec<Diagnostic>,
) -> Option<String> {
    let fix = format!("add `name:` to this {what}");
    let node = entry.required(doc, "name", &fix, diags)?;
    let name = node.checked_string(|n| rules::object_name(n, what), diags)?;
    if let Some(first) = seen.get(&name) {
        diags.push(node.problem(Problem {
            message: format!("the {what} name is already used by `{first}.name`"),
            fix: format!("give each {what} its own name: rename this one or `{first}`"),
        }));
        return None;
    }
    seen.insert(name.clone(), entry.field.clone());
    Some(name)
}

/// `api_keys`: each a name and where its value comes from.
pub(super) fn read_keys(
    doc: &Layered<'_>,
    inputs: &Inputs<'_>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<ApiKeySpec> {
    let mut seen = BTreeMap::new();
    let mut keys = Vec::new();
    for entry in entries(doc, "api_keys", inputs.kind, "API keys", diags) {
        if let Some(key) = read_key(doc, &entry, inputs, &mut seen, diags) {
            keys.push(key);
        }
    }
    keys
}

/// One entry of `api_keys`.
fn read_key(
    doc: &Layered<'_>,
    entry: &Node,
    inputs: &Inputs<'_>,
    seen: &mut BTreeMap<String, String>,
    diags: &mut Vec<Diagnostic>,
) -> Option<ApiKeySpec> {
    // `value:` in clear is refused before the unknown-key check, with its own sentence, and
    // never shown.
    entry.mapping_with(
        KEY_KEYS,
        &["value"],
        "a mapping with `name` (and `value_env` or `value_file`)",
        diags,
    )?;
    if let Some(clear) = entry.child(doc, "value") {
        diags.push(
            Diagnostic::error(
                &clear.origin,
                &clear.field,
                "an API key value is never in the file in clear: use value_env or value_file",
            )
            .with_fix(
                "remove `value:`; put the key in an environment variable and write `value_env: PARTNER_KEY`, \
                 or in a file and write `value_file: ./partner.key`, or leave both out to let AWS generate it",
            ),
        );
    }
    let name = unique_name(doc, entry, "API key", seen, diags);
    let from_env = entry.child(doc, "value_env");
    let from_file = entry.child(doc, "value_file");
    let (source, value) = match (from_env, from_file) {
        (Some(_), Some(file)) => {
            diags.push(file.problem(Problem {
                message:
                    "an API key takes its value from `value_env` or `value_file`, not both".into(),
                fix: "keep one of `value_env` and `value_file`".into(),
            }));
            return None;
        }
        (Some(var), None) => value_from_env(&var, inputs.env, diags)?,
        (None, Some(file)) => value_from_file(&file, inputs.base_dir, diags)?,
        (None, None) => (KeySource::Generated, None),
    };
    Some(ApiKeySpec {
        name: name?,
        source,
        value,
    })
}

/// `value_env`: the variable must be set and hold a value AWS accepts.
fn value_from_env(
    node: &Node,
    env: &BTreeMap<String, String>,
    diags: &mut Vec<Diagnostic>,
) -> Option<(KeySource, Option<SecretValue>)> {
    let var = node.checked_string(rules::variable_name, diags)?;
    let value = env.get(&var).filter(|v| !v.is_empty());
    let Some(value) = value else {
        let state = if env.contains_key(&var) {
            "empty"
        } else {
            "not set"
        };
        diags.push(node.problem(Problem {
            message: format!("the environment variable {var} is {state}"),
            fix: format!(
                "export {var} with the API key (20 to 128 characters) before running cortex-net, \
                 or remove `value_env` to let AWS generate the key"
            ),
        }));
        return None;
    };
    let from = format!("environment variable {var}");
    if let Err(problem) = rules::key_value(value, &from) {
        // The variable is named; its value, a secret, is not shown.
        diags.push(
            Diagnostic::error(&node.origin, &node.field, problem.message).with_fix(problem.fix),
        );
        return None;
    }
    Some((KeySource::Env(var), Some(SecretValue::new(value.clone()))))
}

/// `value_file`: the first line of a readable file, relative to the settings file.
fn value_from_file(
    node: &Node,
    base_dir: &Path,
    diags: &mut Vec<Diagnostic>,
) -> Option<(KeySource, Option<SecretValue>)> {
    let written = node.checked_string(
        |p| {
            if p.trim().is_empty() {
                Err(Problem {
                    message: "must not be empty".into(),
                    fix: "write the path of the file holding the key, e.g. `value_file: ./partner.key`".into(),
                })
            } else {
                Ok(())
            }
        },
        diags,
    )?;
    let path = base_dir.join(&written);
    let fix = "point `value_file` at a readable file holding the key on its first line (a relative path is relative to cortex-net.yaml)";
    let text =
        crate::files::read_bytes(&path, fix).and_then(|bytes| crate::files::decode(&path, bytes));
    let text = match text {
        Ok(text) => text,
        Err(d) => {
            diags.push(node.problem(Problem {
                message: format!("the key file cannot be read: {}", d.message),
                fix: fix.into(),
            }));
            return None;
        }
    };
    let first = text.lines().next().unwrap_or_default().trim();
    let from = format!("the first line of {}", crate::text::shown(&written));
    if first.is_empty() {
        diags.push(node.problem(Problem {
            message: format!("{from} is empty"),
            fix: "write the API key (20 to 128 characters) on the file's first line".into(),
        }));
        return None;
    }
    if let Err(problem) = rules::key_value(first, &from) {
        diags.push(
            Diagnostic::error(&node.origin, &node.field, problem.message).with_fix(problem.fix),
        );
        return None;
    }
    Some((KeySource::File(written), Some(SecretValue::new(first))))
}

/// `usage_plans`: names unique, keys defined under `api_keys`, a key in one plan at most (AWS
/// allows a key in one usage plan per stage, and every plan binds the one stage).
pub(super) fn read_plans(
    doc: &Layered<'_>,
    kind: GatewayKind,
    keys: &[ApiKeySpec],
    diags: &mut Vec<Diagnostic>,
) -> Vec<UsagePlanSpec> {
    let defined: Vec<&str> = keys.iter().map(|k| k.name.as_str()).collect();
    let declared = declared_keys(doc);
    let mut seen = BTreeMap::new();
    let mut taken: BTreeMap<String, String> = BTreeMap::new();
    let mut plans = Vec::new();
    for entry in entries(doc, "usage_plans", kind, "usage plans", diags) {
        if entry
            .mapping(
                PLAN_KEYS,
                "a mapping with `name`, `throttle`, `quota` and `keys`",
                diags,
            )
            .is_none()
        {
            continue;
        }
        let name = unique_name(doc, &entry, "usage plan", &mut seen, diags);
        let throttle = entry
            .child(doc, "throttle")
            .and_then(|n| n.throttle(doc, diags));
        let quota = entry
            .child(doc, "quota")
            .and_then(|n| read_quota(doc, &n, diags));
        let plan_keys = entry
            .child(doc, "keys")
            .map(|n| plan_keys(&n, &defined, &declared, &mut taken, diags))
            .unwrap_or_default();
        if let Some(name) = name {
            plans.push(UsagePlanSpec {
                name,
                throttle,
                quota,
                keys: plan_keys,
            });
        }
    }
    plans
}

/// Every name written under `api_keys`, valid or not: a plan naming a key whose entry has
/// another problem is not blamed a second time.
fn declared_keys(doc: &Layered<'_>) -> Vec<String> {
    let Some(Value::Array(_, items)) = doc.raw("api_keys") else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match item {
            Value::Dict(_, d) => match d.get("name") {
                Some(Value::String(_, name)) => Some(name.clone()),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// A plan's `keys`: each defined under `api_keys` (did-you-mean), listed once, and in no other
/// plan (`taken`: key name -> field of the plan entry that lists it).
fn plan_keys(
    node: &Node,
    defined: &[&str],
    declared: &[String],
    taken: &mut BTreeMap<String, String>,
    diags: &mut Vec<Diagnostic>,
) -> Vec<String> {
    let Some(names) = node.string_list(diags) else {
        return Vec::new();
    };
    let mut kept: Vec<String> = Vec::new();
    for (index, name) in names.into_iter().enumerate() {
        let at = Node {
            field: format!("{}[{index}]", node.field),
            value: Value::from(name.clone()),
            origin: node.origin.clone(),
        };
        if !defined.contains(&name.as_str()) {
            if !declared.contains(&name) {
                diags.push(at.problem(undefined_key(&name, defined)));
            }
            continue;
        }
        if kept.contains(&name) {
            continue;
        }
        if let Some(other) = taken.get(&name) {
            diags.push(at.problem(Problem {
                message: format!("API key `{name}` is already in usage plan `{other}`; AWS allows a key in one usage plan per stage"),
                fix: format!("list `{name}` in one usage plan only (remove it here or from `{other}.keys`)"),
            }));
            continue;
        }
        taken.insert(name.clone(), plan_field(&node.field));
        kept.push(name);
    }
    kept
}

/// `usage_plans[0]` of `usage_plans[0].keys`.
fn plan_field(keys_field: &str) -> String {
    keys_field
        .strip_suffix(".keys")
        .unwrap_or(keys_field)
        .to_string()
}

/// The problem of a plan listing a key that `api_keys` does not define.
fn undefined_key(name: &str, defined: &[&str]) -> Problem {
    let message = match crate::suggest::closest(name, defined) {
        Some(close) => format!(
            "API key `{}` is not defined under `api_keys`; did you mean `{close}`?",
            crate::text::shown(name)
        ),
        None => format!(
            "API key `{}` is not defined under `api_keys`",
            crate::text::shown(name)
        ),
    };
    let fix = match crate::suggest::closest(name, defined) {
        Some(close) => format!(
            "use `{close}`, or add `- name: {}` under `api_keys`",
            safe(name)
        ),
        None if defined.is_empty() => format!("add `- name: {}` under `api_keys`", safe(name)),
        None => format!(
            "use one of {}, or add the key under `api_keys`",
            crate::model::one_of(defined)
        ),
    };
    Problem { message, fix }
}

/// A name echoed in a fix only when it can be typed as it is.
fn safe(name: &str) -> String {
    if crate::text::plain(name) && rules::object_name(name, "API key").is_ok() {
        name.to_string()
    } else {
        "<key name>".to_string()
    }
}

/// A plan's `quota`: a limit (1 to 2147483647) per `day`, `week` or `month`.
fn read_quota(doc: &Layered<'_>, node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Quota> {
    node.mapping(QUOTA_KEYS, "a mapping with `limit` and `period`", diags)?;
    let fix = rules::quota_fix();
    let limit = node
        .required(doc, "limit", &fix, diags)
        .and_then(|n| n.whole(1..=rules::MAX_QUOTA, &fix, diags));
    let period = node
        .required(
            doc,
            "period",
            "add `period:` with `day`, `week` or `month`",
            diags,
        )
        .and_then(|n| n.typed::<QuotaPeriod>(Expect::OneOf(QuotaPeriod::SPELLINGS), diags));
    Some(Quota {
        limit: limit?,
        period: period?,
    })
}
