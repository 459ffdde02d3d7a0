//! Locating the input files and checking they can be read.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;

/// The name of cortex-net's settings file, looked up beside the cluster file.
pub const SETTINGS_FILE_NAME: &str = "cortex-net.yaml";

/// The settings file to use: the explicit one, else `cortex-net.yaml` beside the
/// cluster file when it exists.
pub fn settings_file(cluster_file: &Path, explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = explicit {
        return Some(path.to_path_buf());
    }
    let beside = cluster_file
        .parent()
        .unwrap_or_else(|| Path::new(""))
        .join(SETTINGS_FILE_NAME);
    beside.exists().then_some(beside)
}

/// An error diagnostic when `path` is not a readable file.
pub(crate) fn check_readable(path: &Path, fix_when_missing: &str) -> Option<Diagnostic> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Some(
            Diagnostic::error(path, "", "is a directory, not a YAML file")
                .with_fix(fix_when_missing.to_string()),
        ),
        Ok(_) => None,
        Err(e) if e.kind() == ErrorKind::NotFound => Some(
            Diagnostic::error(path, "", "file not found").with_fix(fix_when_missing.to_string()),
        ),
        Err(e) => Some(
            Diagnostic::error(path, "", format!("cannot read the file: {e}"))
                .with_fix("check the file's permissions"),
        ),
    }
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
    fn missing_and_directory_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.yaml");
        let d = check_readable(&missing, "fix it").unwrap();
        assert_eq!(
            (d.message.as_str(), d.fix.as_str(), d.file.as_path()),
            ("file not found", "fix it", missing.as_path())
        );
        let d = check_readable(dir.path(), "fix it").unwrap();
        assert!(d.message.contains("directory"));
        std::fs::write(&missing, "a: 1").unwrap();
        assert_eq!(check_readable(&missing, "fix it"), None);
    }
}
