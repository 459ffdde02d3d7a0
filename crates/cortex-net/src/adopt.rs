//! `cortex-net adopt`: takes over a gateway made by hand following Cortex's guide.
//! Being built (issue 11); owned by its helper until then.

use crate::cli::Cli;
use crate::error::CliError;

/// What the user named to adopt.
#[derive(Debug, Clone, Default)]
pub struct Ids {
    pub api_id: Option<String>,
    pub vpc_link_id: Option<String>,
    pub domain: Option<String>,
}

pub async fn run(_cli: &Cli, ids: Ids, _yes: bool) -> Result<(), CliError> {
    let named = [ids.api_id, ids.vpc_link_id, ids.domain];
    Err(CliError::invalid(format!(
        "`adopt` is not available in this build yet ({} id(s) given)",
        named.iter().flatten().count()
    )))
}
