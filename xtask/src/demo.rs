//! `cargo xtask demo`: the whole life cycle of a gateway against the local emulators.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

use crate::emulator::{self, Kind};
use crate::{seed, util};

const CLUSTER: &str = "demo";
const REGION: &str = "us-east-1";

pub fn run(root: &Path) -> Result<()> {
    util::heading("emulators up");
    let emu = emulator::up(root, &Kind::ALL, None)?;
    let ports = emu.ports;

    // moto can be reset; LocalStack cannot, so this run gets an account of its own there
    // (LocalStack maps a 12-digit access key to that account; moto ignores the key).
    let account = fresh_account_id();
    let extra_env = [("AWS_ACCESS_KEY_ID", account.clone())];

    util::heading(&format!("reset moto, seed cluster `{CLUSTER}` in {REGION}"));
    emulator::reset_moto(&ports)?;
    let (seeded, _) = seed::seed(
        root,
        &ports,
        &[
            "--cluster".into(),
            CLUSTER.into(),
            "--region".into(),
            REGION.into(),
        ],
        &extra_env,
    )?;
    println!("{seeded}");
    println!("(LocalStack account for this run: {account})");

    util::heading("cargo build -p cortex-net");
    let bin = util::build_cli(root)?;

    let demo_dir = util::emulators_dir(root).join("demo");
    fs::create_dir_all(&demo_dir).with_context(|| format!("creating {}", demo_dir.display()))?;
    let config = demo_dir.join("cluster.yaml");
    fs::write(
        &config,
        format!("# Written by `cargo xtask demo`.\ncluster_name: {CLUSTER}\nregion: {REGION}\n"),
    )
    .with_context(|| format!("writing {}", config.display()))?;
    let config_arg = util::rel(root, &config);

    let steps: [(&[&str], &str); 5] = [
        (&["plan"], "what would change"),
        (&["up", "--yes"], "create the gateway"),
        (&["endpoints"], "where to reach it"),
        (&["up", "--yes"], "again: nothing to do"),
        (&["down", "--yes"], "remove it"),
    ];
    for (args, what) in steps {
        let mut cmd = Command::new(&bin);
        cmd.arg("-c").arg(&config_arg).args(args).current_dir(root);
        emulator::apply_env(&mut cmd, root, &ports);
        for (k, v) in &extra_env {
            cmd.env(k, v);
        }
        util::heading(&format!(
            "cortex-net -c {config_arg} {} ({what})",
            args.join(" ")
        ));
        let status = util::status(&mut cmd)?;
        if !status.success() {
            bail!(
                "demo step `cortex-net {}` failed ({status}); emulators left running \
                 (stop them with `cargo xtask emulator down`)",
                args.join(" ")
            );
        }
    }

    // Every gateway kind for both load-balancer schemes: `up` prints each invoke URL.
    for (kind, scheme, link) in [
        ("rest", "internet-facing", None),
        ("http", "internal", None),
        ("rest", "internal", None),
        ("rest", "internal", Some("v2")),
    ] {
        let cluster = format!(
            "demo-{kind}-{}{}",
            if scheme == "internal" { "int" } else { "pub" },
            link.map(|l| format!("-{l}")).unwrap_or_default()
        );
        seed::seed(
            root,
            &ports,
            &[
                "--cluster".into(),
                cluster.clone(),
                "--region".into(),
                REGION.into(),
                "--scheme".into(),
                scheme.into(),
                "--no-decoys".into(),
            ],
            &extra_env,
        )?;
        let dir = demo_dir.join(&cluster);
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let config = dir.join("cluster.yaml");
        fs::write(
            &config,
            format!(
                "cluster_name: {cluster}\nregion: {REGION}\napi_load_balancer_scheme: {scheme}\n"
            ),
        )
        .with_context(|| format!("writing {}", config.display()))?;
        let mut settings = format!("gateway:\n  type: {kind}\n");
        if let Some(link) = link {
            settings.push_str(&format!("  vpc_link: {link}\n"));
        }
        fs::write(dir.join("cortex-net.yaml"), settings)
            .with_context(|| format!("writing {}", dir.display()))?;
        let config_arg = util::rel(root, &config);
        for (args, what) in [
            (&["up", "--yes"][..], "create it, print the invoke URL"),
            (&["down", "--yes"][..], "remove it"),
        ] {
            let mut cmd = Command::new(&bin);
            cmd.arg("-c").arg(&config_arg).args(args).current_dir(root);
            emulator::apply_env(&mut cmd, root, &ports);
            for (k, v) in &extra_env {
                cmd.env(k, v);
            }
            util::heading(&format!(
                "{kind} API, {scheme} load balancer{}: cortex-net {} ({what})",
                link.map(|l| format!(", VPC link {l}")).unwrap_or_default(),
                args.join(" ")
            ));
            let status = util::status(&mut cmd)?;
            if !status.success() {
                bail!(
                    "demo step `cortex-net {}` for {cluster} failed ({status})",
                    args.join(" ")
                );
            }
        }
    }

    println!(
        "\nDemo done. The emulators are still running (env: . {}); stop them with \
         `cargo xtask emulator down`.",
        util::rel(root, &emulator::env_file(root))
    );
    Ok(())
}

/// A 12-digit account id (first digit non-zero) that differs between runs.
pub fn fresh_account_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    format!("{}", 100_000_000_000 + h.finish() % 900_000_000_000)
}
