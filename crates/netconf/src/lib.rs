//! cortex-net configuration: reads Cortex's `cluster.yaml`, Cortex's API configuration
//! file (`cortex.yaml`) and cortex-net's own `cortex-net.yaml` (layered with
//! `CORTEX_NET_*` environment variables and command-line overrides), validates them,
//! and returns one [`Config`], or every problem found at once as [`Diagnostic`]s that
//! name the file, the field, the bad value and the fix.
//!
//! What this crate must never do:
//! - touch AWS or the network: it reads local files and the environment, nothing else;
//! - panic on input: every malformed file, value or variable becomes a [`Diagnostic`].
//!
//! Modules, one purpose each:
//! - `model`: the configuration types;
//! - `diagnostic`: [`Diagnostic`] and [`ConfigError`];
//! - `files`: locating and checking input files;
//! - `layers`: figment providers for environment variables and command-line overrides;
//! - `read`: typed field reading and figment-error conversion;
//! - `cluster`, `apis`, `settings`: reading each input;
//! - `protection`: the protection settings (authorization, JWT, throttles, access logs, per-API
//!   overrides, API keys with their values read from a variable or file, usage plans) and the
//!   rules that need Cortex's API file;
//! - `validate`: the rules, as pure functions;
//! - `suggest`: did-you-mean for unknown keys;
//! - `yaml`: parsing with budgets, library errors as sentences;
//! - `text`: escaping and cutting every value shown.
//!
//! # Example
//!
//! Loading a cluster file, an API file and the settings file beside them, with netconf alone:
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let cluster = dir.path().join("cluster.yaml");
//! std::fs::write(&cluster, "cluster_name: cortex\nregion: us-east-1\n")?;
//! let apis = dir.path().join("cortex.yaml");
//! std::fs::write(
//!     &apis,
//!     "- name: iris\n  kind: RealtimeAPI\n  networking:\n    endpoint: /iris/\n",
//! )?;
//! // Found beside cluster.yaml without being named.
//! std::fs::write(dir.path().join(netconf::SETTINGS_FILE_NAME), "gateway:\n  type: rest\n")?;
//!
//! let mut options = netconf::LoadOptions::new(&cluster);
//! options.apis_file = Some(apis);
//! // `netconf::load` reads `CORTEX_NET_*` from the process; here the environment is given.
//! let environment = [("CORTEX_NET_GATEWAY__STAGE".to_string(), "prod".to_string())];
//! let loaded = netconf::load_with_env(&options, environment)?;
//!
//! let config = &loaded.config;
//! assert_eq!(config.settings.gateway.r#type, netconf::GatewayKind::Rest);
//! assert_eq!(config.stage(), "prod");
//! let apis = config.apis.as_deref().unwrap_or_default();
//! let endpoints: Vec<&str> = apis.iter().map(|api| api.endpoint.as_str()).collect();
//! assert_eq!(endpoints, ["/iris"]);
//! assert!(loaded.warnings.is_empty());
//! # Ok(())
//! # }
//! ```

mod apis;
mod cluster;
mod diagnostic;
mod files;
mod layers;
mod model;
mod protection;
mod read;
mod settings;
mod suggest;
mod text;
mod validate;
mod yaml;

#[cfg(test)]
mod tests;

pub use diagnostic::{ConfigError, Diagnostic, Severity};
pub use files::{MAX_FILE_BYTES, SETTINGS_FILE_NAME, read_text, settings_file};
pub use layers::{ENV_PREFIX, ENV_SPLIT, NON_SETTING_PREFIXES, NON_SETTING_VARS, is_non_setting};
pub use model::{
    ACCESS_LOG_FORMAT, AccessLog, ApiKeySpec, ApiProtection, Auth, HTTP_ACCESS_LOG_FORMAT,
    JwtAuthorizer, KeySource, Protection, ProtectionSettings, Quota, QuotaPeriod, RouteProtection,
    SecretValue, Throttle, UsagePlanSpec,
};
pub use model::{
    API_KINDS, ApiConfig, ApiGateway, ClusterConfig, ClusterGateway, Config, Cors,
    DEFAULT_VPC_LINK_TIMEOUT_SECONDS, EndpointType, GatewayKind, GatewaySettings, LoadOptions,
    Overrides, ParseEnumError, Scheme, Settings, SourceFiles, VpcLinkVersion,
};
pub use text::{SHOWN_CHARS, escape, shown};

/// True for the shape of an AWS region code (`us-east-1`, `us-gov-west-1`, ...).
pub fn is_region(region: &str) -> bool {
    validate::is_region(region)
}

/// Which routes the gateway will publish, for the protection rules. With an API file, every
/// API has its exposure (`none` for all when the cluster disables the gateway); without one,
/// the catch-all route unless the cluster disables the gateway.
fn published<'a>(
    opts: &'a LoadOptions,
    cluster: &ClusterConfig,
    apis: Option<&'a [ApiConfig]>,
    diagnostics: &[Diagnostic],
) -> protection::Published<'a> {
    let disabled = cluster.api_gateway == ClusterGateway::Disabled;
    match (apis, opts.apis_file.as_deref()) {
        (Some(apis), Some(file)) => protection::Published::Apis {
            apis,
            file,
            // An entry in error is missing from `apis`: no override is called unknown then.
            complete: !diagnostics
                .iter()
                .any(|d| d.is_error() && d.file.as_path() == file),
            cluster_disabled: disabled,
        },
        _ if disabled => protection::Published::Nothing,
        _ => protection::Published::CatchAll,
    }
}

/// A loaded configuration and the warnings found on the way.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<Diagnostic>,
}

/// Loads and validates everything, reading `CORTEX_NET_*` from the process environment.
pub fn load(opts: &LoadOptions) -> Result<Loaded, ConfigError> {
    let env = std::env::vars_os().map(|(k, v)| {
        (
            k.to_string_lossy().into_owned(),
            v.to_string_lossy().into_owned(),
        )
    });
    load_with_env(opts, env)
}

/// [`load`] with the environment given explicitly, for callers and tests that must not depend
/// on the process environment: the `CORTEX_NET_*` variables are settings, and the others are
/// read only where an API key's `value_env` names them.
pub fn load_with_env<I>(opts: &LoadOptions, env: I) -> Result<Loaded, ConfigError>
where
    I: IntoIterator<Item = (String, String)>,
{
    let mut diagnostics = Vec::new();
    let all: Vec<(String, String)> = env.into_iter().collect();
    let variables: std::collections::BTreeMap<String, String> = all.iter().cloned().collect();
    let env = settings::setting_vars(all, &mut diagnostics);

    let cluster = cluster::read(
        &opts.cluster_file,
        opts.overrides.region.as_deref(),
        &mut diagnostics,
    );

    let settings_path = files::settings_file(&opts.cluster_file, opts.settings_file.as_deref());
    let fig = settings::figment(
        settings_path.as_deref(),
        layers::env_layers(env),
        &opts.overrides,
        &mut diagnostics,
    );
    let settings = settings::read(&fig, settings_path.as_deref(), &variables, &mut diagnostics);

    let apis = opts.apis_file.as_deref().map(|path| {
        let ctx = apis::Context {
            cluster_gateway: cluster.api_gateway,
            cluster_file: &opts.cluster_file,
            gateway_type: settings.gateway.r#type,
        };
        apis::read(path, &ctx, &mut diagnostics)
    });
    let published = published(opts, &cluster, apis.as_deref(), &diagnostics);
    settings::check_protection(
        &fig,
        settings_path.as_deref(),
        &settings,
        published,
        &mut diagnostics,
    );

    // A custom domain needs a certificate, from either file. Blamed on whatever set the
    // domain: the settings file, a variable or an option.
    if let Some(domain) = &settings.gateway.domain
        && settings.gateway.certificate_arn.is_none()
        && cluster.ssl_certificate_arn.is_none()
    {
        let fallback = settings_path
            .clone()
            .unwrap_or_else(|| opts.cluster_file.clone());
        diagnostics.push(
            Diagnostic::error(
                layers::origin_of(fig.find_metadata("gateway.domain"), &fallback),
                "gateway.domain",
                "a custom domain needs an ACM certificate, and none is configured",
            )
            .with_value(domain.clone())
            .with_fix(
                "set `gateway.certificate_arn` in cortex-net.yaml (or `ssl_certificate_arn` in \
                 cluster.yaml); `cortex-net cert self-signed --import` makes one for testing",
            ),
        );
    }

    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(ConfigError { diagnostics });
    }
    Ok(Loaded {
        config: Config {
            cluster,
            apis,
            settings,
            files: SourceFiles {
                cluster: opts.cluster_file.clone(),
                apis: opts.apis_file.clone(),
                settings: settings_path,
            },
        },
        warnings: diagnostics,
    })
}
