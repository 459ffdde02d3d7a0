//! `cargo xtask bench [--quick] [OPTIONS]`: cortex-net measured the way AWS will treat it
//! (issue 9). Emulators up, `cargo build --release -p cortex-net`, then the driver
//! `bench/bench.py` (moto venv's Python, the emulators' environment): every AWS call through a
//! quota proxy (API Gateway's control-plane quotas, a latency per call), HTTP and REST APIs,
//! internet-facing and internal (VPC link PENDING 60 s), N Cortex APIs; `up` from scratch,
//! converged `up`, `plan`, `down`; baselines with the AWS CLI and boto3. Writes
//! `.emulators/bench/report.{json,md,svg}` and prints the Markdown. The full run (not
//! `--quick`) then compares the REST build strategies (`crates/gw-rest/bench/`). Numbers, not
//! assertions: tests never time anything.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::emulator::{self, Kind, Ports};
use crate::session::fresh_account_id;
use crate::util;

pub const USAGE: &str = "\
usage: cargo xtask bench [--quick] [OPTIONS]

  (none)                   the whole benchmark: N=1,10,100,500, 50 ms a call (and 0 and 100 ms
                           for internet-facing N<=100), HTTP and REST, internet-facing and
                           internal, baselines; long (about 2 h; --jobs shortens it)
  --quick                  N=1,10, one latency, no sweep: a few minutes
  --n 1,10                 numbers of Cortex APIs
  --latency-ms 50          latency of each AWS call
  --sweep-latency-ms 0,100 other latencies for internet-facing N <= --sweep-max-n (\"\" for none)
  --sweep-max-n 100
  --kinds http,rest        gateway kinds
  --schemes internet-facing,internal
  --repeat 5               runs of a short scenario (median reported)
  --short-s 10             a scenario is short when every command takes less
  --pending-s 60           seconds an internal cluster's VPC link stays PENDING
  --baselines aws-cli,boto3  or none
  --baseline-max-n 10      largest N of the AWS CLI baseline
  --jobs 1                 scenarios side by side (each with its own proxies and account)
  --out DIR                report directory (default .emulators/bench)
";

/// The driver's options (flag, takes a value), checked here so that a typo fails before the
/// emulators start and the release build runs.
const OPTIONS: &[(&str, bool)] = &[
    ("--quick", false),
    ("--n", true),
    ("--latency-ms", true),
    ("--sweep-latency-ms", true),
    ("--sweep-max-n", true),
    ("--kinds", true),
    ("--schemes", true),
    ("--repeat", true),
    ("--short-s", true),
    ("--pending-s", true),
    ("--baselines", true),
    ("--baseline-max-n", true),
    ("--jobs", true),
    ("--out", true),
];

pub fn run(root: &Path, args: &[String]) -> Result<i32> {
    if args.iter().any(|a| a == "-h" || a == "--help") {
        print!("{USAGE}");
        return Ok(0);
    }
    let driver_args = check_args(args)?;
    let driver = root.join("bench").join("bench.py");
    if !driver.is_file() {
        bail!("the bench driver {} is missing", driver.display());
    }
    util::heading("emulators up");
    let emu = emulator::ensure_up(root, &Kind::ALL)?;
    util::heading("cargo build --release -p cortex-net");
    let bin = build_release(root)?;
    let mut cmd = Command::new(emulator::venv_python(root, Kind::Moto));
    cmd.arg(&driver)
        .arg("--bin")
        .arg(&bin)
        .args(&driver_args)
        .current_dir(root)
        .env("CORTEX_NET_REPO", root)
        .env(
            "PYTHONPYCACHEPREFIX",
            util::emulators_dir(root).join("pycache"),
        );
    emulator::apply_env(&mut cmd, root, &emu.ports);
    util::heading(&util::describe(&cmd));
    let code = util::status(&mut cmd)?.code().unwrap_or(1);
    if code == 0 && !driver_args.iter().any(|a| a == "--quick") {
        compare_rest_strategies(root, &emu.ports)?;
    }
    if !emu.started.is_empty() {
        println!("\n(emulators left running; stop them with `cargo xtask emulator down`)");
    }
    Ok(code)
}

/// Checks flags and values; returns the driver's arguments (`--flag=value` split).
fn check_args(args: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f, Some(v.to_string())),
            None => (arg.as_str(), None),
        };
        let Some((_, takes_value)) = OPTIONS.iter().find(|(name, _)| *name == flag) else {
            bail!("unknown bench option `{arg}`\n\n{USAGE}");
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
        if !valid_value(flag, &value) {
            bail!("bad value `{value}` for `{flag}`\n\n{USAGE}");
        }
        out.push(value);
    }
    Ok(out)
}

fn valid_value(flag: &str, value: &str) -> bool {
    let list = |ok: &dyn Fn(&str) -> bool| value.split(',').all(ok);
    let count = |s: &str| s.parse::<u32>().is_ok_and(|n| n > 0);
    let seconds = |s: &str| s.parse::<f64>().is_ok_and(|x| x >= 0.0);
    match flag {
        "--n" => list(&count),
        "--repeat" | "--sweep-max-n" | "--baseline-max-n" | "--jobs" => count(value),
        "--latency-ms" | "--short-s" | "--pending-s" => seconds(value),
        "--sweep-latency-ms" => value.is_empty() || list(&seconds),
        "--kinds" => list(&|k| ["http", "rest"].contains(&k)),
        "--schemes" => list(&|s| ["internet-facing", "internal"].contains(&s)),
        "--baselines" => value == "none" || list(&|b| ["aws-cli", "boto3"].contains(&b)),
        _ => !value.is_empty(),
    }
}

/// `cargo build --release -p cortex-net`, returning the binary's path.
fn build_release(root: &Path) -> Result<PathBuf> {
    util::run(util::cargo(root).args(["build", "--release", "-p", "cortex-net"]))?;
    let bin = util::target_dir(root)?.join("release").join("cortex-net");
    if !bin.is_file() {
        bail!(
            "the release build succeeded but {} does not exist",
            bin.display()
        );
    }
    bin.canonicalize()
        .with_context(|| format!("resolving {}", bin.display()))
}

/// The REST build strategies (individual calls vs one PutRestApi), boto3 on LocalStack.
fn compare_rest_strategies(root: &Path, ports: &Ports) -> Result<()> {
    util::heading("REST: individual calls vs PutRestApi (crates/gw-rest/bench)");
    let mut cmd = Command::new(emulator::venv_python(root, Kind::LocalStack));
    cmd.arg(root.join("crates/gw-rest/bench/put_rest_api_vs_calls.py"))
        .arg("--endpoint")
        .arg(ports.localstack_url())
        .current_dir(root);
    emulator::apply_env(&mut cmd, root, ports);
    // LocalStack cannot be reset: an account of this run's own.
    cmd.env("AWS_ACCESS_KEY_ID", fresh_account_id());
    util::run(&mut cmd)
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
            "--quick", "--n=1,10", "--kinds", "http", "--jobs", "2",
        ]))
        .unwrap();
        assert_eq!(
            out,
            args(&["--quick", "--n", "1,10", "--kinds", "http", "--jobs", "2"])
        );
        assert_eq!(
            check_args(&args(&["--sweep-latency-ms", ""])).unwrap(),
            args(&["--sweep-latency-ms", ""])
        );
        assert!(check_args(&args(&["--n", "0"])).is_err());
        assert!(check_args(&args(&["--n", "1,x"])).is_err());
        assert!(check_args(&args(&["--kinds", "websocket"])).is_err());
        assert!(check_args(&args(&["--latency-ms", "-1"])).is_err());
        assert!(check_args(&args(&["--quick=yes"])).is_err());
        assert!(check_args(&args(&["--repeat"])).is_err());
        assert!(check_args(&args(&["--bin", "x"])).is_err());
        assert!(check_args(&args(&["--baselines", "none"])).is_ok());
    }
}
