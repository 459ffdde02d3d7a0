//! Reading Cortex's API configuration file (`cortex.yaml`): a list of APIs.
//!
//! The file is Cortex's: unknown keys are ignored. Cortex's own rules for names and
//! endpoints are checked, plus cortex-net's `networking.timeout` against the gateway's limit.

use std::collections::HashMap;
use std::collections::hash_map::Entry as Slot;
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
    let Some(items) = items(path, diags) else {
        return Vec::new();
    };
    let mut seen = Seen::new(path);
    let mut apis = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Value::Dict(_, api) = item else {
            diags.push(wrong_type(
                item,
                &format!("[{index}]"),
                "a mapping with `name`, `kind` and `networking`",
                path,
            ));
            continue;
        };
        let Some((parsed, endpoint)) = Entry::new(path, index, api, diags).read(ctx) else {
            continue;
        };
        seen.check(index, &parsed, endpoint, diags);
        apis.push(parsed);
    }
    apis
}

/// The file's list of entries; `None` when the file cannot be read or holds no list.
fn items(path: &Path, diags: &mut Vec<Diagnostic>) -> Option<Vec<Value>> {
    let document = yaml::read_file(
        path,
        "pass the path of the Cortex API configuration file (`-a cortex.yaml`)",
    )
    .map_err(|d| diags.push(*d))
    .ok()?;
    let no_apis = || {
        Diagnostic::warning(
            path,
            "",
            "the file lists no APIs, so no gateway routes will be created",
        )
        .with_fix("list the APIs, each starting with `- name:`")
    };
    let wrong = match document {
        Value::Array(_, items) => {
            if items.is_empty() {
                diags.push(no_apis());
            }
            return Some(items);
        }
        Value::Empty(..) => no_apis(),
        Value::Dict(..) => Diagnostic::error(path, "", "expected a list of APIs, found a mapping")
            .with_fix("cortex.yaml holds a list of APIs: start each with `- name:`"),
        other => wrong_type(
            &other,
            "",
            "a list of APIs, each starting with `- name:`",
            path,
        ),
    };
    diags.push(wrong);
    None
}

/// The names and endpoints taken by earlier entries: each must be unique.
struct Seen<'a> {
    path: &'a Path,
    names: HashMap<String, usize>,
    endpoints: HashMap<String, (usize, String)>,
}

impl<'a> Seen<'a> {
    fn new(path: &'a Path) -> Self {
        Seen {
            path,
            names: HashMap::new(),
            endpoints: HashMap::new(),
        }
    }

    /// Reports entry `index` when its name or endpoint is taken, else takes them.
    fn check(
        &mut self,
        index: usize,
        api: &ApiConfig,
        endpoint: Endpoint,
        diags: &mut Vec<Diagnostic>,
    ) {
        let duplicate_name = match self.names.entry(api.name.clone()) {
            Slot::Occupied(first) => {
                diags.push(
                    Diagnostic::error(
                        self.path,
                        format!("[{index}].name"),
                        format!("API name is already used by entry [{}]", first.get()),
                    )
                    .with_value(api.name.clone())
                    .with_fix("give each API a unique name"),
                );
                true
            }
            Slot::Vacant(free) => {
                free.insert(index);
                false
            }
        };
        // A default endpoint repeats only because the name does (reported above); an
        // invalid one was reported already.
        let check_endpoint = match endpoint {
            Endpoint::Explicit => true,
            Endpoint::Default => !duplicate_name,
            Endpoint::Invalid => false,
        };
        if !check_endpoint {
            return;
        }
        match self.endpoints.entry(api.endpoint.clone()) {
            Slot::Occupied(taken) => {
                let (first, other) = taken.get();
                diags.push(
                    Diagnostic::error(
                        self.path,
                        format!("[{index}].networking.endpoint"),
                        format!("endpoint is already used by API `{other}` (entry [{first}])"),
                    )
                    .with_value(api.endpoint.clone())
                    .with_fix("give each API its own `networking.endpoint`"),
                );
            }
            Slot::Vacant(free) => {
                free.insert((index, api.name.clone()));
            }
        }
    }
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

/// A key's value, unless it is missing or empty (`name:` with nothing after it).
fn set(value: Option<&Value>) -> Option<Value> {
    value.filter(|v| !matches!(v, Value::Empty(..))).cloned()
}

/// One API entry being read, and where its problems go.
struct Entry<'a> {
    path: &'a Path,
    /// `[<index>]`, the entry's place in the list.
    at: String,
    api: &'a Dict,
    diags: &'a mut Vec<Diagnostic>,
}

impl<'a> Entry<'a> {
    fn new(path: &'a Path, index: usize, api: &'a Dict, diags: &'a mut Vec<Diagnostic>) -> Self {
        Entry {
            path,
            at: format!("[{index}]"),
            api,
            diags,
        }
    }

    fn field(&self, key: &str) -> String {
        format!("{}.{key}", self.at)
    }

    /// Reports `problem` with `value` at `key`.
    fn problem(&mut self, key: &str, value: &Value, problem: Problem) {
        let diagnostic = Diagnostic::error(self.path, self.field(key), problem.message)
            .with_value_opt(shown(value))
            .with_fix(problem.fix);
        self.diags.push(diagnostic);
    }

    /// Reports `rule`'s problem with `value` at `key`; true when there was none.
    fn check(&mut self, key: &str, value: &Value, rule: Result<(), Problem>) -> bool {
        rule.map_err(|p| self.problem(key, value, p)).is_ok()
    }

    /// A string the entry must have: reported when missing or not a string.
    fn required_string(&mut self, key: &str, fix: &str) -> Option<(String, Value)> {
        let Some(value) = set(self.api.get(key)) else {
            let missing = crate::read::missing_key(self.path, &self.at, key, self.api, fix);
            self.diags.push(missing);
            return None;
        };
        match string(&value, &self.field(key), self.path) {
            Ok(text) => Some((text, value)),
            Err(d) => {
                self.diags.push(*d);
                None
            }
        }
    }

    /// The entry; `None` when it has no usable name. Problems are reported in the order of
    /// the fields: name, kind, networking.
    fn read(mut self, ctx: &Context<'_>) -> Option<(ApiConfig, Endpoint)> {
        let name = self
            .required_string("name", "add `name: <api name>` to this entry")
            .map(|(name, value)| {
                let valid = self.check("name", &value, validate::api_name(&name));
                (name, valid)
            });
        let kind = self.kind();
        let networking = self.networking();
        let (endpoint, endpoint_source) = self.endpoint(&networking);
        let explicit_gateway = self.explicit_gateway(&networking);
        let timeout = set(networking.get("timeout")).and_then(|value| {
            timeout(
                &value,
                &self.field("networking.timeout"),
                self.path,
                self.diags,
            )
            .map(|seconds| (value, seconds))
        });

        let (name, name_valid) = name?;
        let api_gateway = self.api_gateway(ctx, &name, explicit_gateway);
        if api_gateway == ApiGateway::Public
            && let Some((value, seconds)) = &timeout
        {
            self.timeout_limit(&name, value, *seconds, ctx.gateway_type);
        }
        // An invalid name makes the default endpoint invalid too: one mistake, reported once.
        if !name_valid && endpoint.is_none() {
            return None;
        }
        let api = ApiConfig {
            endpoint: endpoint.unwrap_or_else(|| format!("/{name}")),
            name,
            kind,
            api_gateway,
            timeout_seconds: timeout.map(|(_, seconds)| seconds),
        };
        Some((api, endpoint_source))
    }

    /// `kind`; empty when missing or not a string.
    fn kind(&mut self) -> String {
        let fix = format!(
            "add `kind:` with one of {}",
            crate::model::one_of(crate::model::API_KINDS)
        );
        let Some((kind, value)) = self.required_string("kind", &fix) else {
            return String::new();
        };
        self.check("kind", &value, validate::api_kind(&kind));
        kind
    }

    /// `networking`; empty when missing or not a mapping.
    fn networking(&mut self) -> Dict {
        match set(self.api.get("networking")) {
            None => Dict::new(),
            Some(Value::Dict(_, d)) => d,
            Some(other) => {
                let wrong = wrong_type(&other, &self.field("networking"), "a mapping", self.path);
                self.diags.push(wrong);
                Dict::new()
            }
        }
    }

    /// `networking.endpoint`, normalised, and where it came from.
    fn endpoint(&mut self, networking: &Dict) -> (Option<String>, Endpoint) {
        let key = "networking.endpoint";
        let Some(value) = set(networking.get("endpoint")) else {
            return (None, Endpoint::Default);
        };
        let normalised = match string(&value, &self.field(key), self.path) {
            Err(d) => {
                self.diags.push(*d);
                None
            }
            Ok(text) => validate::endpoint(&text)
                .map_err(|p| self.problem(key, &value, p))
                .ok(),
        };
        match normalised {
            Some(endpoint) => (Some(endpoint), Endpoint::Explicit),
            None => (None, Endpoint::Invalid),
        }
    }

    /// `networking.api_gateway` as written, when valid.
    fn explicit_gateway(&mut self, networking: &Dict) -> Option<ApiGateway> {
        let value = set(networking.get("api_gateway"))?;
        let field = self.field("networking.api_gateway");
        typed::<ApiGateway>(
            &value,
            &field,
            Expect::OneOf(ApiGateway::SPELLINGS),
            self.path,
        )
        .map_err(|d| self.diags.push(*d))
        .ok()
    }

    /// The API's exposure: `none` whenever the cluster disables the gateway (asking for
    /// `public` then is an error).
    fn api_gateway(
        &mut self,
        ctx: &Context<'_>,
        name: &str,
        explicit: Option<ApiGateway>,
    ) -> ApiGateway {
        match (ctx.cluster_gateway, explicit) {
            (ClusterGateway::Disabled, Some(ApiGateway::Public)) => {
                let refused = Diagnostic::error(
                    self.path,
                    self.field("networking.api_gateway"),
                    "`api_gateway: public` is not permitted because api gateway is disabled cluster-wide",
                )
                .with_value("public")
                .with_fix(format!(
                    "set `networking.api_gateway: none` for API `{name}`, or set `api_gateway: public` in {}",
                    ctx.cluster_file.display()
                ));
                self.diags.push(refused);
                ApiGateway::None
            }
            (ClusterGateway::Disabled, _) => ApiGateway::None,
            (ClusterGateway::Public, explicit) => explicit.unwrap_or_default(),
        }
    }

    /// Warns when a public API's timeout exceeds what the gateway allows.
    fn timeout_limit(&mut self, name: &str, value: &Value, seconds: u64, gateway: GatewayKind) {
        if let Some(p) = validate::timeout_limit(name, seconds, gateway) {
            let warning =
                Diagnostic::warning(self.path, self.field("networking.timeout"), p.message)
                    .with_value_opt(shown(value))
                    .with_fix(p.fix);
            self.diags.push(warning);
        }
    }
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
