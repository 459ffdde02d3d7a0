//! One run of cortex-net against the emulators, shared by `demo` and `bench`: the built CLI,
//! the emulators' ports and a LocalStack account of the run's own; simulated clusters seeded in
//! moto with their `cluster.yaml`, and the CLI commands run on them.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};

use crate::emulator::{self, Ports};
use crate::{seed, util};

/// A simulated Cortex cluster: what `seed.py` makes and `cluster.yaml` says.
pub struct Cluster<'a> {
    pub name: &'a str,
    pub region: &'a str,
    /// `internet-facing` or `internal`: the API load balancer's scheme.
    pub scheme: &'a str,
}

/// The built CLI and the emulators it talks to.
pub struct Session<'a> {
    pub root: &'a Path,
    pub ports: Ports,
    pub bin: PathBuf,
    /// moto can be reset; LocalStack cannot, so each run gets an account of its own there
    /// (LocalStack maps a 12-digit access key to that account; moto ignores the key).
    pub account: String,
}

impl Session<'_> {
    /// The environment that selects this run's account, for every child.
    pub fn account_env(&self) -> [(&'static str, String); 1] {
        [("AWS_ACCESS_KEY_ID", self.account.clone())]
    }

    /// Seeds `cluster` in moto (its load balancer, no decoys) and writes its `cluster.yaml`
    /// at `config`.
    pub fn seed(&self, cluster: &Cluster<'_>, config: &Path) -> Result<()> {
        let args = [
            "--cluster",
            cluster.name,
            "--region",
            cluster.region,
            "--scheme",
            cluster.scheme,
            "--no-decoys",
        ]
        .map(String::from);
        seed::seed(self.root, &self.ports, &args, &self.account_env())?;
        if let Some(dir) = config.parent() {
            fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let text = format!(
            "cluster_name: {}\nregion: {}\napi_load_balancer_scheme: {}\n",
            cluster.name, cluster.region, cluster.scheme
        );
        fs::write(config, text).with_context(|| format!("writing {}", config.display()))
    }

    /// `cortex-net -c CONFIG ARGS` from the repository root, with the emulators' environment
    /// and this run's account.
    pub fn cli(&self, config: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.arg("-c")
            .arg(util::rel(self.root, config))
            .args(args)
            .current_dir(self.root);
        emulator::apply_env(&mut cmd, self.root, &self.ports);
        cmd.envs(self.account_env());
        cmd
    }
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
