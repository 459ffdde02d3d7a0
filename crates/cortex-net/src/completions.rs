//! `cortex-net completions SHELL`: the shell completion script, from clap's own description of
//! the command line.
//! Being built (issue 11); owned by its helper until then.

use crate::cli::Shell;
use crate::error::CliError;

pub fn run(_shell: Shell) -> Result<(), CliError> {
    Err(CliError::invalid(
        "`completions` is not available in this build yet",
    ))
}
