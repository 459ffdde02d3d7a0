//! `cargo xtask chaos`: does cortex-net converge under AWS's ordinary weather? Emulators up,
//! `cargo build -p cortex-net`, then `tests/e2e/chaos.py` (the driver) from the moto venv with
//! the emulators' environment: per path (HTTP internet-facing, HTTP internal, REST
//! internet-facing, REST internal v1) N cycles of seed, `up` through fault proxies (the user
//! retries at most 3 times), fault-free `plan`, `down`, read back. It prints a Markdown table
//! (converged, duplicates, orphans, decoys touched, faults injected, retries, failures) and
//! writes JSON (default `.emulators/chaos/report.json`). Exit 1 when any cycle did not converge
//! or left a duplicate, an orphan or a touched decoy.

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::emulator::{self, Kind};
use crate::util;

pub const USAGE: &str = "\
usage: cargo xtask chaos [--runs N] [--rate R] [--seed S] [--paths P[,P...]] [--retries N]
                         [--after-share A] [--parallel] [--report FILE]

  --runs N         cycles per path (default 10)
  --rate R         share of API Gateway and ELB calls faulted: 429, 500, 503, reset (default 0.1)
  --seed S         seed of the fault sequences (default 1): same seed, same faults
  --paths P,...    http-internet-facing, http-internal, rest-internet-facing, rest-internal
                   (default all four)
  --retries N      user retries of a failed up or down (default 3)
  --after-share A  share of 5xx and resets that come after the effect (default 0.5)
  --parallel       run the paths side by side
  --report FILE    JSON report (default .emulators/chaos/report.json)
";

/// The driver's options, checked here so mistakes fail before the emulators start.
const OPTIONS: &[(&str, bool)] = &[
    ("--runs", true),
    ("--rate", true),
    ("--seed", true),
    ("--paths", true),
    ("--retries", true),
    ("--after-share", true),
    ("--report", true),
    ("--parallel", false),
];

pub fn run(root: &Path, args: &[String]) -> Result<i32> {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        print!("{USAGE}");
        return Ok(0);
    }
    let driver_args = check_args(args)?;
    let driver = root.join("tests").join("e2e").join("chaos.py");
    if !driver.is_file() {
        bail!("the chaos driver {} is missing", driver.display());
    }
    util::heading("emulators up");
    let emu = emulator::up(root, &Kind::ALL, None)?;
    let result = build_and_drive(root, &driver, &emu.ports, &driver_args);
    if !emu.started.is_empty() {
        util::heading("stopping the emulators this run started");
        if let Err(e) = emulator::down(root, &emu.started) {
            eprintln!("xtask: warning: stopping the emulators: {e:#}");
        }
    }
    result
}

/// Checks flags and values; returns the arguments for the driver (`--flag=value` split).
fn check_args(args: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f, Some(v.to_string())),
            None => (arg.as_str(), None),
        };
        let Some((_, takes_value)) = OPTIONS.iter().find(|(name, _)| *name == flag) else {
            bail!("unknown chaos option `{arg}`\n\n{USAGE}");
        };
        out.push(flag.to_string());
        if !takes_value {
            if inline.is_some() {
                bail!("`{flag}` takes no value\n\n{USAGE}");
            }
            continue;
        }
        let value = match inline {
            Some(v) => v,
            None => it
                .next()
                .cloned()
                .with_context(|| format!("`{flag}` needs a value\n\n{USAGE}"))?,
        };
        let valid = match flag {
            "--runs" | "--retries" => value
                .parse::<u32>()
                .is_ok_and(|n| flag != "--runs" || n > 0),
            "--seed" => value.parse::<i64>().is_ok(),
            "--rate" | "--after-share" => {
                value.parse::<f64>().is_ok_and(|x| (0.0..=1.0).contains(&x))
            }
            "--paths" => value.split(',').all(|p| {
                [
                    "http-internet-facing",
                    "http-internal",
                    "rest-internet-facing",
                    "rest-internal",
                ]
                .contains(&p)
            }),
            _ => !value.is_empty(),
        };
        if !valid {
            bail!("bad value `{value}` for `{flag}`\n\n{USAGE}");
        }
        out.push(value);
    }
    Ok(out)
}

fn build_and_drive(
    root: &Path,
    driver: &Path,
    ports: &emulator::Ports,
    args: &[String],
) -> Result<i32> {
    let mut cmd = crate::test::python_with_cli(root, ports)?;
    cmd.arg(driver).args(args);
    util::heading(&util::describe(&cmd));
    let status = util::status(&mut cmd)?;
    Ok(status.code().unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::check_args;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_are_checked_and_passed_on() {
        let out = check_args(&args(&[
            "--runs",
            "3",
            "--rate=0.2",
            "--paths",
            "http-internal,rest-internal",
            "--parallel",
        ]))
        .unwrap();
        assert_eq!(
            out,
            args(&[
                "--runs",
                "3",
                "--rate",
                "0.2",
                "--paths",
                "http-internal,rest-internal",
                "--parallel"
            ])
        );
        assert!(check_args(&args(&["--rate", "2"])).is_err());
        assert!(check_args(&args(&["--runs", "0"])).is_err());
        assert!(check_args(&args(&["--paths", "http"])).is_err());
        assert!(check_args(&args(&["--seeds", "1"])).is_err());
        assert!(check_args(&args(&["--runs"])).is_err());
        assert!(check_args(&args(&["--parallel=yes"])).is_err());
    }
}
