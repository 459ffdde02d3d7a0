//! `cortex-net`, the binary: wires configuration ([`netconf`]), load-balancer discovery
//! ([`lb_discovery`]) and the gateway providers ([`gw_http`], [`gw_rest`]) into the commands
//! `validate`, `discover`, `plan`, `up`, `down`, `endpoints`, `status`, `doctor`, `keys`,
//! `adopt`, `export`, `diagram`, `cert`, `iam-policy` and `completions`.
//!
//! It owns the user-facing contract: flags, text and JSON output, and exit codes (0 done,
//! 1 AWS or operational failure, 2 invalid input, 3 changes pending with
//! `plan --detailed-exitcode`, 130 interrupted). It turns the configuration into the desired
//! gateway, picks the provider of the configured [`gw_core::GatewayKind`] (`registry.rs`, one
//! exhaustive `match`), and plans, applies and settles through the providers (`session.rs`,
//! `settle.rs`).
//!
//! It must never apply a change the user has not seen in a plan and confirmed (`--yes`, or an
//! answer on a terminal), never print a credential (`redact.rs`), and never make AWS calls of
//! its own beyond loading the SDK configuration and checking certificates: what a gateway kind
//! does in AWS belongs to its provider.

mod adopt;
mod aws;
mod certificates;
mod cli;
mod commands;
mod completions;
mod configuration;
mod desired;
mod diagram;
mod doctor;
mod endpoints;
mod error;
mod export;
mod iam_policy;
mod keys;
mod output;
mod progress;
mod redact;
mod registry;
mod session;
mod settle;
#[cfg(test)]
mod testing;

pub use cli::{CertCommand, Cli, Command, OutputFormat};
pub use error::{CliError, EXIT_CHANGES_PENDING, EXIT_FAILURE, EXIT_INVALID_INPUT};

use std::process::ExitCode;

/// Runs one command to completion and maps the outcome to the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::from(EXIT_FAILURE);
        }
    };
    let outcome = runtime.block_on(async {
        tokio::select! {
            result = commands::run(&cli) => Some(result),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    match outcome {
        Some(Ok(())) => ExitCode::SUCCESS,
        Some(Err(err)) if err.exit_code() == EXIT_CHANGES_PENDING => {
            eprintln!("{err}");
            ExitCode::from(EXIT_CHANGES_PENDING)
        }
        Some(Err(err)) => {
            eprintln!("error: {err}");
            ExitCode::from(err.exit_code())
        }
        // Everything we create is tagged in the call that creates it, so whatever an
        // interrupted run made is found, reused or finished by the next one.
        None => {
            eprintln!(
                "interrupted: what was already made is tagged and will be found again; run the \
                 same command again to finish (or `cortex-net down` to remove it)"
            );
            ExitCode::from(EXIT_INTERRUPTED)
        }
    }
}

/// Exit code after Ctrl-C, as shells report a SIGINT death.
pub const EXIT_INTERRUPTED: u8 = 130;

fn init_logging(verbose: u8) {
    let filter = match verbose {
        0 => {
            "warn,aws_config=error,cortex_net=info,gw_core=info,gw_http=info,gw_rest=info,vpclink=info,tls_cert=info"
        }
        1 => "info,cortex_net=debug,gw_core=debug,gw_http=debug,gw_rest=debug,lb_discovery=debug",
        _ => "debug,aws_smithy_runtime=trace",
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CORTEX_NET_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter)),
        )
        .with_writer(redact::stderr)
        .with_target(verbose > 0)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .without_time()
        .try_init();
}
