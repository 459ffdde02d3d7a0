//! The local AWS: moto (sts, ec2, elbv2, elb, apigatewayv2, acm) and LocalStack (apigateway REST),
//! each a plain Python process from its own venv under `.emulators/`.
//!
//! Layout of `.emulators/`:
//! - `venv-moto/`, `venv-localstack/`: venvs; `.cortex-net-requirements.hash` inside each records
//!   what they were built from (requirement files and base interpreter), a mismatch rebuilds them.
//! - `moto.pid`, `localstack.pid`, `moto.port`, `localstack.port`: the running emulators (each
//!   leads its own process group).
//! - `logs/`: emulator and pip logs. `localstack-fs/`: LocalStack's FILESYSTEM_ROOT.
//! - `hosts`: the hosts file LocalStack sees as `/etc/hosts`. LocalStack runs in a private mount
//!   namespace (`unshare --mount --propagation private`) with this file bind-mounted over
//!   `/etc/hosts`, so tests can make a load balancer's DNS name resolve to a local backend (append
//!   `127.0.0.1 <name>` lines, in place, under an `flock`) without touching the machine's
//!   `/etc/hosts`. It starts as a copy of `/etc/hosts` each time LocalStack starts; glibc reads
//!   the file on every lookup, so appended lines work at once. Path: `CORTEX_NET_HOSTS_FILE`.
//! - `env`: a sourceable file with the AWS client environment (see [`aws_env`]).

use std::fs;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::util::{self, fmt_duration, rel, tail};

pub const DEFAULT_MOTO_PORT: u16 = 5000;
pub const DEFAULT_LOCALSTACK_PORT: u16 = 4566;
/// How long an emulator may take from start to ready (and warmed up).
const READY_TIMEOUT: Duration = Duration::from_secs(180);
/// SIGTERM, then this long, then SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// The access key the emulator env uses: 12 digits, which LocalStack maps to that account id.
pub const ACCESS_KEY_ID: &str = "000000000000";
pub const REGION: &str = "us-east-1";
const HASH_FILE: &str = ".cortex-net-requirements.hash";

/// Variables removed from every child that talks to the emulators, so nothing from the caller's
/// environment (profiles, session tokens, role assumption, per-service endpoints) leaks in.
const UNSET_VARS: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_ENDPOINT_URL_EC2",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_ACM",
    "AWS_ENDPOINT_URL_APIGATEWAYV2",
    "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING",
    "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ports {
    pub moto: u16,
    pub localstack: u16,
}

impl Ports {
    /// `CORTEX_NET_MOTO_PORT` / `CORTEX_NET_LOCALSTACK_PORT`, else 5000 / 4566.
    pub fn from_env() -> Result<Ports> {
        fn var(name: &str, default: u16) -> Result<u16> {
            match std::env::var(name) {
                Ok(v) if !v.trim().is_empty() => {
                    parse_port(v.trim()).with_context(|| format!("bad value in ${name}"))
                }
                _ => Ok(default),
            }
        }
        Ok(Ports {
            moto: var("CORTEX_NET_MOTO_PORT", DEFAULT_MOTO_PORT)?,
            localstack: var("CORTEX_NET_LOCALSTACK_PORT", DEFAULT_LOCALSTACK_PORT)?,
        })
    }

    pub fn get(&self, kind: Kind) -> u16 {
        match kind {
            Kind::Moto => self.moto,
            Kind::LocalStack => self.localstack,
        }
    }

    fn set(&mut self, kind: Kind, port: u16) {
        match kind {
            Kind::Moto => self.moto = port,
            Kind::LocalStack => self.localstack = port,
        }
    }

    pub fn moto_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.moto)
    }

    pub fn localstack_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.localstack)
    }
}

pub fn parse_port(s: &str) -> Result<u16> {
    let port: u16 = s
        .parse()
        .with_context(|| format!("`{s}` is not a port number"))?;
    if port == 0 {
        bail!("port 0 is not allowed");
    }
    Ok(port)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Moto,
    LocalStack,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Moto, Kind::LocalStack];

    /// File-name stem: `moto`, `localstack`.
    pub fn id(self) -> &'static str {
        match self {
            Kind::Moto => "moto",
            Kind::LocalStack => "localstack",
        }
    }

    pub fn display(self) -> &'static str {
        match self {
            Kind::Moto => "moto",
            Kind::LocalStack => "LocalStack",
        }
    }

    fn requirement_files(self) -> &'static [&'static str] {
        match self {
            // The moto venv also runs the end-to-end suite (pytest + boto3).
            Kind::Moto => &[
                "localstack/moto-requirements.txt",
                "localstack/test-requirements.txt",
            ],
            Kind::LocalStack => &["localstack/localstack-requirements.txt"],
        }
    }

    /// What identifies our process in `/proc/<pid>/cmdline`.
    fn cmdline_marker(self) -> &'static str {
        match self {
            Kind::Moto => "moto_server",
            Kind::LocalStack => "localstack.runtime.main",
        }
    }

    fn port_flag(self) -> &'static str {
        match self {
            Kind::Moto => "--moto-port",
            Kind::LocalStack => "--localstack-port",
        }
    }
}

pub fn venv_dir(root: &Path, kind: Kind) -> PathBuf {
    util::emulators_dir(root).join(format!("venv-{}", kind.id()))
}

/// The venv's python (`.emulators/venv-<kind>/bin/python`).
pub fn venv_python(root: &Path, kind: Kind) -> PathBuf {
    venv_dir(root, kind).join("bin").join("python")
}

fn pid_file(root: &Path, kind: Kind) -> PathBuf {
    util::emulators_dir(root).join(format!("{}.pid", kind.id()))
}

fn port_file(root: &Path, kind: Kind) -> PathBuf {
    util::emulators_dir(root).join(format!("{}.port", kind.id()))
}

fn logs_dir(root: &Path) -> PathBuf {
    util::emulators_dir(root).join("logs")
}

pub fn log_file(root: &Path, kind: Kind) -> PathBuf {
    logs_dir(root).join(format!("{}.log", kind.id()))
}

pub fn env_file(root: &Path) -> PathBuf {
    util::emulators_dir(root).join("env")
}

/// The hosts file bind-mounted over `/etc/hosts` in LocalStack's mount namespace.
pub fn hosts_file(root: &Path) -> PathBuf {
    util::emulators_dir(root).join("hosts")
}

// ---------------------------------------------------------------------------------------------
// The AWS client environment

/// Empty AWS config and credentials files the harness owns: the SDKs read these instead of
/// `~/.aws` (a path that does not exist works too, but the Rust SDK warns about it on every run).
fn aws_files(root: &Path) -> (PathBuf, PathBuf) {
    let dir = util::emulators_dir(root).join("aws");
    (dir.join("config"), dir.join("credentials"))
}

/// The environment for AWS clients (the CLI, boto3) talking to the emulators: moto for
/// everything, LocalStack for API Gateway REST, static test keys, no `~/.aws`, no IMDS.
pub fn aws_env(root: &Path, ports: &Ports) -> Vec<(&'static str, String)> {
    let (config, credentials) = aws_files(root);
    vec![
        ("AWS_ENDPOINT_URL", ports.moto_url()),
        ("AWS_ENDPOINT_URL_API_GATEWAY", ports.localstack_url()),
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID.to_string()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_string()),
        ("AWS_REGION", REGION.to_string()),
        ("AWS_DEFAULT_REGION", REGION.to_string()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
        ("AWS_CONFIG_FILE", config.display().to_string()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            credentials.display().to_string(),
        ),
        ("CORTEX_NET_MOTO_URL", ports.moto_url()),
        ("CORTEX_NET_LOCALSTACK_URL", ports.localstack_url()),
        (
            "CORTEX_NET_HOSTS_FILE",
            hosts_file(root).display().to_string(),
        ),
    ]
}

/// Sets [`aws_env`] on a child process and removes the variables that could leak in.
pub fn apply_env(cmd: &mut Command, root: &Path, ports: &Ports) {
    for var in UNSET_VARS {
        cmd.env_remove(var);
    }
    for (k, v) in aws_env(root, ports) {
        cmd.env(k, v);
    }
}

fn write_env_file(root: &Path, ports: &Ports) -> Result<()> {
    for file in <[PathBuf; 2]>::from(aws_files(root)) {
        if let Some(dir) = file.parent() {
            fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        fs::write(&file, "").with_context(|| format!("writing {}", file.display()))?;
    }
    let mut text = String::from(
        "# Written by `cargo xtask emulator up`: the AWS client environment for the local \
         emulators.\n# Use: . .emulators/env\n",
    );
    text.push_str(&format!("unset {}\n", UNSET_VARS.join(" ")));
    for (k, v) in aws_env(root, ports) {
        text.push_str(&format!("export {k}={v}\n"));
    }
    let path = env_file(root);
    fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// Commands

/// What `up` found and did.
pub struct Emulators {
    pub ports: Ports,
    /// The emulators this call started (and so may stop again).
    pub started: Vec<Kind>,
}

/// Makes sure the given emulators run and answer; starts what is missing. `requested` are the
/// ports asked for explicitly (`emulator up`); `None` means "whatever runs, else the defaults"
/// (the other commands). Writes `.emulators/env`.
pub fn up(root: &Path, kinds: &[Kind], requested: Option<Ports>) -> Result<Emulators> {
    fs::create_dir_all(logs_dir(root))
        .with_context(|| format!("creating {}", logs_dir(root).display()))?;

    let mut ports = match requested {
        Some(p) => p,
        None => Ports::from_env()?,
    };
    let running = adopt_running(root, requested, &mut ports)?;
    let to_start: Vec<Kind> = kinds
        .iter()
        .copied()
        .filter(|k| !running.contains(k))
        .collect();
    prepare(root, &to_start, &ports)?;
    for &kind in kinds.iter().filter(|k| running.contains(k)) {
        await_running(root, kind, ports.get(kind))?;
    }
    let started = start(root, &to_start, &ports)?;
    write_env_file(root, &ports)?;
    Ok(Emulators { ports, started })
}

/// The emulators that already run, their ports adopted into `ports` (all of them, so the env
/// file is right). An error when one runs on another port than `requested`, or is a LocalStack
/// without the private hosts file.
fn adopt_running(root: &Path, requested: Option<Ports>, ports: &mut Ports) -> Result<Vec<Kind>> {
    let mut running = Vec::new();
    for kind in Kind::ALL {
        let Some(proc_) = find_running(root, kind)? else {
            continue;
        };
        if let Some(req) = requested
            && req.get(kind) != proc_.port
        {
            bail!(
                "{} already runs on port {} (pid {}), not on the requested port {}; \
                 run `cargo xtask emulator down` first",
                kind.display(),
                proc_.port,
                proc_.pid,
                req.get(kind)
            );
        }
        if kind == Kind::LocalStack && !localstack_has_hosts_mount(proc_.pid) {
            bail!(
                "LocalStack runs (pid {}) without the private /etc/hosts (it was started by an \
                 older xtask, or by hand); run `cargo xtask emulator down`, then `up` again",
                proc_.pid
            );
        }
        ports.set(kind, proc_.port);
        running.push(kind);
    }
    Ok(running)
}

/// Before starting `kinds`: their ports are free and their venvs built (in parallel: mostly
/// download and unpack time).
fn prepare(root: &Path, kinds: &[Kind], ports: &Ports) -> Result<()> {
    for kind in kinds {
        ensure_port_free(*kind, ports.get(*kind))?;
    }
    thread::scope(|s| {
        let handles: Vec<_> = kinds
            .iter()
            .map(|&kind| s.spawn(move || ensure_venv(root, kind)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("venv thread panicked")))
            })
            .collect::<Result<Vec<()>>>()
    })?;
    Ok(())
}

/// An emulator that already runs answers (it may still be starting from another call).
fn await_running(root: &Path, kind: Kind, port: u16) -> Result<()> {
    if is_healthy(kind, port) {
        eprintln!(
            "{} already running on 127.0.0.1:{port} and healthy",
            kind.display()
        );
        return Ok(());
    }
    eprintln!(
        "{} runs but does not answer yet; waiting...",
        kind.display()
    );
    wait_ready(root, kind, port, None)
}

/// Starts `kinds` all at once, then waits for each; one that does not come up is stopped
/// again (no half-started emulator is left behind). Returns the kinds started.
fn start(root: &Path, kinds: &[Kind], ports: &Ports) -> Result<Vec<Kind>> {
    let mut children = Vec::new();
    for &kind in kinds {
        let child = spawn(root, kind, ports.get(kind))
            .with_context(|| format!("starting {}", kind.display()))?;
        children.push((kind, child, Instant::now()));
    }
    let mut started = Vec::new();
    for (kind, mut child, t0) in children {
        let port = ports.get(kind);
        let ready = wait_ready(root, kind, port, Some(&mut child)).and_then(|()| {
            if kind == Kind::LocalStack && !localstack_has_hosts_mount(child.id()) {
                bail!(
                    "LocalStack (pid {}) runs, but its mount table shows no /etc/hosts bind \
                     mount; the hosts file namespace did not take effect",
                    child.id()
                );
            }
            Ok(())
        });
        if let Err(e) = ready {
            let _ = stop(root, kind);
            return Err(e);
        }
        eprintln!(
            "{} ready on 127.0.0.1:{port} (pid {}, {} after start, log {})",
            kind.display(),
            child.id(),
            fmt_duration(t0.elapsed()),
            rel(root, &log_file(root, kind))
        );
        started.push(kind);
    }
    Ok(started)
}

/// The emulators that run, or `up` with defaults for the given kinds.
pub fn ensure_up(root: &Path, kinds: &[Kind]) -> Result<Emulators> {
    up(root, kinds, None)
}

pub fn down(root: &Path, kinds: &[Kind]) -> Result<()> {
    for &kind in kinds {
        stop(root, kind)?;
    }
    Ok(())
}

/// Stops one emulator: SIGTERM to its process group, SIGKILL after [`STOP_GRACE`].
pub fn stop(root: &Path, kind: Kind) -> Result<()> {
    let pid_path = pid_file(root, kind);
    let Some(pid) = read_pid(&pid_path)? else {
        eprintln!("{} is not running", kind.display());
        return Ok(());
    };
    if !group_alive(pid) {
        eprintln!(
            "{} is not running (removing stale pid file, pid {pid})",
            kind.display()
        );
    } else if !is_ours(kind, pid) {
        eprintln!(
            "{}: pid {pid} from {} is not a {} process any more; not signalling it",
            kind.display(),
            rel(root, &pid_path),
            kind.display()
        );
    } else {
        let t0 = Instant::now();
        signal_group(pid, "TERM")?;
        let mut killed = false;
        while group_alive(pid) {
            if !killed && t0.elapsed() >= STOP_GRACE {
                eprintln!(
                    "{} did not stop within {}s; sending SIGKILL",
                    kind.display(),
                    STOP_GRACE.as_secs()
                );
                signal_group(pid, "KILL")?;
                killed = true;
            }
            if t0.elapsed() >= STOP_GRACE * 2 {
                bail!(
                    "{} (process group {pid}) is still alive after SIGKILL",
                    kind.display()
                );
            }
            thread::sleep(Duration::from_millis(100));
        }
        eprintln!(
            "stopped {} (pid {pid}, {})",
            kind.display(),
            fmt_duration(t0.elapsed())
        );
    }
    for path in [pid_path, port_file(root, kind)] {
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("removing {}", path.display())),
        }
    }
    Ok(())
}

/// Prints one line per emulator; true when both run and answer.
pub fn print_status(root: &Path) -> Result<bool> {
    let mut all_ok = true;
    for kind in Kind::ALL {
        match find_running(root, kind)? {
            Some(p) => {
                let healthy = is_healthy(kind, p.port);
                all_ok &= healthy;
                println!(
                    "{:<11} running, {:<9} port {:<5} pid {:<7} log {}",
                    kind.display(),
                    if healthy { "healthy" } else { "UNHEALTHY" },
                    p.port,
                    p.pid,
                    rel(root, &log_file(root, kind))
                );
            }
            None => {
                all_ok = false;
                println!("{:<11} not running", kind.display());
            }
        }
    }
    Ok(all_ok)
}

/// `POST /moto-api/reset`: forget every resource moto holds.
pub fn reset_moto(ports: &Ports) -> Result<()> {
    let (status, body) = http(
        "POST",
        ports.moto,
        "/moto-api/reset",
        Duration::from_secs(30),
    )
    .context("resetting moto (POST /moto-api/reset)")?;
    if status != 200 {
        bail!("POST /moto-api/reset answered {status}: {}", body.trim());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Venvs

/// Creates (or recreates) the venv when it is missing or was built from other requirements.
fn ensure_venv(root: &Path, kind: Kind) -> Result<()> {
    let venv = venv_dir(root, kind);
    let want = requirements_hash(root, kind)?;
    let stamp = venv.join(HASH_FILE);
    let have = fs::read_to_string(&stamp).unwrap_or_default();
    if venv_python(root, kind).is_file() && have.trim() == want {
        return Ok(());
    }
    let why = if venv.exists() {
        "requirements changed or venv incomplete: recreating"
    } else {
        "creating"
    };
    eprintln!(
        "{why} venv for {} in {} (about a minute)...",
        kind.display(),
        rel(root, &venv)
    );
    let t0 = Instant::now();
    if venv.exists() {
        fs::remove_dir_all(&venv).with_context(|| format!("removing {}", venv.display()))?;
    }
    let log_path = logs_dir(root).join(format!("pip-{}.log", kind.id()));
    let log =
        fs::File::create(&log_path).with_context(|| format!("creating {}", log_path.display()))?;
    let run_logged = |cmd: &mut Command| -> Result<()> {
        let out = log.try_clone().context("duplicating log handle")?;
        let err = log.try_clone().context("duplicating log handle")?;
        let status = cmd
            .current_dir(root)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
            .env("PIP_NO_INPUT", "1")
            .status()
            .with_context(|| format!("could not start `{}`", util::describe(cmd)))?;
        if !status.success() {
            bail!(
                "`{}` failed ({status}); last lines of {}:\n{}",
                util::describe(cmd),
                rel(root, &log_path),
                tail(&log_path, 20)
            );
        }
        Ok(())
    };
    run_logged(Command::new(base_python()).args(["-m", "venv"]).arg(&venv))?;
    let mut pip = Command::new(venv_python(root, kind));
    pip.args(["-m", "pip", "install"]);
    for file in kind.requirement_files() {
        pip.arg("-r").arg(root.join(file));
    }
    run_logged(&mut pip)?;
    fs::write(&stamp, format!("{want}\n"))
        .with_context(|| format!("writing {}", stamp.display()))?;
    eprintln!(
        "venv for {} ready ({}; pip log {})",
        kind.display(),
        fmt_duration(t0.elapsed()),
        rel(root, &log_path)
    );
    Ok(())
}

/// The interpreter that makes the venvs: `$CORTEX_NET_PYTHON`, else `python3`.
fn base_python() -> String {
    std::env::var("CORTEX_NET_PYTHON")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "python3".to_string())
}

/// FNV-1a 64 over the requirement files (names and contents) and the base interpreter's version.
fn requirements_hash(root: &Path, kind: Kind) -> Result<String> {
    let out = Command::new(base_python())
        .args(["-c", "import sys; print(sys.version)"])
        .output()
        .with_context(|| {
            format!(
                "running `{} -c 'import sys; print(sys.version)'` (Python 3.11 is needed to \
                 create the emulator venvs; set CORTEX_NET_PYTHON to use another interpreter)",
                base_python()
            )
        })?;
    if !out.status.success() {
        bail!(
            "`{}` does not run: {}",
            base_python(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let mut h = Fnv::new();
    h.update(b"python ");
    h.update(&out.stdout);
    for file in kind.requirement_files() {
        let path = root.join(file);
        let bytes = fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        h.update(file.as_bytes());
        h.update(&[0]);
        h.update(&bytes);
        h.update(&[0]);
    }
    Ok(format!("fnv1a64:{:016x}", h.0))
}

struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Processes

struct Running {
    pid: u32,
    port: u16,
}

/// The emulator from the pid file, if that process still lives and is ours.
fn find_running(root: &Path, kind: Kind) -> Result<Option<Running>> {
    let Some(pid) = read_pid(&pid_file(root, kind))? else {
        return Ok(None);
    };
    if !process_alive(pid) || !is_ours(kind, pid) {
        return Ok(None);
    }
    let port_path = port_file(root, kind);
    let port = match fs::read_to_string(&port_path) {
        Ok(s) => parse_port(s.trim()).with_context(|| format!("in {}", port_path.display()))?,
        Err(_) => bail!(
            "{} runs (pid {pid}) but {} is missing; run `cargo xtask emulator down`",
            kind.display(),
            port_path.display()
        ),
    };
    Ok(Some(Running { pid, port }))
}

fn read_pid(path: &Path) -> Result<Option<u32>> {
    match fs::read_to_string(path) {
        Ok(s) => {
            let pid: u32 = s
                .trim()
                .parse()
                .with_context(|| format!("{} does not hold a pid", path.display()))?;
            if pid <= 1 {
                bail!("{} holds an impossible pid {pid}", path.display());
            }
            Ok(Some(pid))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn ensure_port_free(kind: Kind, port: u16) -> Result<()> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    if TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok() {
        bail!(
            "port {port} on 127.0.0.1 is already in use by a process this harness did not start; \
             stop it or pick another port ({} N or ${})",
            kind.port_flag(),
            match kind {
                Kind::Moto => "CORTEX_NET_MOTO_PORT",
                Kind::LocalStack => "CORTEX_NET_LOCALSTACK_PORT",
            }
        );
    }
    Ok(())
}

/// Starts the emulator detached: its own process group, stdin closed, output to its log file;
/// it outlives xtask. Writes the pid and port files.
fn spawn(root: &Path, kind: Kind, port: u16) -> Result<Child> {
    let dir = util::emulators_dir(root);
    let log_path = log_file(root, kind);
    let log =
        fs::File::create(&log_path).with_context(|| format!("creating {}", log_path.display()))?;
    let venv_bin = venv_dir(root, kind).join("bin");
    let mut cmd;
    match kind {
        Kind::Moto => {
            cmd = Command::new(venv_bin.join("moto_server"));
            cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .env("MOTO_ACM_VALIDATION_WAIT", "2");
        }
        Kind::LocalStack => {
            let fs_root = dir.join("localstack-fs");
            fs::create_dir_all(&fs_root)
                .with_context(|| format!("creating {}", fs_root.display()))?;
            let hosts = prepare_hosts_file(root)?;
            check_unshare()?;
            // A private mount namespace whose /etc/hosts is `.emulators/hosts`: `unshare` (no
            // --fork) execs sh in the same process, sh bind-mounts the file and execs python, so
            // the pid we record is LocalStack's and its process group is ours.
            cmd = Command::new("unshare");
            cmd.args([
                "--mount",
                "--propagation",
                "private",
                "--",
                "sh",
                "-c",
                "mount --bind \"$1\" /etc/hosts || exit 97; shift; exec \"$@\"",
                "sh",
            ])
            .arg(&hosts)
            .arg(venv_bin.join("python"))
            .args(["-m", "localstack.runtime.main"])
            .env("OVERRIDE_IN_DOCKER", "0")
            .env("FILESYSTEM_ROOT", &fs_root)
            .env("GATEWAY_LISTEN", format!("127.0.0.1:{port}"))
            // The default (twisted) server ignores the host of GATEWAY_LISTEN and binds
            // 0.0.0.0; hypercorn binds 127.0.0.1 (invoke proxying verified with it too).
            .env("GATEWAY_SERVER", "hypercorn")
            .env("DISABLE_EVENTS", "1")
            .env("SKIP_SSL_CERT_DOWNLOAD", "1")
            .env("EAGER_SERVICE_LOADING", "1")
            .env("SERVICES", "sts,apigateway,route53")
            // No DNS server: as root it would bind port 53 on all interfaces.
            .env("DNS_ADDRESS", "0");
        }
    }
    for var in UNSET_VARS {
        cmd.env_remove(var);
    }
    cmd.current_dir(&dir)
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONPYCACHEPREFIX", dir.join("pycache"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().context("duplicating log handle")?)
        .stderr(log)
        .process_group(0);
    let child = cmd
        .spawn()
        .with_context(|| format!("could not start `{}`", util::describe(&cmd)))?;
    let pid = child.id();
    fs::write(pid_file(root, kind), format!("{pid}\n")).context("writing pid file")?;
    fs::write(port_file(root, kind), format!("{port}\n")).context("writing port file")?;
    eprintln!(
        "started {} on 127.0.0.1:{port} (pid {pid}, log {})",
        kind.display(),
        rel(root, &log_path)
    );
    Ok(child)
}

/// `.emulators/hosts` as a fresh copy of the machine's `/etc/hosts` (LocalStack starts).
fn prepare_hosts_file(root: &Path) -> Result<PathBuf> {
    let path = hosts_file(root);
    let base = fs::read_to_string("/etc/hosts").unwrap_or_else(|_| {
        "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n".to_string()
    });
    let mut text = base;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(
        "# ---- cortex-net: below, names the end-to-end tests map for LocalStack \
         (CORTEX_NET_HOSTS_FILE) ----\n",
    );
    fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// LocalStack needs a private mount namespace (to see `.emulators/hosts` as `/etc/hosts`): make
/// sure one can be made here, and say what to do when not.
fn check_unshare() -> Result<()> {
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "--", "true"])
        .stdin(Stdio::null())
        .output();
    let why = match out {
        Ok(o) if o.status.success() => return Ok(()),
        Ok(o) => format!(
            "`unshare --mount --propagation private true` failed ({}): {}",
            o.status,
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => format!("could not run `unshare` (util-linux): {e}"),
    };
    bail!(
        "LocalStack must run in a private mount namespace, with .emulators/hosts bind-mounted \
         over /etc/hosts (so that load balancer DNS names resolve to local test backends without \
         touching this machine), but {why}. This needs root or CAP_SYS_ADMIN (as in CI and the \
         dev container) and util-linux's `unshare`; run the emulators as root"
    )
}

/// Whether LocalStack (`pid`) sees `.emulators/hosts` as `/etc/hosts`: its mount table has a
/// mount on /etc/hosts (one started by an older xtask has none).
fn localstack_has_hosts_mount(pid: u32) -> bool {
    match fs::read_to_string(format!("/proc/{pid}/mountinfo")) {
        Ok(text) => text
            .lines()
            .any(|l| l.split_whitespace().nth(4) == Some("/etc/hosts")),
        Err(_) => false,
    }
}

/// Waits until the emulator answers and is warmed up; fails early if the process exits.
fn wait_ready(root: &Path, kind: Kind, port: u16, mut child: Option<&mut Child>) -> Result<()> {
    let t0 = Instant::now();
    let log_path = log_file(root, kind);
    let fail = |what: String| -> anyhow::Error {
        anyhow::anyhow!(
            "{} {what}; see {}. Last lines:\n{}",
            kind.display(),
            log_path.display(),
            tail(&log_path, 15)
        )
    };
    let mut last_note = Instant::now();
    loop {
        if let Some(c) = child.as_deref_mut()
            && let Ok(Some(status)) = c.try_wait()
        {
            return Err(fail(format!("exited during start-up ({status})")));
        }
        if is_healthy(kind, port) {
            break;
        }
        if t0.elapsed() > READY_TIMEOUT {
            return Err(fail(format!(
                "did not become ready on port {port} within {}s",
                READY_TIMEOUT.as_secs()
            )));
        }
        if last_note.elapsed() > Duration::from_secs(15) {
            eprintln!(
                "  still waiting for {} ({}s)...",
                kind.display(),
                t0.elapsed().as_secs()
            );
            last_note = Instant::now();
        }
        thread::sleep(Duration::from_millis(250));
    }
    if kind == Kind::LocalStack {
        let remaining = READY_TIMEOUT
            .saturating_sub(t0.elapsed())
            .max(Duration::from_secs(30));
        warm_up_localstack(root, port, remaining).map_err(|e| fail(format!("{e:#}")))?;
    }
    Ok(())
}

/// Health as a quick probe: moto `GET /moto-api/` answers 200; LocalStack's
/// `GET /_localstack/health` shows apigateway available (or running).
fn is_healthy(kind: Kind, port: u16) -> bool {
    match kind {
        Kind::Moto => matches!(
            http("GET", port, "/moto-api/", Duration::from_secs(5)),
            Ok((200, _))
        ),
        Kind::LocalStack => {
            match http("GET", port, "/_localstack/health", Duration::from_secs(5)) {
                Ok((200, body)) => serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| {
                        v.get("services")?
                            .get("apigateway")?
                            .as_str()
                            .map(|s| s == "available" || s == "running")
                    })
                    .unwrap_or(false),
                _ => false,
            }
        }
    }
}

/// One real API Gateway call (GetRestApis) through boto3 from the LocalStack venv, so the first
/// call of a test does not pay for lazy loading.
fn warm_up_localstack(root: &Path, port: u16, timeout: Duration) -> Result<()> {
    const SCRIPT: &str = "\
import sys, boto3, botocore.config
c = boto3.client('apigateway', endpoint_url=sys.argv[1], region_name='us-east-1',
                 aws_access_key_id='000000000000', aws_secret_access_key='test',
                 config=botocore.config.Config(retries={'max_attempts': 1},
                                               connect_timeout=5, read_timeout=120))
c.get_rest_apis(limit=1)
";
    let mut cmd = Command::new(venv_python(root, Kind::LocalStack));
    cmd.args(["-c", SCRIPT, &format!("http://127.0.0.1:{port}")])
        .env("AWS_CONFIG_FILE", "/nonexistent/cortex-net-emulator/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/cortex-net-emulator/credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for var in UNSET_VARS {
        cmd.env_remove(var);
    }
    let mut child = cmd
        .spawn()
        .context("could not start the LocalStack warm-up call")?;
    let t0 = Instant::now();
    loop {
        if let Some(status) = child.try_wait().context("waiting for the warm-up call")? {
            if status.success() {
                return Ok(());
            }
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            bail!(
                "answers health checks but the warm-up GetRestApis call failed ({status}): {}",
                err.trim()
            );
        }
        if t0.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "did not answer the warm-up GetRestApis call within {}s",
                timeout.as_secs()
            );
        }
        thread::sleep(Duration::from_millis(100));
    }
}

fn process_alive(pid: u32) -> bool {
    let proc_dir = Path::new("/proc");
    if proc_dir.is_dir() {
        match fs::read_to_string(proc_dir.join(pid.to_string()).join("stat")) {
            Ok(stat) => stat_fields(&stat).is_some_and(|(state, _)| state != 'Z'),
            Err(_) => false,
        }
    } else {
        kill(&["-0", &pid.to_string()]).unwrap_or(false)
    }
}

/// Whether any live (non-zombie) process is left in the process group `pgid`.
fn group_alive(pgid: u32) -> bool {
    let Ok(entries) = fs::read_dir("/proc") else {
        return kill(&["-0", "--", &format!("-{pgid}")]).unwrap_or(false);
    };
    entries.flatten().any(|entry| {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            return false;
        };
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        fs::read_to_string(entry.path().join("stat"))
            .ok()
            .and_then(|s| stat_fields(&s))
            .is_some_and(|(state, pgrp)| pgrp == pgid && state != 'Z')
    })
}

/// (state, pgrp) from `/proc/<pid>/stat`: `pid (comm) state ppid pgrp ...`.
fn stat_fields(stat: &str) -> Option<(char, u32)> {
    let after = &stat[stat.rfind(')')? + 1..];
    let mut it = after.split_whitespace();
    let state = it.next()?.chars().next()?;
    let _ppid = it.next()?;
    let pgrp = it.next()?.parse().ok()?;
    Some((state, pgrp))
}

/// Whether `pid` runs this emulator (guards against a recycled pid in a stale pid file).
fn is_ours(kind: Kind, pid: u32) -> bool {
    match fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).contains(kind.cmdline_marker()),
        // No /proc (not Linux): trust the pid file.
        Err(_) => !Path::new("/proc/self").exists(),
    }
}

fn signal_group(pgid: u32, signal: &str) -> Result<()> {
    kill(&[&format!("-{signal}"), "--", &format!("-{pgid}")])
        .with_context(|| format!("sending SIG{signal} to process group {pgid}"))?;
    Ok(())
}

/// Runs `kill ARGS`; Ok(true) when it succeeded.
fn kill(args: &[&str]) -> Result<bool> {
    let status = Command::new("kill")
        .args(args)
        .stderr(Stdio::null())
        .status()
        .context("could not run `kill`")?;
    Ok(status.success())
}

// ---------------------------------------------------------------------------------------------
// A minimal HTTP/1.0 client (enough for health checks and the moto reset)

/// Sends `METHOD path` to 127.0.0.1:port; returns (status, body).
pub fn http(method: &str, port: u16, path: &str, timeout: Duration) -> Result<(u16, String)> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\nAccept: */*\r\n\
         Content-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .with_context(|| format!("sending {method} {path}"))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .with_context(|| format!("reading the answer to {method} {path}"))?;
    parse_response(&raw).with_context(|| format!("parsing the answer to {method} {path}"))
}

fn parse_response(raw: &[u8]) -> Result<(u16, String)> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .context("no end of headers")?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let body = &raw[split + 4..];
    let mut lines = head.lines();
    let status_line = lines.next().context("empty answer")?;
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("bad status line `{status_line}`"))?;
    let chunked = lines.any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    let body = if chunked {
        dechunk(body)?
    } else {
        body.to_vec()
    };
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .context("bad chunk header")?;
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let size_hex = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16)
            .with_context(|| format!("bad chunk size `{size_hex}`"))?;
        data = &data[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = data.get(..size).context("truncated chunk")?;
        out.extend_from_slice(chunk);
        data = data.get(size + 2..).unwrap_or(&[]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_chunked_answers() {
        let (s, b) =
            parse_response(b"HTTP/1.0 200 OK\r\nContent-Type: x\r\n\r\n{\"a\":1}").unwrap();
        assert_eq!((s, b.as_str()), (200, "{\"a\":1}"));
        let (s, b) = parse_response(
            b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!((s, b.as_str()), (404, "abcde"));
    }

    #[test]
    fn reads_state_and_group_from_stat() {
        assert_eq!(
            stat_fields("123 (moto server) S 1 123 123 0 -1"),
            Some(('S', 123))
        );
        assert_eq!(stat_fields("garbage"), None);
    }

    #[test]
    fn env_points_at_both_emulators() {
        let env = aws_env(
            Path::new("/repo"),
            &Ports {
                moto: 5001,
                localstack: 4567,
            },
        );
        let get = |k: &str| env.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("AWS_ENDPOINT_URL"), Some("http://127.0.0.1:5001"));
        assert_eq!(
            get("AWS_ENDPOINT_URL_API_GATEWAY"),
            Some("http://127.0.0.1:4567")
        );
        assert_eq!(get("AWS_ACCESS_KEY_ID").map(str::len), Some(12));
        assert_eq!(get("AWS_CONFIG_FILE"), Some("/repo/.emulators/aws/config"));
        assert_eq!(get("CORTEX_NET_HOSTS_FILE"), Some("/repo/.emulators/hosts"));
    }
}
