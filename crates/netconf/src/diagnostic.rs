//! Diagnostics: one problem in one place, with the value found and the way to fix it.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Serialize, Serializer};

use crate::text::{LABEL_CHARS, TEXT_CHARS, cut, shown};

/// Longest file path shown.
const PATH_CHARS: usize = 300;

/// A file path or source label as shown: lossy UTF-8, escaped, cut.
pub(crate) fn shown_path(path: &Path) -> String {
    cut(&path.to_string_lossy(), PATH_CHARS)
}

fn serialize_path<S: Serializer>(path: &Path, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&shown_path(path))
}

/// How bad a [`Diagnostic`] is. Errors stop loading; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

/// One problem found while loading the configuration.
///
/// `file` is the file the value came from, or a label such as
/// `environment variable CORTEX_NET_GATEWAY__TYPE` or `command-line option --stage`
/// when it came from elsewhere.
///
/// Everything in it is safe to print: the constructors escape control characters (a value
/// cannot forge an output line or send terminal escapes) and cut long text; the value is cut
/// to [`crate::SHOWN_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    #[serde(serialize_with = "serialize_path")]
    pub file: PathBuf,
    /// Key path, e.g. `api_load_balancer_scheme`, `[1].networking.endpoint`, `gateway.type`;
    /// empty when the problem concerns the whole file.
    pub field: String,
    /// The offending value, when there is one to show.
    pub value: Option<String>,
    pub message: String,
    pub fix: String,
}

impl Diagnostic {
    /// An error about `field` of `file`.
    pub fn error(
        file: impl AsRef<Path>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Error, file, field, message)
    }

    /// A warning about `field` of `file`.
    pub fn warning(
        file: impl AsRef<Path>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::new(Severity::Warning, file, field, message)
    }

    fn new(
        severity: Severity,
        file: impl AsRef<Path>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity,
            file: file.as_ref().to_path_buf(),
            field: cut(&field.into(), LABEL_CHARS),
            value: None,
            message: cut(&message.into(), TEXT_CHARS),
            fix: String::new(),
        }
    }

    /// Sets the offending value.
    pub fn with_value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(shown(&value.into()));
        self
    }

    /// Sets the offending value if there is one.
    pub fn with_value_opt(mut self, value: Option<String>) -> Self {
        self.value = value.map(|v| shown(&v));
        self
    }

    /// Sets how to fix it.
    pub fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = cut(&fix.into(), TEXT_CHARS);
        self
    }

    /// True for [`Severity::Error`].
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// ``<file>: <field>: <message> (got `<value>`); fix: <fix>``, leaving out empty parts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = shown_path(&self.file);
        if !file.is_empty() {
            write!(f, "{file}: ")?;
        }
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)?;
        if let Some(value) = &self.value {
            write!(f, " (got `{value}`)")?;
        }
        if !self.fix.is_empty() {
            write!(f, "; fix: {}", self.fix)?;
        }
        Ok(())
    }
}

/// The configuration could not be loaded: every error found (and any warnings), all at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}", render(&self.diagnostics))]
pub struct ConfigError {
    pub diagnostics: Vec<Diagnostic>,
}

impl ConfigError {
    /// The diagnostics of severity error.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    /// The diagnostics of severity warning.
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }
}

/// One line per diagnostic, each prefixed with its severity.
fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| format!("{}: {d}", d.severity))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_every_part() {
        let d = Diagnostic::error("cluster.yaml", "region", "not an AWS region")
            .with_value("us-east")
            .with_fix("use a region such as `us-east-1`");
        assert_eq!(
            d.to_string(),
            "cluster.yaml: region: not an AWS region (got `us-east`); fix: use a region such as `us-east-1`"
        );
    }

    #[test]
    fn display_omits_empty_parts() {
        let d = Diagnostic::warning("cortex.yaml", "", "no APIs listed");
        assert_eq!(d.to_string(), "cortex.yaml: no APIs listed");
        let d = Diagnostic::error("x.yaml", "a", "bad").with_fix("do it");
        assert_eq!(d.to_string(), "x.yaml: a: bad; fix: do it");
    }

    #[test]
    fn everything_shown_is_escaped_and_cut() {
        let d = Diagnostic::error("a\nb.yaml", "k\x1b[1m", "bad \r value")
            .with_value(format!("x\ny{}", "z".repeat(1000)))
            .with_fix("use `\u{202e}`");
        let text = d.to_string();
        assert!(!text.chars().any(char::is_control), "{text}");
        assert!(
            text.contains("a\\nb.yaml: k\\x1b[1m: bad \\r value"),
            "{text}"
        );
        assert!(text.contains("…(1003 bytes)"), "{text}");
        assert!(text.contains("\\u{202e}"), "{text}");
        let json = serde_json::to_string(&d).unwrap_or_default();
        assert!(json.contains(r#""file":"a\\nb.yaml""#), "{json}");
    }

    #[test]
    fn serializes_to_json() {
        let d = Diagnostic::warning("a.yaml", "f", "m")
            .with_value("v")
            .with_fix("x");
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"severity": "warning", "file": "a.yaml", "field": "f", "value": "v", "message": "m", "fix": "x"})
        );
    }

    #[test]
    fn config_error_lists_one_per_line() {
        let err = ConfigError {
            diagnostics: vec![
                Diagnostic::error("a.yaml", "x", "bad"),
                Diagnostic::warning("b.yaml", "y", "meh"),
            ],
        };
        assert_eq!(
            err.to_string(),
            "error: a.yaml: x: bad\nwarning: b.yaml: y: meh"
        );
        assert_eq!(err.errors().count(), 1);
        assert_eq!(err.warnings().count(), 1);
    }
}
