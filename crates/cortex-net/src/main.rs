//! The `cortex-net` command: parses arguments and hands over to the library; nothing else.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cortex_net::Cli::parse();
    cortex_net::run(cli)
}
