//! `cargo xtask`: automation for cortex-net.
//!
//! ```text
//! cargo xtask emulator up [--moto-port N] [--localstack-port N]
//! cargo xtask emulator down | status
//! cargo xtask seed [--cluster NAME] [--region R] [--scheme internet-facing|internal]
//!                  [--no-decoys] [--legacy-tags] [--classic] [--port N]
//! cargo xtask demo
//! cargo xtask e2e [-- PYTEST_ARGS...]
//! cargo xtask test
//! cargo xtask bench [--quick] [--n 1,10] [--latency-ms 50] [--kinds http,rest] [--repeat 5] ...
//! cargo xtask fuzz [--seconds N]
//! cargo xtask chaos [--runs N] [--rate R] [--seed S] [--paths P,...] [--parallel]
//! ```

mod bench;
mod chaos;
mod demo;
mod emulator;
mod fuzz;
mod seed;
mod session;
mod test;
mod util;

use std::process::ExitCode;

use anyhow::{Context, Result, bail};

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  emulator up [--moto-port N] [--localstack-port N]
                   create the emulator venvs if needed, start moto (default port 5000, env
                   CORTEX_NET_MOTO_PORT) and LocalStack (4566, CORTEX_NET_LOCALSTACK_PORT) in the
                   background (LocalStack in a private mount namespace whose /etc/hosts is
                   .emulators/hosts), wait until ready, write .emulators/env
  emulator down    stop both emulators
  emulator status  show both emulators; exit 1 unless both run and answer
  seed [--cluster NAME] [--region R] [--scheme internet-facing|internal]
       [--no-decoys] [--legacy-tags] [--classic] [--port N]
                   create a simulated Cortex cluster in moto (localstack/seed.py); prints JSON
                   (--port: the load balancer's listener port, default 80)
  demo             emulators up, seed, then cortex-net plan / up / endpoints / up / down
  e2e [-- ARGS]    emulators up, build cortex-net, run pytest tests/e2e (ARGS go to pytest)
  test             the project's test command: fmt check, clippy, cargo test, e2e
  bench [--quick] [--n 1,10] [--latency-ms 50] [--kinds http,rest] [--repeat 5] ...
                   cortex-net under API Gateway's quotas (issue 9): the release build's plan / up /
                   down per gateway kind, scheme and number of APIs through a quota proxy (a
                   latency per call), against AWS CLI and boto3 baselines; report in
                   .emulators/bench (`cargo xtask bench --help` for every option)
  fuzz [--seconds N]
                   property-based fuzzing of the configuration loader for N seconds (default
                   60): prints the cases run and the crashes; exit 1 on any crash
  chaos [--runs N] [--rate R] [--seed S] [--paths P,...] [--retries N] [--parallel]
                   N cycles per path of up through fault proxies (user retries <= 3), plan,
                   down; prints converged runs, duplicates, orphans, decoys touched, faults
                   (`cargo xtask chaos --help` for every option)
";

fn main() -> ExitCode {
    match real_main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xtask: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn real_main() -> Result<ExitCode> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = util::repo_root();
    let Some((cmd, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return Ok(ExitCode::from(2));
    };
    match cmd.as_str() {
        "emulator" => {
            let Some((sub, rest)) = rest.split_first() else {
                bail!("`cargo xtask emulator` needs up, down or status\n\n{USAGE}");
            };
            match sub.as_str() {
                "up" => {
                    let ports = parse_emulator_up(rest)?;
                    emulator::up(&root, &emulator::Kind::ALL, Some(ports))?;
                    println!(
                        "\nEnvironment for AWS clients: . {}",
                        util::rel(&root, &emulator::env_file(&root))
                    );
                    println!("Stop with: cargo xtask emulator down");
                    Ok(ExitCode::SUCCESS)
                }
                "down" => {
                    no_args(rest, "emulator down")?;
                    emulator::down(&root, &emulator::Kind::ALL)?;
                    Ok(ExitCode::SUCCESS)
                }
                "status" => {
                    no_args(rest, "emulator status")?;
                    Ok(if emulator::print_status(&root)? {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::FAILURE
                    })
                }
                other => bail!("unknown emulator command `{other}`\n\n{USAGE}"),
            }
        }
        "seed" => {
            seed::run(&root, rest)?;
            Ok(ExitCode::SUCCESS)
        }
        "demo" => {
            no_args(rest, "demo")?;
            demo::run(&root)?;
            Ok(ExitCode::SUCCESS)
        }
        "e2e" => {
            let pytest_args = match rest.split_first() {
                None => &[][..],
                Some((dashes, tail)) if dashes == "--" => tail,
                // Without `--`, everything after `e2e` goes to pytest as well.
                Some(_) => rest,
            };
            let code = test::e2e(&root, pytest_args)?;
            Ok(exit_code(code))
        }
        "test" => {
            no_args(rest, "test")?;
            test::run(&root)?;
            Ok(ExitCode::SUCCESS)
        }
        "bench" => Ok(exit_code(bench::run(&root, rest)?)),
        "fuzz" => {
            let seconds = fuzz::parse(rest)?;
            Ok(exit_code(fuzz::run(&root, seconds)?))
        }
        "chaos" => Ok(exit_code(chaos::run(&root, rest)?)),
        "help" | "-h" | "--help" => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}

fn exit_code(code: i32) -> ExitCode {
    match u8::try_from(code) {
        Ok(c) => ExitCode::from(c),
        Err(_) => ExitCode::FAILURE,
    }
}

fn no_args(rest: &[String], what: &str) -> Result<()> {
    if let Some(extra) = rest.first() {
        bail!("`cargo xtask {what}` takes no arguments (got `{extra}`)\n\n{USAGE}");
    }
    Ok(())
}

/// `[--moto-port N] [--localstack-port N]` (also `--flag=N`), on top of the environment.
fn parse_emulator_up(rest: &[String]) -> Result<emulator::Ports> {
    let mut ports = emulator::Ports::from_env()?;
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f, Some(v.to_string())),
            None => (arg.as_str(), None),
        };
        let slot = match flag {
            "--moto-port" => &mut ports.moto,
            "--localstack-port" => &mut ports.localstack,
            other => bail!("unknown option `{other}` for `emulator up`\n\n{USAGE}"),
        };
        let value = match inline {
            Some(v) => v,
            None => it
                .next()
                .cloned()
                .with_context(|| format!("`{flag}` needs a port number"))?,
        };
        *slot = emulator::parse_port(&value).with_context(|| format!("bad value for `{flag}`"))?;
    }
    if ports.moto == ports.localstack {
        bail!("moto and LocalStack cannot share port {}", ports.moto);
    }
    Ok(ports)
}
