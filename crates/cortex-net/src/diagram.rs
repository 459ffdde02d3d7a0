//! `cortex-net diagram`: the live architecture as SVG or Mermaid.
//! Being built (issue 11); owned by its helper until then.

use crate::cli::{Cli, DiagramFormat};
use crate::error::CliError;
use std::path::Path;

pub async fn run(
    _cli: &Cli,
    _format: DiagramFormat,
    _out_file: Option<&Path>,
    _planned: bool,
) -> Result<(), CliError> {
    Err(CliError::invalid(
        "`diagram` is not available in this build yet",
    ))
}
