//! `cargo xtask bench`: how long cortex-net's commands take against the emulators, and the
//! REST build strategies compared (`crates/gw-rest/bench/`). Numbers, not assertions: tests
//! never time anything.

use crate::emulator::{self, Kind};
use crate::session::{Cluster, Session, fresh_account_id};
use crate::util;
use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Repetitions per scenario; the median is reported.
const REPEAT: usize = 3;

/// (label, gateway type, load balancer scheme, region used only by the bench).
const SCENARIOS: [(&str, &str, &str, &str); 4] = [
    (
        "http, internet-facing",
        "http",
        "internet-facing",
        "ca-central-1",
    ),
    (
        "http, internal (VPC link v2)",
        "http",
        "internal",
        "eu-north-1",
    ),
    (
        "rest, internet-facing",
        "rest",
        "internet-facing",
        "eu-west-3",
    ),
    (
        "rest, internal (VPC link v1)",
        "rest",
        "internal",
        "ap-northeast-3",
    ),
];

const STEPS: [(&str, &[&str]); 4] = [
    ("up (create)", &["up", "--yes"]),
    ("up (converged)", &["up", "--yes"]),
    ("plan (converged)", &["plan"]),
    ("down", &["down", "--yes"]),
];

pub fn run(root: &Path) -> Result<()> {
    util::heading("emulators up");
    let emu = emulator::ensure_up(root, &Kind::ALL)?;
    util::heading("cargo build -p cortex-net");
    let session = Session {
        root,
        ports: emu.ports,
        bin: util::build_cli(root)?,
        // A LocalStack account of its own (LocalStack cannot be reset); moto regions are the
        // bench's.
        account: fresh_account_id(),
    };
    let dir = util::emulators_dir(root).join("bench");

    let mut rows = Vec::new();
    for (label, kind, scheme, region) in SCENARIOS {
        util::heading(&format!("{label}: {REPEAT} runs"));
        let mut times: Vec<Vec<Duration>> = vec![Vec::new(); STEPS.len()];
        for run in 0..REPEAT {
            let name = format!("bench{run}-{}", &kind[..1]);
            let config = dir.join(format!("{name}-{region}.yaml"));
            let cluster = Cluster {
                name: &name,
                region,
                scheme,
            };
            session.seed(&cluster, &config)?;
            for (index, (_, args)) in STEPS.iter().enumerate() {
                times[index].push(time(&session, &config, kind, args)?);
            }
        }
        rows.push((label, times.into_iter().map(median).collect::<Vec<_>>()));
    }
    print_table(&rows);

    util::heading("REST: individual calls vs PutRestApi (crates/gw-rest/bench)");
    let mut cmd = Command::new(emulator::venv_python(root, Kind::LocalStack));
    cmd.arg(root.join("crates/gw-rest/bench/put_rest_api_vs_calls.py"))
        .arg("--endpoint")
        .arg(session.ports.localstack_url())
        .current_dir(root);
    emulator::apply_env(&mut cmd, root, &session.ports);
    cmd.envs(session.account_env());
    util::run(&mut cmd)?;
    if !emu.started.is_empty() {
        println!("\n(emulators left running; stop them with `cargo xtask emulator down`)");
    }
    Ok(())
}

/// How long `cortex-net --gateway-type KIND -o json ARGS` takes; an error when it fails.
fn time(session: &Session<'_>, config: &Path, kind: &str, args: &[&str]) -> Result<Duration> {
    let mut cmd = session.cli(config, &["--gateway-type", kind, "-o", "json"]);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let started = Instant::now();
    let status = cmd
        .status()
        .with_context(|| format!("running {}", util::describe(&cmd)))?;
    if !status.success() {
        bail!("`{}` failed ({status})", util::describe(&cmd));
    }
    Ok(started.elapsed())
}

/// The medians, one row per scenario, one column per step.
fn print_table(rows: &[(&str, Vec<Duration>)]) {
    println!("\ncortex-net (debug build) against the emulators, median of {REPEAT} runs:\n");
    print!("{:<32}", "scenario");
    for (name, _) in STEPS {
        print!("{name:>18}");
    }
    println!();
    for (label, medians) in rows {
        print!("{label:<32}");
        for m in medians {
            print!("{:>18}", format!("{} ms", m.as_millis()));
        }
        println!();
    }
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values.get(values.len() / 2).copied().unwrap_or_default()
}
