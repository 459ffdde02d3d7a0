//! Small helpers shared by the xtask commands: repository paths, running commands, timing.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// The workspace root (the parent of this crate's manifest directory).
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// `.emulators/` under the repository root: everything the harness writes lives there.
pub fn emulators_dir(root: &Path) -> PathBuf {
    root.join(".emulators")
}

/// A `cargo` command for the toolchain that runs us (cargo sets `CARGO` for `cargo run`).
pub fn cargo(root: &Path) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root);
    cmd
}

/// The cargo target directory (honours `CARGO_TARGET_DIR` and `build.target-dir`).
pub fn target_dir(root: &Path) -> Result<PathBuf> {
    let out = cargo(root)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .context("running `cargo metadata`")?;
    if !out.status.success() {
        bail!(
            "`cargo metadata` failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let meta: serde_json::Value =
        serde_json::from_slice(&out.stdout).context("parsing `cargo metadata` output")?;
    let dir = meta
        .get("target_directory")
        .and_then(|v| v.as_str())
        .context("`cargo metadata` output has no target_directory")?;
    Ok(PathBuf::from(dir))
}

/// The path of the `cortex-net` debug binary.
pub fn cli_binary(root: &Path) -> Result<PathBuf> {
    Ok(target_dir(root)?.join("debug").join("cortex-net"))
}

/// `cargo build -p cortex-net`, returning the binary's path.
pub fn build_cli(root: &Path) -> Result<PathBuf> {
    run(cargo(root).args(["build", "-p", "cortex-net"]))?;
    let bin = cli_binary(root)?;
    if !bin.is_file() {
        bail!(
            "`cargo build -p cortex-net` succeeded but {} does not exist",
            bin.display()
        );
    }
    Ok(bin)
}

/// Runs a command with inherited stdio; an error if it cannot start or exits non-zero.
pub fn run(cmd: &mut Command) -> Result<()> {
    let status = status(cmd)?;
    if !status.success() {
        bail!("`{}` failed ({status})", describe(cmd));
    }
    Ok(())
}

/// Runs a command with inherited stdio and returns its exit status.
pub fn status(cmd: &mut Command) -> Result<ExitStatus> {
    cmd.status()
        .with_context(|| format!("could not start `{}`", describe(cmd)))
}

/// A printable form of a command line (program and arguments, not the environment).
pub fn describe(cmd: &Command) -> String {
    let mut parts: Vec<String> = vec![shell_word(cmd.get_program())];
    parts.extend(cmd.get_args().map(shell_word));
    parts.join(" ")
}

fn shell_word(s: &OsStr) -> String {
    let s = s.to_string_lossy();
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@+".contains(c))
    {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// A path relative to the repository root when it lies inside it (for messages).
pub fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// `1m 05s` / `4.2s`.
pub fn fmt_duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 60.0 {
        let whole = d.as_secs();
        format!("{}m {:02}s", whole / 60, whole % 60)
    } else {
        format!("{secs:.1}s")
    }
}

/// The last `n` lines of a text file, for error messages.
pub fn tail(path: &Path, n: usize) -> String {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(n)..].join("\n")
        }
        Err(e) => format!("(cannot read {}: {e})", path.display()),
    }
}

/// A step heading, so long outputs stay readable.
pub fn heading(text: &str) {
    println!("\n==> {text}");
}
