//! The `cortex-net` command: parses arguments and hands over to the library; nothing else.

use clap::Parser;
use clap::error::ErrorKind;
use std::process::ExitCode;

fn main() -> ExitCode {
    match cortex_net::Cli::try_parse() {
        Ok(cli) => cortex_net::run(cli),
        Err(error) => usage_error(error),
    }
}

/// Prints a command-line error with every argument shown escaped and cut (an argument can
/// neither forge an output line nor send terminal escapes), and exits 2 (help and version: 0).
fn usage_error(error: clap::Error) -> ExitCode {
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion
    ) {
        let _ = error.print();
        return ExitCode::SUCCESS;
    }
    // Parse again with every argument escaped and cut: the same mistake, now safe to echo
    // (clap's rendering would otherwise print a value raw, or strip only part of it).
    let safe: Vec<String> = std::env::args_os()
        .map(|a| netconf::shown(&a.to_string_lossy()))
        .collect();
    let text = match cortex_net::Cli::try_parse_from(&safe) {
        Err(again) if again.kind() == error.kind() => again.render().to_string(),
        _ => error.render().to_string(),
    };
    // Anything left (clap's own layout uses plain newlines only).
    let text: String = text
        .split('\n')
        .map(netconf::escape)
        .collect::<Vec<_>>()
        .join("\n");
    eprint!("{text}");
    if !text.ends_with('\n') {
        eprintln!();
    }
    ExitCode::from(cortex_net::EXIT_INVALID_INPUT)
}
