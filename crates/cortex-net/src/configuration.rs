//! Loading the configuration before a command: every problem with the files, the flags and
//! the AWS settings reported at once, and exit code 2 when there is one.

use crate::aws;
use crate::cli::{Cli, Command, OutputFormat};
use crate::error::CliError;
use crate::output;
use netconf::{Config, Diagnostic, LoadOptions, Overrides, Severity};
use serde::Serialize;

/// Everything `-o json validate` reports.
#[derive(Serialize)]
pub(crate) struct Validation<'a> {
    pub(crate) valid: bool,
    pub(crate) errors: Vec<&'a Diagnostic>,
    pub(crate) warnings: Vec<&'a Diagnostic>,
}

/// Loads the configuration; invalid configuration ends the command with exit code 2, after
/// every problem has been printed (as JSON for `validate -o json`).
pub(crate) fn load(cli: &Cli) -> Result<Loaded, CliError> {
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

/// A valid configuration and the warnings found on the way.
pub(crate) struct Loaded {
    pub(crate) config: Config,
    pub(crate) warnings: Vec<Diagnostic>,
}
