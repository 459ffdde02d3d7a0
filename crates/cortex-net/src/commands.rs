//! One function per command; [`run`] picks it. The session they share (configuration, AWS,
//! providers, planning and settling) is [`crate::session`].

use crate::certificates;
use crate::cli::{CertCommand, Cli, Command, KeysCommand, OutputFormat};
use crate::configuration::{self, Validation};
use crate::desired;
use crate::endpoints::{self, Endpoint};
use crate::error::CliError;
use crate::output;
use crate::progress::Applied;
use crate::session::{Certificates, Goal, Session, configured_step, merged, refuse_stack_owned};
use gw_core::{GatewayInfo, Plan};
use lb_discovery::LoadBalancer;
use serde::Serialize;
use std::io::{BufRead, IsTerminal, Write};

/// Runs the command `cli` names.
pub async fn run(cli: &Cli) -> Result<(), CliError> {
    refuse_unconfirmed(cli)?;
    match &cli.command {
        Command::Validate => validate(cli),
        Command::Discover => discover(cli).await,
        Command::Plan { detailed_exitcode } => plan(cli, *detailed_exitcode).await,
        Command::Up { yes } => up(cli, *yes).await,
        Command::Down { yes } => down(cli, *yes).await,
        Command::Endpoints => list_endpoints(cli).await,
        Command::Status => status(cli).await,
        Command::Doctor { url, api_key_env } => {
            crate::doctor::run(cli, url.as_deref(), api_key_env.as_deref()).await
        }
        Command::Cert { command } => cert(cli, command).await,
        Command::Keys { command } => crate::keys::run(cli, command).await,
        Command::Adopt {
            api_id,
            vpc_link_id,
            domain,
            yes,
        } => {
            let ids = crate::adopt::Ids {
                api_id: api_id.clone(),
                vpc_link_id: vpc_link_id.clone(),
                domain: domain.clone(),
            };
            crate::adopt::run(cli, ids, *yes).await
        }
        Command::Export {
            format,
            out_file,
            json,
        } => crate::export::run(cli, *format, out_file.as_deref(), *json).await,
        Command::Diagram {
            format,
            out_file,
            planned,
        } => crate::diagram::run(cli, *format, out_file.as_deref(), *planned).await,
        Command::Completions { shell } => crate::completions::run(*shell),
        Command::IamPolicy {
            account_id,
            cert_import,
        } => crate::iam_policy::run(
            cli.output,
            &configuration::load(cli)?.config,
            account_id.as_deref(),
            *cert_import,
        ),
    }
}

/// Refuses `up`/`down` without `--yes` and without a terminal, before reading anything or
/// touching AWS: a script without --yes fails the same way every time.
fn refuse_unconfirmed(cli: &Cli) -> Result<(), CliError> {
    let yes = match &cli.command {
        Command::Up { yes }
        | Command::Down { yes }
        | Command::Adopt {
            yes,
            api_id: Some(_),
            ..
        } => Some(*yes),
        Command::Keys {
            command: KeysCommand::Rotate { yes, .. },
        } => Some(*yes),
        _ => None,
    };
    if yes == Some(false) && !std::io::stdin().is_terminal() {
        return Err(CliError::invalid(
            "refusing to change AWS without confirmation: standard input is not a terminal. \
             Review the changes with `cortex-net plan`, then pass --yes",
        ));
    }
    Ok(())
}

fn validate(cli: &Cli) -> Result<(), CliError> {
    let loaded = configuration::load(cli)?;
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
        println!("Protection: {}.", config.settings.protection.summary());
    })
}

async fn discover(cli: &Cli) -> Result<(), CliError> {
    let session = Session::open(cli).await?;
    let lb = session.load_balancer().await?;
    output::emit(cli.output, &lb, || discover_text(&lb))
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

async fn plan(cli: &Cli, detailed_exitcode: bool) -> Result<(), CliError> {
    let session = Session::open(cli).await?;
    let plan = merged(&session.survey(Certificates::Enforced).await?.steps);
    output::emit(cli.output, &plan, || println!("{plan}"))?;
    if detailed_exitcode && !plan.is_empty() {
        return Err(CliError::changes_pending());
    }
    Ok(())
}

/// `cert self-signed`: writing the files needs no configuration and no AWS; importing them
/// into ACM needs both.
async fn cert(cli: &Cli, command: &CertCommand) -> Result<(), CliError> {
    let CertCommand::SelfSigned {
        cn,
        days,
        out,
        import,
    } = command;
    if !import {
        return certificates::self_signed(cli.output, cn, *days, out, None).await;
    }
    let session = Session::open(cli).await?;
    certificates::self_signed(
        cli.output,
        cn,
        *days,
        out,
        Some((&session.sdk, session.owner())),
    )
    .await
}

async fn list_endpoints(cli: &Cli) -> Result<(), CliError> {
    let session = Session::open(cli).await?;
    // Side by side; a load balancer that cannot be found is the error reported first.
    let (lb, gateway) = tokio::join!(session.load_balancer(), session.gateway());
    let (lb, gateway) = (lb?, gateway?);
    let list = endpoints::list(&session.config, &lb, gateway.as_ref());
    if gateway.is_none() && !desired::routes(&session.config).is_empty() {
        tracing::warn!("no gateway exists yet: run `cortex-net up` to create it");
    }
    output::emit(cli.output, &list, || output::endpoints_text(&list))
}

/// Asks on the terminal unless `--yes` was given (without a terminal, `run` refused already).
pub(crate) fn confirm(yes: bool, question: &str) -> Result<(), CliError> {
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

/// Everything `-o json up` reports: each applied change with its result and duration.
#[derive(Serialize)]
struct UpReport {
    changes: Vec<Applied>,
    gateway: Option<GatewayInfo>,
    endpoints: Vec<Endpoint>,
}

async fn up(cli: &Cli, yes: bool) -> Result<(), CliError> {
    let session = Session::open(cli).await?;
    let surveyed = session.survey(Certificates::Enforced).await?;
    let (lb, goal, steps) = (surveyed.lb, surveyed.goal, surveyed.steps);
    // Before the question: a stack's gateway is never ours to change.
    refuse_stack_owned(session.owner(), &goal, &steps)?;
    let plan = merged(&steps);
    // The plan is shown for the question only: each change gets its line (stderr) as it is
    // applied, so with --yes the plan would be a second listing of the same changes.
    if cli.output == OutputFormat::Text && (plan.is_empty() || !yes) {
        println!("{plan}");
    }
    if !plan.is_empty() {
        confirm(yes, &format!("Apply these changes ({})?", plan.summary()))?;
    }
    // Only a converged gateway is reported: the gateway comes from the last observation, which
    // planned nothing.
    let settled = session.gateways.settle(&goal, steps).await?;
    let gateway = settled.gateway(&session.region);
    let report = UpReport {
        changes: settled.applied,
        endpoints: endpoints::list(&session.config, &lb, gateway.as_ref()),
        gateway,
    };
    output::emit(cli.output, &report, || up_text(&report))
}

fn up_text(report: &UpReport) {
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
}

/// Everything `-o json down` reports: each removal with its result and duration.
#[derive(Serialize)]
struct DownReport {
    changes: Vec<Applied>,
}

async fn down(cli: &Cli, yes: bool) -> Result<(), CliError> {
    let session = Session::open(cli).await?;
    let steps = session.gateways.plan_towards(&Goal::Removed).await?;
    refuse_stack_owned(session.owner(), &Goal::Removed, &steps)?;
    let plan = merged(&steps);
    if cli.output == OutputFormat::Text {
        if plan.is_empty() {
            println!(
                "Nothing to remove: cortex-net owns no gateway resources for cluster {} in {}.",
                session.config.cluster.cluster_name, session.region
            );
        } else if !yes {
            // For the question only: each removal gets its line as it is made (as in `up`).
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
    let report = DownReport {
        changes: session
            .gateways
            .settle(&Goal::Removed, steps)
            .await?
            .applied,
    };
    output::emit(cli.output, &report, || {
        let removed = Plan {
            changes: report.changes.iter().map(|a| a.change.clone()).collect(),
        };
        if !removed.is_empty() {
            // Those AWS deleted with their API were not sent, so they had no line of their own.
            let with_api = removed
                .changes
                .iter()
                .filter(|change| removed.goes_with_parent(change))
                .count();
            match with_api {
                0 => println!("Removed {} resource(s).", removed.len()),
                n => println!(
                    "Removed {} resource(s), {n} of them with their API.",
                    removed.len()
                ),
            }
        }
    })
}

/// Everything `-o json status` reports.
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

async fn status(cli: &Cli) -> Result<(), CliError> {
    let session = Session::open(cli).await?;
    let surveyed = session.survey(Certificates::Unchecked).await?;
    let (lb, steps) = (surveyed.lb, surveyed.steps);
    let plan = merged(&steps);
    let observed = configured_step(&steps)
        .map(|step| step.observed.clone())
        .unwrap_or_default();
    let gateway = session
        .gateways
        .selected()
        .gateway_info(&observed, &session.region);
    let report = StatusReport {
        cluster: session.config.cluster.cluster_name.clone(),
        region: session.region.clone(),
        endpoints: endpoints::list(&session.config, &lb, gateway.as_ref()),
        load_balancer: lb,
        gateway,
        in_sync: plan.is_empty(),
        pending_changes: plan.changes.clone(),
    };
    output::emit(cli.output, &report, || status_text(&report, &plan))
}

fn status_text(report: &StatusReport, plan: &Plan) {
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
}
