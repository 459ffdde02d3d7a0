//! `cortex-net export`: the gateway `up` would build, as CloudFormation or OpenAPI.
//! Being built (issue 11); owned by its helper until then.

use crate::cli::{Cli, ExportFormat};
use crate::error::CliError;
use std::path::Path;

pub async fn run(
    _cli: &Cli,
    _format: ExportFormat,
    _out_file: Option<&Path>,
    _json: bool,
) -> Result<(), CliError> {
    Err(CliError::invalid(
        "`export` is not available in this build yet",
    ))
}
