//! Locating the input files and reading them safely.
//!
//! A configuration file is read only when it is a regular file of at most
//! [`MAX_FILE_BYTES`]: directories, FIFOs, sockets and devices are refused from their metadata
//! and the file is opened with `O_NONBLOCK`, so nothing can make the loader hang; symbolic link
//! loops, dangling links, unreadable files and text that is not UTF-8 are each reported with
//! the file and the fix. A UTF-8 byte order mark is accepted.

use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;

/// The name of cortex-net's settings file, looked up beside the cluster file.
pub const SETTINGS_FILE_NAME: &str = "cortex-net.yaml";

/// The largest configuration file read (1 MiB): Cortex's and cortex-net's files are a few
/// kilobytes; anything bigger is the wrong file or hostile.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// The settings file to use: the explicit one, else `cortex-net.yaml` beside the
/// cluster file when something exists at that path (a dangling link or a link loop is used,
/// and then reported, rather than silently ignored).
pub fn settings_file(cluster_file: &Path, explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_path_buf());
    }
    let beside = cluster_file
        .parent()
        .unwrap_or_else(|| Path::new(""))
        .join(SETTINGS_FILE_NAME);
    std::fs::symlink_metadata(&beside).is_ok().then_some(beside)
}

/// What kind of file system object `meta` describes, when it is not a regular file.
fn not_a_file(meta: &std::fs::Metadata) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    let kind = meta.file_type();
    if kind.is_file() {
        None
    } else if kind.is_dir() {
        Some("is a directory")
    } else if kind.is_fifo() {
        Some("is a named pipe (FIFO)")
    } else if kind.is_socket() {
        Some("is a socket")
    } else if kind.is_char_device() {
        Some("is a character device")
    } else if kind.is_block_device() {
        Some("is a block device")
    } else {
        Some("is not a regular file")
    }
}

/// The diagnostic for an I/O error on `path`.
fn io_problem(path: &Path, error: &std::io::Error, fix_when_missing: &str) -> Diagnostic {
    let link_exists = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if error.raw_os_error() == Some(libc::ELOOP) {
        return Diagnostic::error(
            path,
            "",
            "is a symbolic link loop (the links point at each other)",
        )
        .with_fix("make the link point at the real file, or pass the file's own path");
    }
    match error.kind() {
        ErrorKind::NotFound if link_exists => {
            Diagnostic::error(path, "", "is a symbolic link to a file that does not exist")
                .with_fix("point the link at the real file, or pass the file's own path")
        }
        ErrorKind::NotFound => {
            Diagnostic::error(path, "", "file not found").with_fix(fix_when_missing.to_string())
        }
        ErrorKind::PermissionDenied => {
            Diagnostic::error(path, "", "cannot be read: permission denied").with_fix(
                "make the file readable by this user (e.g. `chmod u+r` on it), or run as its owner",
            )
        }
        ErrorKind::NotADirectory => Diagnostic::error(
            path,
            "",
            "cannot be read: a part of the path is a file, not a directory",
        )
        .with_fix("check the path"),
        ErrorKind::InvalidFilename => Diagnostic::error(
            path,
            "",
            "cannot be read: the path is too long or not a valid file name",
        )
        .with_fix("check the path"),
        _ => Diagnostic::error(path, "", format!("cannot be read: {error}"))
            .with_fix("check that the path names a readable file"),
    }
}

/// Reads the bytes of a configuration file, or explains why not (without ever blocking on a
/// FIFO or device and without reading more than [`MAX_FILE_BYTES`] + 1 bytes).
pub fn read_bytes(path: &Path, fix_when_missing: &str) -> Result<Vec<u8>, Box<Diagnostic>> {
    if path.as_os_str().is_empty() {
        return Err(Box::new(
            Diagnostic::error(path, "", "the file name is empty").with_fix(fix_when_missing),
        ));
    }
    let meta =
        std::fs::metadata(path).map_err(|e| Box::new(io_problem(path, &e, fix_when_missing)))?;
    let check = |meta: &std::fs::Metadata| -> Result<(), Box<Diagnostic>> {
        if let Some(what) = not_a_file(meta) {
            return Err(Box::new(
                Diagnostic::error(path, "", format!("{what}, not a YAML file")).with_fix(format!(
                    "pass the path of a regular YAML file; {fix_when_missing}"
                )),
            ));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(Box::new(too_large(path, meta.len())));
        }
        Ok(())
    };
    check(&meta)?;
    let file = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(path)
            .map_err(|e| Box::new(io_problem(path, &e, fix_when_missing)))?
    };
    // The path may have been replaced between the two looks: check what was opened.
    let meta = file
        .metadata()
        .map_err(|e| Box::new(io_problem(path, &e, fix_when_missing)))?;
    check(&meta)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Box::new(io_problem(path, &e, fix_when_missing)))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Box::new(too_large(path, bytes.len() as u64)));
    }
    Ok(bytes)
}

fn too_large(path: &Path, size: u64) -> Diagnostic {
    Diagnostic::error(
        path,
        "",
        format!(
            "is too large ({size} bytes or more); configuration files may be at most {MAX_FILE_BYTES} bytes (1 MiB)"
        ),
    )
    .with_fix("pass the right file: a Cortex or cortex-net configuration is a few kilobytes")
}

/// Reads a configuration file as UTF-8 text (a UTF-8 byte order mark is dropped).
pub fn read_text(path: &Path, fix_when_missing: &str) -> Result<String, Box<Diagnostic>> {
    let bytes = read_bytes(path, fix_when_missing)?;
    decode(path, bytes)
}

/// UTF-8 text from `bytes`, or where and why it is not.
pub(crate) fn decode(path: &Path, mut bytes: Vec<u8>) -> Result<String, Box<Diagnostic>> {
    const BOM: &[u8] = b"\xef\xbb\xbf";
    let skipped = if bytes.starts_with(BOM) {
        bytes.drain(..BOM.len());
        BOM.len()
    } else {
        0
    };
    if skipped == 0 && (bytes.starts_with(b"\xff\xfe") || bytes.starts_with(b"\xfe\xff")) {
        return Err(Box::new(Diagnostic::error(
            path,
            "",
            "is encoded as UTF-16 (it starts with a UTF-16 byte order mark); YAML files must be UTF-8",
        )
        .with_fix("save the file as UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8`)")));
    }
    String::from_utf8(bytes).map_err(|e| -> Box<Diagnostic> {
        let good = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let bad = bytes.get(good).copied().unwrap_or_default();
        let prefix = String::from_utf8_lossy(&bytes[..good]);
        let line = prefix.matches('\n').count() + 1;
        let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Box::new(Diagnostic::error(
            path,
            "",
            format!(
                "is not valid UTF-8: byte 0x{bad:02x} at byte offset {} (line {line}, column {column}) does not start a UTF-8 character",
                good + skipped
            ),
        )
        .with_fix(format!(
            "save the file as UTF-8 and check line {line}, column {column} (e.g. `iconv -f latin1 -t utf-8` for a Latin-1 file)"
        )))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_found_beside_the_cluster_file_only_when_present() {
        let dir = tempfile::tempdir().unwrap();
        let cluster = dir.path().join("cluster.yaml");
        assert_eq!(settings_file(&cluster, None), None);
        std::fs::write(dir.path().join(SETTINGS_FILE_NAME), "{}").unwrap();
        assert_eq!(
            settings_file(&cluster, None),
            Some(dir.path().join(SETTINGS_FILE_NAME))
        );
        let explicit = dir.path().join("other.yaml");
        assert_eq!(settings_file(&cluster, Some(&explicit)), Some(explicit));
    }

    #[test]
    fn a_link_loop_beside_the_cluster_file_is_used_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let settings = dir.path().join(SETTINGS_FILE_NAME);
        std::os::unix::fs::symlink(&settings, &settings).unwrap();
        let found = settings_file(&dir.path().join("cluster.yaml"), None);
        assert_eq!(found.as_deref(), Some(settings.as_path()));
        let d = read_text(&settings, "fix").unwrap_err();
        assert!(d.message.contains("symbolic link loop"), "{d}");
    }

    #[test]
    fn missing_directory_fifo_and_dangling_link_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.yaml");
        let d = read_text(&missing, "fix it").unwrap_err();
        assert_eq!(
            (d.message.as_str(), d.fix.as_str(), d.file.as_path()),
            ("file not found", "fix it", missing.as_path())
        );
        let d = read_text(dir.path(), "fix it").unwrap_err();
        assert!(d.message.contains("directory"), "{d}");
        let fifo = dir.path().join("fifo.yaml");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: `c` is a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let d = read_text(&fifo, "fix it").unwrap_err();
        assert!(d.message.contains("FIFO"), "{d}");
        let link = dir.path().join("link.yaml");
        std::os::unix::fs::symlink(&missing, &link).unwrap();
        let d = read_text(&link, "fix it").unwrap_err();
        assert!(d.message.contains("does not exist"), "{d}");
        let d = read_text(Path::new(""), "fix it").unwrap_err();
        assert!(d.message.contains("empty"), "{d}");
        std::fs::write(&missing, "a: 1").unwrap();
        assert_eq!(read_text(&missing, "fix it").ok().as_deref(), Some("a: 1"));
    }

    #[test]
    fn too_large_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.yaml");
        std::fs::write(&big, vec![b'a'; MAX_FILE_BYTES as usize + 1]).unwrap();
        let d = read_text(&big, "fix").unwrap_err();
        assert!(d.message.contains("too large"), "{d}");
    }

    #[test]
    fn utf8_bom_is_accepted_and_bad_bytes_are_located() {
        let p = Path::new("f.yaml");
        assert_eq!(
            decode(p, b"\xef\xbb\xbfa: 1".to_vec()).ok().as_deref(),
            Some("a: 1")
        );
        let d = decode(p, b"a: 1\nb: caf\xe9\n".to_vec()).unwrap_err();
        assert!(
            d.message
                .contains("byte 0xe9 at byte offset 11 (line 2, column 7)"),
            "{d}"
        );
        assert!(d.fix.contains("line 2, column 7"), "{d}");
        let d = decode(p, b"\xef\xbb\xbf\xff".to_vec()).unwrap_err();
        assert!(
            d.message.contains("byte offset 3 (line 1, column 1)"),
            "{d}"
        );
        let d = decode(p, b"\xff\xfea\x00".to_vec()).unwrap_err();
        assert!(d.message.contains("UTF-16"), "{d}");
    }
}
