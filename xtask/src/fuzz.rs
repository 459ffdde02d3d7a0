//! `cargo xtask fuzz [--seconds N]`: the loader/validator property (crates/netconf/tests/fuzz.rs)
//! run for N seconds on the pinned stable toolchain, printing the cases run and the crashes.

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::util;

/// Default duration of a fuzz run, in seconds.
const DEFAULT_SECONDS: u64 = 60;

/// Parses `[--seconds N]` (also `--seconds=N`).
pub fn parse(rest: &[String]) -> Result<u64> {
    let mut seconds = DEFAULT_SECONDS;
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        let value = match arg.split_once('=') {
            Some(("--seconds", v)) => v.to_string(),
            None if arg == "--seconds" => it
                .next()
                .cloned()
                .context("`--seconds` needs a number of seconds")?,
            _ => bail!("unknown option `{arg}` for `fuzz` (usage: cargo xtask fuzz [--seconds N])"),
        };
        seconds =
            value.parse().ok().filter(|s| *s > 0).with_context(|| {
                format!("`--seconds` needs a whole number above 0, got `{value}`")
            })?;
    }
    Ok(seconds)
}

/// Runs the property for `seconds` (the debug build `cargo test` already made). Returns the
/// test's exit code: 0 without crashes.
pub fn run(root: &Path, seconds: u64) -> Result<i32> {
    util::heading(&format!(
        "fuzz: netconf loader and validator for {seconds} s"
    ));
    let mut cmd = util::cargo(root);
    cmd.args([
        "test",
        "-p",
        "netconf",
        "--test",
        "fuzz",
        "--",
        "--nocapture",
    ])
    .env("CORTEX_NET_FUZZ_SECONDS", seconds.to_string());
    let status = util::status(&mut cmd)?;
    Ok(status.code().unwrap_or(1))
}
