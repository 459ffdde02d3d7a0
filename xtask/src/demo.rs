//! `cargo xtask demo`: the whole life cycle of a gateway against the local emulators.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::emulator::{self, Kind};
use crate::session::{Cluster, Front, Session, fresh_account_id};
use crate::{seed, util};

const CLUSTER: &str = "demo";
const REGION: &str = "us-east-1";

/// The life cycle shown on the main cluster: (arguments, what it shows).
const LIFE_CYCLE: [(&[&str], &str); 5] = [
    (&["plan"], "what would change"),
    (&["up", "--yes"], "create the gateway"),
    (&["endpoints"], "where to reach it"),
    (&["up", "--yes"], "again: nothing to do"),
    (&["down", "--yes"], "remove it"),
];

/// The other gateways shown: (gateway type, load balancer scheme, VPC link asked for).
const VARIANTS: [(&str, &str, Option<&str>); 4] = [
    ("rest", "internet-facing", None),
    ("http", "internal", None),
    ("rest", "internal", None),
    ("rest", "internal", Some("v2")),
];

pub fn run(root: &Path) -> Result<()> {
    util::heading("emulators up");
    let emu = emulator::up(root, &Kind::ALL, None)?;
    let account = fresh_account_id();

    util::heading(&format!("reset moto, seed cluster `{CLUSTER}` in {REGION}"));
    emulator::reset_moto(&emu.ports)?;
    let args = ["--cluster", CLUSTER, "--region", REGION].map(String::from);
    let extra_env = [("AWS_ACCESS_KEY_ID", account.clone())];
    let (seeded, _) = seed::seed(root, &emu.ports, &args, &extra_env)?;
    println!("{seeded}");
    println!("(LocalStack account for this run: {account})");

    util::heading("cargo build -p cortex-net");
    let bin = util::build_cli(root)?;
    let front = Front::start(root, &emu.ports)?;
    let session = Session {
        root,
        ports: emu.ports,
        bin,
        moto_url: front.moto_url.clone(),
        localstack_url: front.localstack_url.clone(),
        account,
    };
    let demo_dir = util::emulators_dir(root).join("demo");
    life_cycle(&session, &demo_dir)?;
    // Every gateway kind for both load-balancer schemes: `up` prints each invoke URL.
    for (kind, scheme, link) in VARIANTS {
        variant(&session, &demo_dir, kind, scheme, link)?;
    }

    println!(
        "\nDemo done. The emulators are still running (env: . {}); stop them with \
         `cargo xtask emulator down`.",
        util::rel(root, &emulator::env_file(root))
    );
    Ok(())
}

/// plan, up, endpoints, up again, down on the seeded cluster `demo`.
fn life_cycle(session: &Session<'_>, demo_dir: &Path) -> Result<()> {
    fs::create_dir_all(demo_dir).with_context(|| format!("creating {}", demo_dir.display()))?;
    let config = demo_dir.join("cluster.yaml");
    fs::write(
        &config,
        format!("# Written by `cargo xtask demo`.\ncluster_name: {CLUSTER}\nregion: {REGION}\n"),
    )
    .with_context(|| format!("writing {}", config.display()))?;
    let config_arg = util::rel(session.root, &config);
    for (args, what) in LIFE_CYCLE {
        util::heading(&format!(
            "cortex-net -c {config_arg} {} ({what})",
            args.join(" ")
        ));
        let status = util::status(&mut session.cli(&config, args))?;
        if !status.success() {
            bail!(
                "demo step `cortex-net {}` failed ({status}); emulators left running \
                 (stop them with `cargo xtask emulator down`)",
                args.join(" ")
            );
        }
    }
    Ok(())
}

/// up and down for one gateway type on a cluster of its own with the given scheme.
fn variant(
    session: &Session<'_>,
    demo_dir: &Path,
    kind: &str,
    scheme: &str,
    link: Option<&str>,
) -> Result<()> {
    let name = format!(
        "demo-{kind}-{}{}",
        if scheme == "internal" { "int" } else { "pub" },
        link.map(|l| format!("-{l}")).unwrap_or_default()
    );
    let dir = demo_dir.join(&name);
    let config = dir.join("cluster.yaml");
    let cluster = Cluster {
        name: &name,
        region: REGION,
        scheme,
    };
    session.seed(&cluster, &config)?;
    let mut settings = format!("gateway:\n  type: {kind}\n");
    if let Some(link) = link {
        settings.push_str(&format!("  vpc_link: {link}\n"));
    }
    fs::write(dir.join("cortex-net.yaml"), settings)
        .with_context(|| format!("writing {}", dir.display()))?;
    for (args, what) in [
        (&["up", "--yes"][..], "create it, print the invoke URL"),
        (&["down", "--yes"][..], "remove it"),
    ] {
        util::heading(&format!(
            "{kind} API, {scheme} load balancer{}: cortex-net {} ({what})",
            link.map(|l| format!(", VPC link {l}")).unwrap_or_default(),
            args.join(" ")
        ));
        let status = util::status(&mut session.cli(&config, args))?;
        if !status.success() {
            bail!(
                "demo step `cortex-net {}` for {name} failed ({status})",
                args.join(" ")
            );
        }
    }
    Ok(())
}
