//! `cargo xtask seed`: a simulated Cortex cluster in moto, through `localstack/seed.py`.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use crate::emulator::{self, Kind, Ports};
use crate::util;

/// The options `localstack/seed.py` understands (checked here so mistakes fail before anything
/// starts): (flag, takes a value).
const OPTIONS: &[(&str, bool)] = &[
    ("--cluster", true),
    ("--region", true),
    ("--scheme", true),
    ("--endpoint-url", true),
    ("--no-decoys", false),
    ("--legacy-tags", false),
    ("--classic", false),
    ("--port", true),
];

/// Starts moto if needed, seeds, prints the JSON.
pub fn run(root: &Path, args: &[String]) -> Result<()> {
    check_args(args)?;
    let emu = emulator::ensure_up(root, &[Kind::Moto])?;
    let (text, _) = seed(root, &emu.ports, args, &[])?;
    println!("{text}");
    Ok(())
}

fn check_args(args: &[String]) -> Result<()> {
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "-h" || arg == "--help" {
            continue;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, _)) => (f, true),
            None => (arg.as_str(), false),
        };
        match OPTIONS.iter().find(|(name, _)| *name == flag) {
            Some((_, true)) if !inline => {
                it.next()
                    .with_context(|| format!("`{flag}` needs a value"))?;
            }
            Some(_) => {}
            None => bail!(
                "unknown seed option `{arg}`; known: {}",
                OPTIONS
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        }
    }
    Ok(())
}

/// Runs `localstack/seed.py ARGS` with the moto venv's python against the running moto and
/// returns its output (one JSON object on one line, keys in seed.py's order) and the parsed JSON. `extra_env` overrides the emulator environment (e.g. another account key).
pub fn seed(
    root: &Path,
    ports: &Ports,
    args: &[String],
    extra_env: &[(&str, String)],
) -> Result<(String, serde_json::Value)> {
    let script = root.join("localstack").join("seed.py");
    let mut cmd = Command::new(emulator::venv_python(root, Kind::Moto));
    cmd.arg(&script)
        .arg("--endpoint-url")
        .arg(ports.moto_url())
        .args(args)
        .current_dir(root)
        .env(
            "PYTHONPYCACHEPREFIX",
            util::emulators_dir(root).join("pycache"),
        )
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    emulator::apply_env(&mut cmd, root, ports);
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .with_context(|| format!("could not start `{}`", util::describe(&cmd)))?;
    if !out.status.success() {
        bail!("`{}` failed ({})", util::describe(&cmd), out.status);
    }
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        return Ok((text, serde_json::Value::Null));
    }
    let json: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("seed.py printed no JSON object: {text}"))?;
    if json.get("load_balancer").is_none() {
        bail!("seed.py output lacks `load_balancer`: {json}");
    }
    Ok((text, json))
}
