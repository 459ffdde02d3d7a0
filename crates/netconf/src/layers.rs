//! Figment providers for the non-file layers: environment variables and
//! command-line overrides.
//!
//! Each variable and each override is its own provider with its own metadata, so a
//! bad value is blamed on exactly the variable or option that supplied it.

use std::path::{Path, PathBuf};

use figment::value::{Dict, Map, Value};
use figment::{Metadata, Profile, Provider, Source};

/// The prefix of cortex-net's environment variables.
pub const ENV_PREFIX: &str = "CORTEX_NET_";

/// Separator of nesting levels in environment variable names.
pub const ENV_SPLIT: &str = "__";

/// `CORTEX_NET_*` variables that are not settings and are left alone: the log filter, and
/// the variables of cortex-net's own tooling (xtask, the end-to-end suite), which pass their
/// environment on to the binary they test.
pub const NON_SETTING_VARS: &[&str] = &[
    "CORTEX_NET_LOG",
    "CORTEX_NET_BIN",
    "CORTEX_NET_REPO",
    "CORTEX_NET_PYTHON",
];

/// Name prefixes reserved for cortex-net's tooling (`CORTEX_NET_E2E_DIR`,
/// `CORTEX_NET_FUZZ_SECONDS`, ...): never settings, left alone.
pub const NON_SETTING_PREFIXES: &[&str] = &[
    "CORTEX_NET_E2E_",
    "CORTEX_NET_FUZZ_",
    "CORTEX_NET_CHAOS_",
    "CORTEX_NET_FAULT_",
    "CORTEX_NET_TEST_",
    "CORTEX_NET_MOTO_",
    "CORTEX_NET_LOCALSTACK_",
    "CORTEX_NET_HOSTS_",
];

/// True for a variable named with our prefix (in any case).
pub(crate) fn has_prefix(name: &str) -> bool {
    name.trim()
        .get(..ENV_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(ENV_PREFIX))
}

/// True for the `CORTEX_NET_*` variables that are not settings ([`NON_SETTING_VARS`],
/// [`NON_SETTING_PREFIXES`]).
pub fn is_non_setting(name: &str) -> bool {
    let upper = name.trim().to_ascii_uppercase();
    NON_SETTING_VARS.contains(&upper.as_str())
        || NON_SETTING_PREFIXES.iter().any(|p| upper.starts_with(p))
}

/// One value at one key path, with a label naming where it came from.
#[derive(Debug, Clone)]
pub(crate) struct Layer {
    label: String,
    dict: Dict,
}

impl Layer {
    /// `value` at the dotted `key`, from the source called `label`.
    pub(crate) fn new(label: String, key: &str, value: Value) -> Self {
        let dict = match figment::util::nest(key, value) {
            Value::Dict(_, dict) => dict,
            // `key` is never empty here; an empty key would make no layer at all.
            _ => Dict::new(),
        };
        Layer { label, dict }
    }

    /// The label's spelling for a command-line option.
    pub(crate) fn option(flag: &str, key: &str, value: Value) -> Self {
        Layer::new(format!("command-line option {flag}"), key, value)
    }
}

impl Provider for Layer {
    fn metadata(&self) -> Metadata {
        let mut metadata = Metadata::named(self.label.clone());
        metadata.source = Some(Source::Custom(self.label.clone()));
        metadata
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.dict.clone()))
    }
}

/// The layers for `CORTEX_NET_*` variables, with figment's `Env::prefixed(..).split("__")`
/// semantics: prefix matched case-insensitively, `__` nests, keys lower-cased, values
/// parsed as figment values (`600` is a number, `true` a boolean, `rest` a string).
/// Variables are applied in name order so the result does not depend on the environment's order.
pub(crate) fn env_layers<I>(vars: I) -> Vec<Layer>
where
    I: IntoIterator<Item = (String, String)>,
{
    let mut vars: Vec<(String, String)> = vars.into_iter().collect();
    vars.sort();
    vars.into_iter()
        .filter_map(|(name, value)| {
            let key = env_key(&name)?;
            let value = match value.parse::<Value>() {
                Ok(v) => v,
                Err(never) => match never {},
            };
            Some(Layer::new(env_label(&name), &key, value))
        })
        .collect()
}

/// The dotted key a variable sets, or `None` if it is not one of ours or is malformed.
pub(crate) fn env_key(name: &str) -> Option<String> {
    let name = name.trim();
    let prefix = name.get(..ENV_PREFIX.len())?;
    if !prefix.eq_ignore_ascii_case(ENV_PREFIX) {
        return None;
    }
    let key = name[ENV_PREFIX.len()..]
        .replace(ENV_SPLIT, ".")
        .to_ascii_lowercase();
    if key.split('.').any(str::is_empty) {
        return None;
    }
    Some(key)
}

pub(crate) fn env_label(name: &str) -> String {
    format!("environment variable {}", name.trim())
}

/// The variable name that sets the dotted `key` (for messages).
pub(crate) fn env_name_for(key: &str) -> String {
    format!(
        "{ENV_PREFIX}{}",
        key.replace('.', ENV_SPLIT).to_ascii_uppercase()
    )
}

/// True when `origin` (from [`origin_of`]) is an environment variable.
pub(crate) fn is_env_origin(origin: &Path) -> bool {
    origin
        .to_string_lossy()
        .starts_with("environment variable ")
}

/// Where a value came from: the file path, or the variable/option label.
pub(crate) fn origin_of(metadata: Option<&Metadata>, fallback: &Path) -> PathBuf {
    match metadata.and_then(|m| m.source.as_ref()) {
        Some(Source::File(path)) => path.clone(),
        Some(Source::Custom(label)) => PathBuf::from(label),
        _ => fallback.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use figment::Figment;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn env_keys_follow_figment_env_semantics() {
        let cases = [
            ("CORTEX_NET_GATEWAY__TYPE", Some("gateway.type")),
            ("cortex_net_load_balancer", Some("load_balancer")),
            ("CORTEX_NETX", None),
            ("CORTEX_NET_", None),
            ("CORTEX_NET_GATEWAY__", None),
            ("HOME", None),
        ];
        for (name, expected) in cases {
            assert_eq!(env_key(name).as_deref(), expected, "{name}");
        }
        assert_eq!(
            env_name_for("gateway.vpc_link"),
            "CORTEX_NET_GATEWAY__VPC_LINK"
        );
    }

    #[test]
    fn env_layers_nest_parse_and_name_their_variable() {
        let fig = env_layers(vars(&[
            ("CORTEX_NET_GATEWAY__TYPE", "rest"),
            ("CORTEX_NET_GATEWAY__VPC_LINK_TIMEOUT_SECONDS", "900"),
            ("PATH", "/bin"),
        ]))
        .into_iter()
        .fold(Figment::new(), Figment::merge);
        assert_eq!(
            fig.extract_inner::<String>("gateway.type").ok().as_deref(),
            Some("rest")
        );
        assert_eq!(
            fig.extract_inner::<u64>("gateway.vpc_link_timeout_seconds")
                .ok(),
            Some(900)
        );
        let origin = origin_of(fig.find_metadata("gateway.type"), Path::new("x"));
        assert_eq!(
            origin,
            PathBuf::from("environment variable CORTEX_NET_GATEWAY__TYPE")
        );
        assert!(is_env_origin(&origin));
        assert!(!fig.contains("path"));
    }
}
