//! `cargo xtask test` (the project's test command) and `cargo xtask e2e`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::emulator::{self, Kind};
use crate::util::{self, fmt_duration};

/// fmt check, clippy, unit tests, end-to-end tests; stops at the first failure. Prints a table of
/// step times at the end either way.
pub fn run(root: &Path) -> Result<()> {
    type Step<'a> = (&'static str, Box<dyn Fn() -> Result<()> + 'a>);
    let steps: Vec<Step> = vec![
        (
            "cargo fmt --all -- --check",
            Box::new(|| util::run(util::cargo(root).args(["fmt", "--all", "--", "--check"]))),
        ),
        (
            "cargo clippy --workspace --all-targets -- -D warnings",
            Box::new(|| {
                util::run(util::cargo(root).args([
                    "clippy",
                    "--workspace",
                    "--all-targets",
                    "--",
                    "-D",
                    "warnings",
                ]))
            }),
        ),
        (
            "cargo test --workspace",
            Box::new(|| util::run(util::cargo(root).args(["test", "--workspace"]))),
        ),
        (
            "cargo doc --workspace --no-deps (warnings denied)",
            Box::new(|| {
                util::run(
                    util::cargo(root)
                        .args(["doc", "--workspace", "--no-deps"])
                        .env("RUSTDOCFLAGS", "-D warnings"),
                )
            }),
        ),
        (
            "end-to-end tests (cargo xtask e2e)",
            Box::new(|| match e2e(root, &[])? {
                0 => Ok(()),
                code => bail!("pytest exited with {code}"),
            }),
        ),
    ];

    let t_all = Instant::now();
    let mut times: Vec<(&str, Duration, &str)> = Vec::new();
    let mut failure = None;
    for (name, step) in &steps {
        util::heading(name);
        let t0 = Instant::now();
        let result = step();
        let ok = result.is_ok();
        times.push((name, t0.elapsed(), if ok { "ok" } else { "FAILED" }));
        if let Err(e) = result {
            failure = Some((name, e));
            break;
        }
    }

    println!("\n{:<56} {:>9}  result", "step", "time");
    for (name, d, res) in &times {
        println!("{name:<56} {:>9}  {res}", fmt_duration(*d));
    }
    for (name, _) in steps.iter().skip(times.len()) {
        println!("{name:<56} {:>9}  not run", "-");
    }
    println!("{:<56} {:>9}", "total", fmt_duration(t_all.elapsed()));

    match failure {
        Some((name, e)) => Err(e.context(format!("step `{name}` failed"))),
        None => {
            println!("\nall steps passed");
            Ok(())
        }
    }
}

/// Emulators up, `cargo build -p cortex-net`, `pytest tests/e2e -q ARGS` in the moto venv with
/// the emulator env. Stops the emulators afterwards if it started them. Returns pytest's code.
pub fn e2e(root: &Path, pytest_args: &[String]) -> Result<i32> {
    let suite = match std::env::var_os("CORTEX_NET_E2E_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("tests").join("e2e"),
    };
    if !suite.exists() {
        bail!(
            "no end-to-end suite at {} (set CORTEX_NET_E2E_DIR to run another directory)",
            suite.display()
        );
    }
    let emu = emulator::up(root, &Kind::ALL, None)?;
    let result = build_and_run_pytest(root, &suite, &emu.ports, pytest_args);
    if !emu.started.is_empty() {
        util::heading("stopping the emulators this run started");
        if let Err(e) = emulator::down(root, &emu.started) {
            eprintln!("xtask: warning: stopping the emulators: {e:#}");
        }
    }
    result
}

fn build_and_run_pytest(
    root: &Path,
    suite: &Path,
    ports: &emulator::Ports,
    pytest_args: &[String],
) -> Result<i32> {
    let mut cmd = python_with_cli(root, ports)?;
    cmd.args(["-m", "pytest"])
        .arg(suite)
        .arg("-q")
        .arg("-o")
        .arg(format!(
            "cache_dir={}",
            util::emulators_dir(root).join("pytest-cache").display()
        ))
        .args(pytest_args);
    util::heading(&util::describe(&cmd));
    let status = util::status(&mut cmd)?;
    Ok(status.code().unwrap_or(1))
}

/// Builds the CLI, then a command running the moto venv's Python in the repository with the
/// emulator environment and `CORTEX_NET_BIN` / `CORTEX_NET_REPO` set (for pytest and the chaos
/// driver).
pub fn python_with_cli(root: &Path, ports: &emulator::Ports) -> Result<Command> {
    util::heading("cargo build -p cortex-net");
    let bin = util::build_cli(root)?;
    let bin = bin
        .canonicalize()
        .with_context(|| format!("resolving {}", bin.display()))?;
    let mut cmd = Command::new(emulator::venv_python(root, Kind::Moto));
    cmd.current_dir(root)
        .env("CORTEX_NET_BIN", &bin)
        .env("CORTEX_NET_REPO", root)
        .env(
            "PYTHONPYCACHEPREFIX",
            util::emulators_dir(root).join("pycache"),
        );
    emulator::apply_env(&mut cmd, root, ports);
    Ok(cmd)
}
