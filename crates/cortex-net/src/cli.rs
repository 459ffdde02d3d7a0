//! Command-line arguments.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Put an API Gateway in front of a Cortex cluster, and take it away again.
#[derive(Debug, Parser)]
#[command(name = "cortex-net", version, about, long_about = None)]
pub struct Cli {
    /// Cortex's cluster configuration.
    #[arg(
        short = 'c',
        long = "cluster-config",
        global = true,
        default_value = "cluster.yaml"
    )]
    pub cluster_config: PathBuf,
    /// Cortex's API configuration (a list of APIs); without it, one catch-all route is made.
    #[arg(short = 'a', long = "api-config", global = true)]
    pub api_config: Option<PathBuf>,
    /// cortex-net's settings; by default `cortex-net.yaml` beside the cluster configuration.
    #[arg(long, global = true)]
    pub settings: Option<PathBuf>,
    /// AWS region; overrides `region` in the cluster configuration.
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// AWS profile to use.
    #[arg(long, global = true, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    // The help is given as text, not as a doc comment: rustdoc would read `<SERVICE>` as HTML.
    #[arg(
        long,
        global = true,
        help = "Send every AWS call to this endpoint (an emulator); AWS_ENDPOINT_URL_<SERVICE> also works"
    )]
    pub endpoint_url: Option<String>,
    /// The load balancer to use (name or ARN), skipping discovery.
    #[arg(long, global = true)]
    pub load_balancer: Option<String>,
    /// Gateway kind; overrides `gateway.type`.
    #[arg(long, global = true, value_parser = gateway_kind_parser())]
    pub gateway_type: Option<gw_core::GatewayKind>,
    /// Output format.
    #[arg(short = 'o', long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// More logging (-v, -vv).
    #[arg(short = 'v', long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the configuration files, offline.
    Validate,
    /// Find the cluster's API load balancer.
    Discover,
    /// Show what `up` would change, without changing anything.
    Plan {
        /// Exit 0 when there is nothing to change, 3 when changes are pending (for drift checks
        /// in CI; 1 stays an operational failure and 2 invalid input).
        #[arg(long)]
        detailed_exitcode: bool,
    },
    /// Create or update the gateway so that AWS matches the configuration.
    Up {
        /// Apply without asking.
        #[arg(long)]
        yes: bool,
    },
    /// Remove everything cortex-net created for this cluster.
    Down {
        /// Remove without asking.
        #[arg(long)]
        yes: bool,
    },
    /// List the URLs that reach each API.
    Endpoints,
    /// Show the load balancer, the gateway, and whether AWS matches the configuration.
    Status,
    /// Check that the networking works: load balancer, VPC link, certificate, a request.
    Doctor {
        /// Send the request check to this base URL instead of the gateway's invoke URL (an
        /// emulator's, or a custom domain not yet in DNS).
        #[arg(long)]
        url: Option<String>,
        /// For an API that requires an API key: also send a request with the key held in this
        /// environment variable (it must pass; without a key it must be refused with 403).
        #[arg(long, value_name = "VAR")]
        api_key_env: Option<String>,
    },
    /// The cluster's REST API keys: list them, print one's value, rotate one.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Take over a gateway made by hand (Cortex's guide): tag it as this cluster's, keeping its
    /// id and so its invoke URL. Without ids, lists the candidates.
    Adopt {
        /// The HTTP or REST API to adopt.
        #[arg(long)]
        api_id: Option<String>,
        /// Its VPC link, when it reaches an internal load balancer.
        #[arg(long)]
        vpc_link_id: Option<String>,
        /// Its custom domain name.
        #[arg(long)]
        domain: Option<String>,
        /// Adopt without asking.
        #[arg(long)]
        yes: bool,
    },
    /// The gateway `up` would build, as a CloudFormation template or an OpenAPI document.
    Export {
        #[arg(long, value_enum, default_value_t = ExportFormat::Cloudformation)]
        format: ExportFormat,
        /// Write to this file instead of standard output (`-o` is `--output`, the format of
        /// cortex-net's own messages).
        #[arg(long = "out-file", short = 'f', value_name = "FILE")]
        out_file: Option<PathBuf>,
        /// CloudFormation as JSON instead of YAML.
        #[arg(long)]
        json: bool,
    },
    /// Draw the live architecture (or, with --planned, what `up` would build).
    Diagram {
        #[arg(long, value_enum, default_value_t = DiagramFormat::Svg)]
        format: DiagramFormat,
        /// Write to this file instead of standard output.
        #[arg(long = "out-file", short = 'f', value_name = "FILE")]
        out_file: Option<PathBuf>,
        /// Draw the configuration's gateway without reading AWS's gateway state.
        #[arg(long)]
        planned: bool,
    },
    /// Print a shell completion script (bash, zsh, fish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Certificates.
    Cert {
        #[command(subcommand)]
        command: CertCommand,
    },
    /// Print the IAM policy (JSON) the configured features need, offline.
    IamPolicy {
        /// Scope account-specific ARNs to this 12-digit account id (default: any, `*`).
        #[arg(long)]
        account_id: Option<String>,
        /// Also allow `cert self-signed --import` (ACM import and tagging).
        #[arg(long)]
        cert_import: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Cloudformation,
    Openapi,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagramFormat {
    Svg,
    Mermaid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// The cluster's keys: name, id, enabled, usage plans (never the values).
    List,
    /// Print one key's value (the only command that does).
    Show { name: String },
    /// Replace a key by one with a new value AWS generates, in the same usage plans; the old
    /// value is refused from then on.
    Rotate {
        name: String,
        /// Rotate without asking.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Generate a self-signed certificate and key (PEM files), optionally imported into ACM.
    SelfSigned {
        /// Common name (and DNS name) of the certificate; Cortex's load balancer uses localhost.
        #[arg(long, default_value = "localhost")]
        cn: String,
        /// Days of validity.
        #[arg(long, default_value_t = 365)]
        days: u32,
        /// Directory to write `<cn>.crt.pem` and `<cn>.key.pem` into.
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// Import into ACM (in the cluster's region), tagged as owned by cortex-net.
        #[arg(long)]
        import: bool,
    },
}

/// `--gateway-type`: parsed straight into the kind, its spellings listed in `--help`.
fn gateway_kind_parser() -> impl clap::builder::TypedValueParser<Value = gw_core::GatewayKind> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(gw_core::GatewayKind::SPELLINGS)
        .try_map(|spelling| spelling.parse::<gw_core::GatewayKind>())
}
