//! `cortex-net completions SHELL`: the shell completion script, from clap's own description of
//! the command line (`clap_complete`), so it can never disagree with the arguments the binary
//! accepts. Offline: no configuration, no AWS.

use crate::cli::{Cli, Shell};
use crate::error::CliError;
use clap::CommandFactory;
use std::io::Write;

/// Prints the completion script for `shell` on standard output.
pub fn run(shell: Shell) -> Result<(), CliError> {
    let script = script(shell);
    std::io::stdout()
        .lock()
        .write_all(&script)
        .map_err(|e| CliError::failed(format!("cannot write the completion script: {e}")))
}

/// The completion script for `shell`, for the command named `cortex-net`.
fn script(shell: Shell) -> Vec<u8> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    let name = command.get_name().to_string();
    let generator = generator(shell);
    clap_complete::generate(generator, &mut command, name, &mut script);
    script
}

/// clap_complete's generator for each shell we name (ours is a `ValueEnum` of its own so that
/// `--help` lists exactly the four).
fn generator(shell: Shell) -> clap_complete::Shell {
    match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Powershell => clap_complete::Shell::PowerShell,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(shell: Shell) -> String {
        String::from_utf8(script(shell)).expect("scripts are UTF-8")
    }

    #[test]
    fn every_script_completes_the_subcommands_and_their_flags() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::Powershell] {
            let script = text(shell);
            for word in ["plan", "up", "down", "completions", "detailed-exitcode"] {
                assert!(script.contains(word), "{shell:?} lacks {word}");
            }
        }
    }

    #[test]
    fn each_script_is_written_for_its_shell() {
        assert!(text(Shell::Bash).contains("complete -F _cortex__net"));
        assert!(text(Shell::Zsh).starts_with("#compdef cortex-net"));
        assert!(text(Shell::Fish).contains("complete -c cortex-net"));
        assert!(text(Shell::Powershell).contains("Register-ArgumentCompleter"));
    }

    #[test]
    fn value_choices_are_offered() {
        let fish = text(Shell::Fish);
        for value in ["bash", "zsh", "fish", "powershell", "json", "text"] {
            assert!(fish.contains(value), "fish script lacks {value}");
        }
    }
}
