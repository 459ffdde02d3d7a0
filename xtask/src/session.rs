//! One run of cortex-net against the emulators, shared by `demo` and `bench`: the built CLI,
//! the emulators' ports and a LocalStack account of the run's own; simulated clusters seeded in
//! moto with their `cluster.yaml`, and the CLI commands run on them.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

use crate::emulator::{self, Kind, Ports};
use crate::{seed, util};

/// The proxies in front of the emulators, as the e2e suite runs them (`tests/e2e/support/
/// front.py`): AWS's apigatewayv2 operations moto lacks (`GetAuthorizers`, `UpdateStage` ...)
/// answered as AWS does, AWS's rules enforced, LocalStack's imported REST integrations completed.
/// Without them an HTTP API with protection could not be observed. Stopped when dropped.
pub struct Front {
    child: Child,
    pub moto_url: String,
    pub localstack_url: String,
}

impl Front {
    pub fn start(root: &Path, ports: &Ports) -> Result<Front> {
        let script = root.join("tests/e2e/support/front.py");
        let mut child = Command::new(emulator::venv_python(root, Kind::Moto))
            .arg(&script)
            .arg("--moto")
            .arg(format!("http://127.0.0.1:{}", ports.moto))
            .arg("--localstack")
            .arg(format!("http://127.0.0.1:{}", ports.localstack))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", script.display()))?;
        let mut lines = Vec::new();
        if let Some(out) = child.stdout.take() {
            let mut out = BufReader::new(out);
            for _ in 0..2 {
                let mut line = String::new();
                out.read_line(&mut line)
                    .context("reading the proxies' URLs")?;
                lines.push(line);
            }
        }
        let url = |prefix: &str| {
            lines
                .iter()
                .find_map(|l| l.trim().strip_prefix(prefix).map(str::to_string))
        };
        match (url("MOTO "), url("LOCALSTACK ")) {
            (Some(moto_url), Some(localstack_url)) => Ok(Front {
                child,
                moto_url,
                localstack_url,
            }),
            _ => {
                let _ = child.kill();
                bail!("the AWS proxies in front of the emulators did not start (printed {lines:?})")
            }
        }
    }
}

impl Drop for Front {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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
    /// Where the CLI sends what would go to the emulators: the [`Front`] proxies.
    pub moto_url: String,
    pub localstack_url: String,
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
        cmd.env("AWS_ENDPOINT_URL", &self.moto_url);
        cmd.env("AWS_ENDPOINT_URL_API_GATEWAY", &self.localstack_url);
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
