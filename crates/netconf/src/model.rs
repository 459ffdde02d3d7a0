//! The loaded, validated configuration: the types the rest of cortex-net reads.
//!
//! Everything here is plain data. Values are already resolved (defaults filled,
//! endpoints normalised, overrides applied) by the time a [`Config`] exists.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

pub use gw_core::{
    ACCESS_LOG_FORMAT, AccessLog, ApiKeySpec, Auth, HTTP_ACCESS_LOG_FORMAT, JwtAuthorizer,
    KeySource, Protection, Quota, QuotaPeriod, RouteProtection, SecretValue, Throttle,
    UsagePlanSpec,
};

pub use gw_core::{EndpointType, GatewayKind, ParseEnumError, Scheme, VpcLinkVersion};
pub(crate) use gw_core::{one_of, spelled_enum};

spelled_enum! {
    /// Cortex's cluster-wide `api_gateway`.
    #[derive(Default)]
    ClusterGateway { #[default] Public => "public", Disabled => "disabled" }
}

spelled_enum! {
    /// Cortex's per-API `networking.api_gateway`.
    #[derive(Default)]
    ApiGateway { #[default] Public => "public", None => "none" }
}

/// The Cortex API kinds cortex-net knows.
pub const API_KINDS: &[&str] = &[
    "RealtimeAPI",
    "AsyncAPI",
    "BatchAPI",
    "TaskAPI",
    "TrafficSplitter",
];

/// The part of Cortex's `cluster.yaml` cortex-net reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterConfig {
    pub cluster_name: String,
    /// The file's `region`, or the command-line override when given.
    pub region: Option<String>,
    pub api_load_balancer_scheme: Scheme,
    pub api_gateway: ClusterGateway,
    pub ssl_certificate_arn: Option<String>,
}

/// One API of Cortex's API configuration file, resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiConfig {
    pub name: String,
    pub kind: String,
    /// Normalised endpoint: `networking.endpoint` without a trailing slash, or `/<name>`.
    pub endpoint: String,
    /// Effective exposure: `None` when the cluster's gateway is disabled.
    pub api_gateway: ApiGateway,
    /// `networking.timeout`, in seconds.
    pub timeout_seconds: Option<u64>,
}

/// CORS settings for the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cors {
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub max_age_seconds: Option<i32>,
}

impl Cors {
    /// What `gateway.cors: true` means: every origin, method and header.
    pub fn allow_all() -> Self {
        let all = || vec!["*".to_string()];
        Cors {
            allow_origins: all(),
            allow_methods: all(),
            allow_headers: all(),
            max_age_seconds: None,
        }
    }
}

/// `gateway.*` of cortex-net.yaml.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GatewaySettings {
    pub r#type: GatewayKind,
    pub stage: Option<String>,
    pub endpoint_type: EndpointType,
    pub cors: Option<Cors>,
    pub vpc_link: Option<VpcLinkVersion>,
    pub vpc_link_timeout_seconds: u64,
    pub domain: Option<String>,
    /// The ACM certificate for `domain`; `ssl_certificate_arn` of the cluster when not set.
    /// An edge-optimized REST domain needs one in us-east-1.
    pub certificate_arn: Option<String>,
}

/// The default for `gateway.vpc_link_timeout_seconds`.
pub const DEFAULT_VPC_LINK_TIMEOUT_SECONDS: u64 = 600;

impl Default for GatewaySettings {
    fn default() -> Self {
        GatewaySettings {
            r#type: GatewayKind::default(),
            stage: None,
            endpoint_type: EndpointType::default(),
            cors: None,
            vpc_link: None,
            vpc_link_timeout_seconds: DEFAULT_VPC_LINK_TIMEOUT_SECONDS,
            domain: None,
            certificate_arn: None,
        }
    }
}

/// cortex-net's own settings (cortex-net.yaml, environment, command line).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Settings {
    pub gateway: GatewaySettings,
    /// Load balancer name or ARN; when set, discovery is skipped.
    pub load_balancer: Option<String>,
    /// Who may call the APIs and how fast: `gateway.auth`, `gateway.jwt`, `gateway.throttle`,
    /// `gateway.access_logs`, `apis`, `api_keys`, `usage_plans`.
    pub protection: ProtectionSettings,
}

/// What guards the public endpoints, as configured. API key values are already read (from
/// their variable or file) and held as [`SecretValue`]s, which never print.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProtectionSettings {
    /// `gateway.auth`: every API's authorization unless `apis.<name>.auth` says otherwise.
    pub auth: Auth,
    /// `gateway.jwt`: the JWT authorizer (HTTP APIs), needed when any API's auth is `jwt`.
    pub jwt: Option<JwtAuthorizer>,
    /// `gateway.throttle`: the stage's default throttle.
    pub throttle: Option<Throttle>,
    /// `gateway.access_logs`: stage access logging (format defaults to the gateway kind's
    /// documented line, [`GatewayKind::default_access_log_format`]).
    pub access_logs: Option<AccessLog>,
    /// `apis`: per-API overrides, keyed by Cortex API name.
    pub apis: BTreeMap<String, ApiProtection>,
    /// `api_keys` (REST), in configuration order.
    pub api_keys: Vec<ApiKeySpec>,
    /// `usage_plans` (REST), in configuration order.
    pub usage_plans: Vec<UsagePlanSpec>,
}

/// `apis.<name>`: one API's overrides of the gateway's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApiProtection {
    /// Overrides `gateway.auth`.
    pub auth: Option<Auth>,
    /// JWT scopes a token must carry (only when the API's auth is `jwt`).
    pub scopes: Vec<String>,
    /// Overrides the stage's throttle for this API.
    pub throttle: Option<Throttle>,
}

impl ProtectionSettings {
    /// The authorization of API `api` (`None`: the catch-all route): its override, else the
    /// gateway default.
    pub fn auth_of(&self, api: Option<&str>) -> Auth {
        api.and_then(|name| self.apis.get(name))
            .and_then(|o| o.auth)
            .unwrap_or(self.auth)
    }

    /// What a route of API `api` (`None`: the catch-all route, which takes the defaults)
    /// carries: its authorization, its scopes when that is `jwt`, and its own throttle when it
    /// overrides the stage's (the stage default itself is [`Protection::throttle`]).
    pub fn route(&self, api: Option<&str>) -> RouteProtection {
        let auth = self.auth_of(api);
        let own = api.and_then(|name| self.apis.get(name));
        RouteProtection {
            auth,
            scopes: match (auth, own) {
                (Auth::Jwt, Some(o)) => o.scopes.clone(),
                _ => Vec::new(),
            },
            throttle: own.and_then(|o| o.throttle),
        }
    }

    /// The gateway-wide protection the providers build.
    pub fn gateway(&self) -> Protection {
        Protection {
            throttle: self.throttle,
            access_log: self.access_logs.clone(),
            jwt: self.jwt.clone(),
            api_keys: self.api_keys.clone(),
            usage_plans: self.usage_plans.clone(),
        }
    }

    /// One line for `cortex-net validate`: the default auth and its overrides, keys (names and
    /// where each value comes from, never the value), plans, throttle and access logs.
    pub fn summary(&self) -> String {
        let mut parts = vec![format!("auth {}", self.auth)];
        let overrides: Vec<String> = self
            .apis
            .iter()
            .filter_map(|(name, o)| o.auth.map(|auth| format!("{name}: {auth}")))
            .collect();
        if !overrides.is_empty() {
            parts[0].push_str(&format!(" ({})", overrides.join(", ")));
        }
        if let Some(throttle) = self.throttle {
            parts.push(format!("throttle {throttle}"));
        }
        let api_throttles = self.apis.values().filter(|o| o.throttle.is_some()).count();
        if api_throttles > 0 {
            parts.push(format!("{api_throttles} per-API throttle(s)"));
        }
        if let Some(log) = &self.access_logs {
            parts.push(format!("access logs to {}", log.destination_arn));
        }
        if !self.api_keys.is_empty() {
            let keys: Vec<String> = self
                .api_keys
                .iter()
                .map(|key| match &key.source {
                    KeySource::Generated => key.name.clone(),
                    KeySource::Env(var) => format!("{} (from ${var})", key.name),
                    KeySource::File(path) => format!("{} (from {path})", key.name),
                })
                .collect();
            parts.push(format!("API keys {}", keys.join(", ")));
        }
        if !self.usage_plans.is_empty() {
            let plans: Vec<String> = self
                .usage_plans
                .iter()
                .map(|plan| format!("{} ({} key(s))", plan.name, plan.keys.len()))
                .collect();
            parts.push(format!("usage plans {}", plans.join(", ")));
        }
        parts.join("; ")
    }
}

/// The files a [`Config`] was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceFiles {
    pub cluster: PathBuf,
    pub apis: Option<PathBuf>,
    /// The settings file used, if any (explicit, or found beside the cluster file).
    pub settings: Option<PathBuf>,
}

/// Everything cortex-net needs to know, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Config {
    pub cluster: ClusterConfig,
    /// `None` when no API configuration file was given.
    pub apis: Option<Vec<ApiConfig>>,
    pub settings: Settings,
    pub files: SourceFiles,
}

impl Config {
    /// `gateway.stage`, else `$default` for HTTP APIs and `dev` for REST APIs.
    pub fn stage(&self) -> String {
        match &self.settings.gateway.stage {
            Some(stage) => stage.clone(),
            None => self.settings.gateway.r#type.default_stage().to_string(),
        }
    }

    /// What a route of API `api` carries (`None`: the catch-all route): see
    /// [`ProtectionSettings::route`].
    pub fn route_protection(&self, api: Option<&str>) -> RouteProtection {
        self.settings.protection.route(api)
    }

    /// The certificate for `gateway.domain`: `gateway.certificate_arn`, else the cluster's
    /// `ssl_certificate_arn`.
    pub fn domain_certificate(&self) -> Option<&str> {
        self.settings
            .gateway
            .certificate_arn
            .as_deref()
            .or(self.cluster.ssl_certificate_arn.as_deref())
    }

    /// False when the cluster disables API Gateway, or when APIs are given and none is public.
    pub fn gateway_enabled(&self) -> bool {
        if self.cluster.api_gateway == ClusterGateway::Disabled {
            return false;
        }
        match &self.apis {
            None => true,
            Some(apis) => apis.iter().any(|api| api.api_gateway == ApiGateway::Public),
        }
    }
}

/// Command-line values that win over files and environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub region: Option<String>,
    pub gateway_type: Option<GatewayKind>,
    pub stage: Option<String>,
    pub load_balancer: Option<String>,
}

/// What to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadOptions {
    /// Cortex's cluster.yaml.
    pub cluster_file: PathBuf,
    /// Cortex's API configuration file (cortex.yaml), if any.
    pub apis_file: Option<PathBuf>,
    /// cortex-net.yaml; when `None`, `cortex-net.yaml` beside the cluster file is used if present.
    pub settings_file: Option<PathBuf>,
    pub overrides: Overrides,
}

impl LoadOptions {
    /// Options for a cluster file alone: no API file, settings looked up beside it, no overrides.
    pub fn new(cluster_file: impl Into<PathBuf>) -> Self {
        LoadOptions {
            cluster_file: cluster_file.into(),
            apis_file: None,
            settings_file: None,
            overrides: Overrides::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip_through_display_fromstr_and_serde() {
        assert_eq!(Scheme::InternetFacing.to_string(), "internet-facing");
        assert_eq!("internal".parse::<Scheme>(), Ok(Scheme::Internal));
        assert_eq!("rest".parse::<GatewayKind>(), Ok(GatewayKind::Rest));
        assert_eq!(VpcLinkVersion::V2.to_string(), "v2");
        assert_eq!(ApiGateway::None.to_string(), "none");
        assert_eq!(
            serde_json::to_string(&ClusterGateway::Disabled)
                .ok()
                .as_deref(),
            Some("\"disabled\"")
        );
        let parsed: EndpointType =
            serde_json::from_str("\"edge\"").unwrap_or(EndpointType::Regional);
        assert_eq!(parsed, EndpointType::Edge);
    }

    #[test]
    fn fromstr_error_names_allowed_values() {
        let err = "REST".parse::<GatewayKind>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown value `REST`: use `http` or `rest`"
        );
        assert_eq!(
            one_of(API_KINDS),
            "`RealtimeAPI`, `AsyncAPI`, `BatchAPI`, `TaskAPI` or `TrafficSplitter`"
        );
    }

    #[test]
    fn defaults() {
        assert_eq!(Scheme::default(), Scheme::InternetFacing);
        assert_eq!(ClusterGateway::default(), ClusterGateway::Public);
        assert_eq!(GatewayKind::default(), GatewayKind::Http);
        assert_eq!(EndpointType::default(), EndpointType::Regional);
        let gw = GatewaySettings::default();
        assert_eq!(gw.vpc_link_timeout_seconds, 600);
        assert_eq!(gw.cors, None);
        assert_eq!(Cors::allow_all().allow_methods, vec!["*".to_string()]);
    }
}
