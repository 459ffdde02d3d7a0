//! One function per command, over a shared session (configuration, AWS, providers).

use crate::aws::{self, AwsOptions};
use crate::certificates;
use crate::cli::{CertCommand, Cli, Command, OutputFormat};
use crate::desired;
use crate::endpoints::{self, Endpoint};
use crate::error::CliError;
use crate::output;
use crate::registry;
use crate::settle::Goal;
use gw_core::{DesiredGateway, GatewayInfo, GatewayProvider, Observed, Ownership, Plan};
use lb_discovery::{Discovery, LoadBalancer};
use netconf::{Config, Diagnostic, LoadOptions, Overrides, Severity};
use serde::Serialize;
use std::io::{BufRead, IsTerminal, Write};

pub async fn run(cli: &Cli) -> Result<(), CliError> {
    if let Command::Up { yes } | Command::Down { yes } = cli.command {
        // Refuse before touching AWS: a script without --yes fails the same way every time.
        if !yes && !std::io::stdin().is_terminal() {
            return Err(CliError::invalid(
                "refusing to change AWS without confirmation: standard input is not a terminal. \
                 Review the changes with `cortex-net plan`, then pass --yes",
            ));
        }
    }
    if let Command::Cert {
        command:
            CertCommand::SelfSigned {
                ref cn,
                days,
                ref out,
                import: false,
            },
    } = cli.command
    {
        // Writing files needs no configuration and no AWS.
        return certificates::self_signed(cli.output, cn, days, out, None).await;
    }
    let config = load_config(cli)?;
    match &cli.command {
        Command::Validate => validate(cli, &config),
        Command::Discover => {
            let session = Session::connect(cli, config).await?;
            let lb = session.load_balancer().await?;
            output::emit(cli.output, &lb, || discover_text(&lb))
        }
        Command::Plan => {
            let session = Session::connect(cli, config).await?;
            session.check_certificates().await?;
            let lb = session.load_balancer().await?;
            let steps = session.converge(&lb).await?;
            let plan = merged(&steps);
            output::emit(cli.output, &plan, || println!("{plan}"))
        }
        Command::Up { yes } => up(cli, Session::connect(cli, config).await?, *yes).await,
        Command::Down { yes } => down(cli, Session::connect(cli, config).await?, *yes).await,
        Command::Doctor { url } => {
            crate::doctor::run(cli, Session::connect(cli, config).await?, url.as_deref()).await
        }
        Command::Cert {
            command: CertCommand::SelfSigned { cn, days, out, .. },
        } => {
            let session = Session::connect(cli, config).await?;
            certificates::self_signed(
                cli.output,
                cn,
                *days,
                out,
                Some((&session.sdk, &session.owner)),
            )
            .await
        }
        Command::Endpoints => {
            let session = Session::connect(cli, config).await?;
            let lb = session.load_balancer().await?;
            let gateway = session.gateway().await?;
            let list = endpoints::list(&session.config, &lb, gateway.as_ref());
            if gateway.is_none() && !desired::routes(&session.config).is_empty() {
                tracing::warn!("no gateway exists yet: run `cortex-net up` to create it");
            }
            output::emit(cli.output, &list, || output::endpoints_text(&list))
        }
        Command::Status => status(cli, Session::connect(cli, config).await?).await,
        Command::IamPolicy {
            account_id,
            cert_import,
        } => crate::iam_policy::run(
            cli.output,
            &config.config,
            account_id.as_deref(),
            *cert_import,
        ),
    }
}

/// Everything `-o json validate` reports.
#[derive(Serialize)]
struct Validation<'a> {
    valid: bool,
    errors: Vec<&'a Diagnostic>,
    warnings: Vec<&'a Diagnostic>,
}

/// Loads the configuration; invalid configuration ends the command with exit code 2, after
/// every problem has been printed (as JSON for `validate -o json`).
fn load_config(cli: &Cli) -> Result<Loaded, CliError> {
    let options = LoadOptions {
        cluster_file: cli.cluster_config.clone(),
        apis_file: cli.api_config.clone(),
        settings_file: cli.settings.clone(),
        overrides: Overrides {
            region: cli.region.clone(),
            gateway_type: cli.gateway_type,
            load_balancer: cli.load_balancer.clone(),
            ..Overrides::default()
        },
    };
    // Flags and AWS settings are checked with the files, before any AWS call: all at once.
    let mut problems = aws::check_cli(cli);
    match netconf::load(&options) {
        Ok(loaded) if problems.is_empty() => {
            if !matches!(cli.command, Command::Validate) || cli.output == OutputFormat::Text {
                for warning in &loaded.warnings {
                    eprintln!("warning: {warning}");
                }
            }
            Ok(Loaded {
                config: loaded.config,
                warnings: loaded.warnings,
            })
        }
        loaded => {
            // A file given as an empty flag is reported once, by its flag.
            problems.extend(
                match loaded {
                    Ok(loaded) => loaded.warnings,
                    Err(error) => error.diagnostics,
                }
                .into_iter()
                .filter(|d| !d.file.as_os_str().is_empty()),
            );
            let error = netconf::ConfigError {
                diagnostics: problems,
            };
            let (errors, warnings): (Vec<&Diagnostic>, Vec<&Diagnostic>) = error
                .diagnostics
                .iter()
                .partition(|d| d.severity == Severity::Error);
            if matches!(cli.command, Command::Validate) && cli.output == OutputFormat::Json {
                output::json(&Validation {
                    valid: false,
                    errors: errors.clone(),
                    warnings,
                })?;
            } else {
                for diagnostic in &error.diagnostics {
                    let label = match diagnostic.severity {
                        Severity::Error => "error",
                        Severity::Warning => "warning",
                    };
                    eprintln!("{label}: {diagnostic}");
                }
            }
            Err(CliError::invalid(format!(
                "the configuration has {} error{}; nothing was changed",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            )))
        }
    }
}

struct Loaded {
    config: Config,
    warnings: Vec<Diagnostic>,
}

fn validate(cli: &Cli, loaded: &Loaded) -> Result<(), CliError> {
    let report = Validation {
        valid: true,
        errors: Vec::new(),
        warnings: loaded.warnings.iter().collect(),
    };
    output::emit(cli.output, &report, || {
        let config = &loaded.config;
        println!(
            "Configuration valid: cluster {}, {} load balancer, gateway {}{}.",
            config.cluster.cluster_name,
            config.cluster.api_load_balancer_scheme,
            config.settings.gateway.r#type,
            match &config.apis {
                Some(apis) => format!(", {} API(s)", apis.len()),
                None => String::new(),
            }
        );
    })
}

fn discover_text(lb: &LoadBalancer) {
    println!("Load balancer  {} ({}, {})", lb.name, lb.kind, lb.scheme);
    println!("DNS name       {}", lb.dns_name);
    if let Some(arn) = &lb.arn {
        println!("ARN            {arn}");
    }
    if let Some(vpc) = &lb.vpc_id {
        println!("VPC            {vpc}");
    }
    if let Some(state) = &lb.state {
        println!("State          {state}");
    }
    let listeners: Vec<String> = lb
        .listeners
        .iter()
        .map(|l| format!("{}:{}", l.protocol, l.port))
        .collect();
    println!("Listeners      {}", listeners.join(", "));
}

/// The configuration, AWS, and the registered providers, for one command.
pub(crate) struct Session {
    pub(crate) config: Config,
    pub(crate) sdk: aws_config::SdkConfig,
    pub(crate) region: String,
    pub(crate) owner: Ownership,
    discovery: Discovery,
    providers: Vec<Box<dyn GatewayProvider>>,
}

/// One provider's share of a plan.
pub(crate) struct Step<'a> {
    pub(crate) provider: &'a dyn GatewayProvider,
    pub(crate) desired: Option<DesiredGateway>,
    pub(crate) observed: Observed,
    pub(crate) plan: Plan,
}

pub(crate) fn merged(steps: &[Step<'_>]) -> Plan {
    let mut plan = Plan::default();
    for step in steps {
        plan.extend(step.plan.clone());
    }
    plan
}

impl Session {
    async fn connect(cli: &Cli, loaded: Loaded) -> Result<Self, CliError> {
        let config = loaded.config;
        let sdk = aws::load(&AwsOptions {
            region: config.cluster.region.as_deref(),
            profile: cli.profile.as_deref(),
            endpoint_url: cli.endpoint_url.as_deref(),
        })
        .await?;
        Ok(Self {
            region: aws::region(&sdk),
            owner: Ownership::new(&config.cluster.cluster_name),
            discovery: Discovery::new(
                aws_sdk_elasticloadbalancingv2::Client::new(&sdk),
                aws_sdk_elasticloadbalancing::Client::new(&sdk),
            ),
            providers: registry::providers(
                &sdk,
                crate::progress::reporter(cli.output == OutputFormat::Text),
            ),
            config,
            sdk,
        })
    }

    /// Checks the configured certificates in ACM and stops, before any change, when one cannot
    /// be used.
    async fn check_certificates(&self) -> Result<(), CliError> {
        let checked = certificates::check_all(&self.sdk, &self.config, &self.region).await?;
        certificates::enforce(&checked)
    }

    pub(crate) fn selected(&self) -> Result<&dyn GatewayProvider, CliError> {
        let kind = self.config.settings.gateway.r#type;
        self.providers
            .iter()
            .find(|p| p.kind() == kind)
            .map(|p| p.as_ref())
            .ok_or_else(|| {
                CliError::invalid(format!(
                    "`gateway.type: {kind}` is not supported by this version of cortex-net yet; \
                     use `gateway.type: http`"
                ))
            })
    }

    pub(crate) async fn load_balancer(&self) -> Result<LoadBalancer, CliError> {
        let cluster = &self.config.cluster.cluster_name;
        let lb = match &self.config.settings.load_balancer {
            Some(name_or_arn) => self.discovery.lookup(cluster, name_or_arn).await?,
            None => self.discovery.discover(cluster).await?,
        };
        if !lb.owned_by_cluster {
            tracing::warn!(
                "load balancer {} carries no tags of cluster {cluster}; using it because it was named explicitly",
                lb.name
            );
        }
        Ok(lb)
    }

    /// The plan that makes AWS match the configuration: the selected kind converges, every
    /// other kind removes what it owns (a switch from `http` to `rest` replaces the gateway).
    pub(crate) async fn converge(&self, lb: &LoadBalancer) -> Result<Vec<Step<'_>>, CliError> {
        let selected = self.selected()?;
        let desired = desired::build(&self.config, &self.region, lb)?;
        if !desired.routes.is_empty() {
            selected.check_supported(&desired)?;
        }
        let mut steps = Vec::new();
        for provider in &self.providers {
            let provider = provider.as_ref();
            let observed = provider.observe(&self.owner).await?;
            let (wanted, desired) = if provider.kind() == selected.kind() {
                (provider.desired_resources(&desired), Some(desired.clone()))
            } else {
                (Vec::new(), None)
            };
            let plan = gw_core::diff(&wanted, &observed);
            steps.push(Step {
                provider,
                desired,
                observed,
                plan,
            });
        }
        Ok(steps)
    }

    /// The plan that removes everything cortex-net made for this cluster, of every kind.
    pub(crate) async fn removal(&self) -> Result<Vec<Step<'_>>, CliError> {
        let mut steps = Vec::new();
        for provider in &self.providers {
            let provider = provider.as_ref();
            let observed = provider.observe(&self.owner).await?;
            let plan = gw_core::diff(&[], &observed);
            steps.push(Step {
                provider,
                desired: None,
                observed,
                plan,
            });
        }
        Ok(steps)
    }

    pub(crate) async fn apply(&self, steps: &[Step<'_>]) -> Result<(), CliError> {
        for step in steps.iter().filter(|s| !s.plan.is_empty()) {
            step.provider
                .apply(
                    &self.owner,
                    step.desired.as_ref(),
                    &step.observed,
                    &step.plan,
                )
                .await?;
        }
        Ok(())
    }

    /// The selected kind's gateway as it exists now.
    pub(crate) async fn gateway(&self) -> Result<Option<GatewayInfo>, CliError> {
        let provider = self.selected()?;
        let observed = provider.observe(&self.owner).await?;
        Ok(provider.gateway_info(&observed, &self.region))
    }
}

/// Asks on the terminal unless `--yes` was given (without a terminal, `run` refused already).
fn confirm(yes: bool, question: &str) -> Result<(), CliError> {
    if yes {
        return Ok(());
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::failed(format!("cannot read the answer: {e}")))?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err(CliError::failed("cancelled; nothing was changed"))
    }
}

#[derive(Serialize)]
struct UpReport {
    changes: Vec<gw_core::Change>,
    gateway: Option<GatewayInfo>,
    endpoints: Vec<Endpoint>,
}

async fn up(cli: &Cli, session: Session, yes: bool) -> Result<(), CliError> {
    session.check_certificates().await?;
    let lb = session.load_balancer().await?;
    let goal = Goal::Configured(&lb);
    let steps = session.plan_towards(goal).await?;
    let plan = merged(&steps);
    let text = cli.output == OutputFormat::Text;
    if text {
        println!("{plan}");
    }
    if !plan.is_empty() {
        confirm(yes, &format!("Apply these changes ({})?", plan.summary()))?;
    }
    // Only a converged gateway is reported: the gateway comes from the last observation, which
    // planned nothing.
    let settled = session.settle(goal, steps).await?;
    let gateway = settled
        .steps
        .iter()
        .find(|step| step.desired.is_some())
        .and_then(|step| step.provider.gateway_info(&step.observed, &session.region));
    let endpoints = endpoints::list(&session.config, &lb, gateway.as_ref());
    let report = UpReport {
        changes: settled.applied,
        gateway,
        endpoints,
    };
    output::emit(cli.output, &report, || {
        if let Some(gw) = &report.gateway {
            println!(
                "Gateway: {} API {} ({}), invoke URL {}",
                gw.kind, gw.name, gw.id, gw.invoke_url
            );
            if let Some(domain) = &gw.domain {
                output::domain_text(domain);
            }
        } else {
            println!("No gateway: the configuration publishes no API through API Gateway.");
        }
        println!("Endpoints:");
        output::endpoints_text(&report.endpoints);
    })
}

async fn down(cli: &Cli, session: Session, yes: bool) -> Result<(), CliError> {
    let steps = session.plan_towards(Goal::Removed).await?;
    let plan = merged(&steps);
    if cli.output == OutputFormat::Text {
        if plan.is_empty() {
            println!(
                "Nothing to remove: cortex-net owns no gateway resources for cluster {} in {}.",
                session.config.cluster.cluster_name, session.region
            );
        } else {
            println!("{plan}");
        }
    }
    if !plan.is_empty() {
        confirm(
            yes,
            &format!("Remove these resources ({})?", plan.summary()),
        )?;
    }
    // Done only when a fresh observation finds nothing of ours left.
    let removed = Plan {
        changes: session.settle(Goal::Removed, steps).await?.applied,
    };
    output::emit(cli.output, &removed, || {
        if !removed.is_empty() {
            println!("Removed {} resource(s).", removed.len());
        }
    })
}

#[derive(Serialize)]
struct StatusReport {
    cluster: String,
    region: String,
    load_balancer: LoadBalancer,
    gateway: Option<GatewayInfo>,
    in_sync: bool,
    pending_changes: Vec<gw_core::Change>,
    endpoints: Vec<Endpoint>,
}

async fn status(cli: &Cli, session: Session) -> Result<(), CliError> {
    let lb = session.load_balancer().await?;
    let steps = session.converge(&lb).await?;
    let plan = merged(&steps);
    let gateway = session.selected()?.gateway_info(
        &steps
            .iter()
            .find(|s| s.desired.is_some())
            .map(|s| s.observed.clone())
            .unwrap_or_default(),
        &session.region,
    );
    let report = StatusReport {
        cluster: session.config.cluster.cluster_name.clone(),
        region: session.region.clone(),
        endpoints: endpoints::list(&session.config, &lb, gateway.as_ref()),
        load_balancer: lb,
        gateway,
        in_sync: plan.is_empty(),
        pending_changes: plan.changes.clone(),
    };
    output::emit(cli.output, &report, || {
        println!("Cluster        {} ({})", report.cluster, report.region);
        println!(
            "Load balancer  {} ({}, {}, {})",
            report.load_balancer.name,
            report.load_balancer.kind,
            report.load_balancer.scheme,
            report
                .load_balancer
                .state
                .as_deref()
                .unwrap_or("state unknown")
        );
        match &report.gateway {
            Some(gw) => println!(
                "Gateway        {} API {} ({}) {}",
                gw.kind, gw.name, gw.id, gw.invoke_url
            ),
            None => println!("Gateway        none"),
        }
        if report.in_sync {
            println!("In sync        yes");
        } else {
            println!(
                "In sync        no: `cortex-net up` would make {}",
                plan.summary()
            );
        }
        println!("Endpoints:");
        output::endpoints_text(&report.endpoints);
    })
}
