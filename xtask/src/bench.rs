//! `cargo xtask bench`: how long cortex-net's commands take against the emulators, and the
//! REST build strategies compared (`crates/gw-rest/bench/`). Numbers, not assertions: tests
//! never time anything.

use crate::emulator::{self, Kind};
use crate::{demo, seed, util};
use anyhow::{Context, Result, bail};
use std::fs;
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
    let ports = emu.ports;
    util::heading("cargo build -p cortex-net");
    let bin = util::build_cli(root)?;
    // A LocalStack account of its own (LocalStack cannot be reset); moto regions are the bench's.
    let account = demo::fresh_account_id();
    let dir = util::emulators_dir(root).join("bench");
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;

    let mut rows = Vec::new();
    for (label, kind, scheme, region) in SCENARIOS {
        util::heading(&format!("{label}: {REPEAT} runs"));
        let mut times: Vec<Vec<Duration>> = vec![Vec::new(); STEPS.len()];
        for run in 0..REPEAT {
            let cluster = format!("bench{run}-{}", &kind[..1]);
            seed::seed(
                root,
                &ports,
                &[
                    "--cluster".into(),
                    cluster.clone(),
                    "--region".into(),
                    region.into(),
                    "--scheme".into(),
                    scheme.into(),
                    "--no-decoys".into(),
                ],
                &[("AWS_ACCESS_KEY_ID", account.clone())],
            )?;
            let config = dir.join(format!("{cluster}-{region}.yaml"));
            fs::write(
                &config,
                format!("cluster_name: {cluster}\nregion: {region}\napi_load_balancer_scheme: {scheme}\n"),
            )
            .with_context(|| format!("writing {}", config.display()))?;
            for (index, (_, args)) in STEPS.iter().enumerate() {
                let mut cmd = Command::new(&bin);
                cmd.arg("-c")
                    .arg(&config)
                    .args(["--gateway-type", kind, "-o", "json"])
                    .args(*args)
                    .env("AWS_ACCESS_KEY_ID", &account)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null());
                emulator::apply_env(&mut cmd, root, &ports);
                cmd.env("AWS_ACCESS_KEY_ID", &account);
                let started = Instant::now();
                let status = cmd
                    .status()
                    .with_context(|| format!("running {}", util::describe(&cmd)))?;
                if !status.success() {
                    bail!("`{}` failed ({status})", util::describe(&cmd));
                }
                times[index].push(started.elapsed());
            }
        }
        rows.push((label, times.into_iter().map(median).collect::<Vec<_>>()));
    }

    println!("\ncortex-net (debug build) against the emulators, median of {REPEAT} runs:\n");
    print!("{:<32}", "scenario");
    for (name, _) in STEPS {
        print!("{name:>18}");
    }
    println!();
    for (label, medians) in &rows {
        print!("{label:<32}");
        for m in medians {
            print!("{:>18}", format!("{} ms", m.as_millis()));
        }
        println!();
    }

    util::heading("REST: individual calls vs PutRestApi (crates/gw-rest/bench)");
    let mut cmd = Command::new(emulator::venv_python(root, Kind::LocalStack));
    cmd.arg(root.join("crates/gw-rest/bench/put_rest_api_vs_calls.py"))
        .arg("--endpoint")
        .arg(ports.localstack_url())
        .current_dir(root);
    emulator::apply_env(&mut cmd, root, &ports);
    cmd.env("AWS_ACCESS_KEY_ID", &account);
    util::run(&mut cmd)?;
    if !emu.started.is_empty() {
        println!("\n(emulators left running; stop them with `cargo xtask emulator down`)");
    }
    Ok(())
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values.get(values.len() / 2).copied().unwrap_or_default()
}
