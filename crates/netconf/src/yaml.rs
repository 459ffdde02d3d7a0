//! Parsing YAML text with limits, and explaining failures in plain sentences.
//!
//! The YAML library's own messages are written for programmers (they name its functions and
//! options, or print Rust structures); none of them reaches the user. Every failure becomes a
//! sentence saying what is wrong, where (line and column), and what to do.

use std::path::Path;

use figment::value::{Dict, Value};
use figment::{Metadata, Profile, Provider, Source};
use serde_saphyr::budget::BudgetBreach;
use serde_saphyr::{DuplicateKeyPolicy, Error};

use crate::diagnostic::Diagnostic;
use crate::files;
use crate::text::shown;

/// The most nodes (keys, values, list items) a configuration file may hold.
pub const MAX_NODES: usize = 20_000;
/// The deepest nesting of mappings and lists accepted.
pub const MAX_DEPTH: usize = 32;
/// The most aliases (`*name`) accepted.
pub const MAX_ALIASES: usize = 100;

fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_nodes: MAX_NODES,
            max_events: 4 * MAX_NODES,
            max_depth: MAX_DEPTH,
            max_aliases: MAX_ALIASES,
            max_anchors: MAX_ALIASES,
            max_documents: 1,
            max_total_scalar_bytes: files::MAX_FILE_BYTES as usize,
        },
        duplicate_keys: DuplicateKeyPolicy::Error,
        with_snippet: false,
    }
}

/// The YAML document in `text` (`Value::Empty` for an empty file), or a diagnostic for `path`.
pub(crate) fn parse(path: &Path, text: &str) -> Result<Value, Box<Diagnostic>> {
    if text.trim().is_empty() {
        // An empty file stands for "nothing set".
        return Ok(Value::Empty(
            figment::value::Tag::Default,
            figment::value::Empty::None,
        ));
    }
    serde_saphyr::from_str_with_options::<Value>(text, options())
        .map_err(|e| Box::new(explain(path, &e)))
}

/// Reads and parses a configuration file.
pub(crate) fn read_file(path: &Path, fix_when_missing: &str) -> Result<Value, Box<Diagnostic>> {
    let text = files::read_text(path, fix_when_missing)?;
    parse(path, &text)
}

/// "at line 3, column 7", or nothing when the position is unknown.
fn at(error: &Error) -> String {
    match error.location() {
        Some(l) if l.line() > 0 => format!(" at line {}, column {}", l.line(), l.column()),
        _ => String::new(),
    }
}

/// A plain sentence and a fix for a YAML failure in `path`.
pub(crate) fn explain(path: &Path, error: &Error) -> Diagnostic {
    let (message, fix) = describe(error);
    Diagnostic::error(path, "", message).with_fix(fix)
}

const COMPLEX_FIX: &str = "write the configuration out plainly: a cortex-net or Cortex configuration needs no YAML anchors or aliases, a few dozen keys and a few levels of nesting";

fn describe(error: &Error) -> (String, String) {
    let at = at(error);
    match error {
        Error::WithSnippet { error, .. } => describe(error),
        #[allow(deprecated)]
        Error::AliasError { error, .. } => describe(error),
        Error::Budget { breach, .. } => budget(breach, &at),
        Error::AliasReplayCounterOverflow { .. }
        | Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. } => (
            format!(
                "the file is too complex: its aliases (`*name`) expand to too much data{at} (an \"alias bomb\")"
            ),
            COMPLEX_FIX.into(),
        ),
        Error::RecursiveReferencesRequireWeakTypes { .. } => (
            format!("an alias refers to the mapping or list that contains it{at}"),
            "remove the alias (`*name`) or write the value out".into(),
        ),
        Error::UnknownAnchor { .. } => (
            format!(
                "an alias (`*name`) refers to an anchor (`&name`) that is not defined before it{at}"
            ),
            "define the anchor before using it, or write the value out instead of the alias".into(),
        ),
        Error::MultipleDocuments { .. } => (
            format!(
                "the file holds several YAML documents (separated by `---`){at}; only one is read"
            ),
            "keep one document: remove the second `---` and what follows it (or merge the two)"
                .into(),
        ),
        Error::DuplicateMappingKey { key, .. } => (
            match key {
                Some(k) => format!(
                    "the key `{}` appears twice in the same mapping{at}",
                    shown(k)
                ),
                None => format!("a key appears twice in the same mapping{at}"),
            },
            "keep only one of the repeated keys".into(),
        ),
        Error::Eof { .. } => (
            format!("the file ends in the middle of a value{at} (an unclosed quote or bracket?)"),
            "close the open quote, `[` or `{`".into(),
        ),
        Error::InvalidUtf8Input => ("is not valid UTF-8".into(), "save the file as UTF-8".into()),
        Error::MergeValueNotMapOrSeqOfMaps { .. } | Error::MergeKeyNotAllowed { .. } => (
            format!("a merge key (`<<`) must be followed by a mapping or a list of mappings{at}"),
            "write the keys out instead of `<<`".into(),
        ),
        Error::NonFiniteFloat { value, .. } => (
            format!("`{}` is not a usable number{at}", shown(value)),
            "use a finite number, or quote the value to make it text".into(),
        ),
        Error::IOError { .. } => (
            format!("the file cannot be read{at}"),
            "check the file".into(),
        ),
        Error::ExternalMessage { msg, .. } => parser(msg, &at),
        Error::SerdeInvalidType { unexpected, .. }
            if unexpected.contains("map") || unexpected.contains("sequence") =>
        {
            (
                format!("a key is a mapping or a list{at}; keys must be plain text"),
                "write keys as plain words, like `cluster_name:`".into(),
            )
        }
        Error::SerdeInvalidType { .. } | Error::SerdeInvalidValue { .. } => (
            format!("a key or value has a form cortex-net cannot read{at}"),
            "write keys as plain words and values as text, numbers, lists or mappings".into(),
        ),
        _ => (format!("the file is not valid YAML{at}"), syntax_fix(&at)),
    }
}

fn syntax_fix(at: &str) -> String {
    if at.is_empty() {
        "correct the YAML syntax (`key: value` lines, lists with `- `)".into()
    } else {
        format!("correct the YAML{at} (`key: value` lines, lists with `- `, quotes closed)")
    }
}

fn budget(breach: &BudgetBreach, at: &str) -> (String, String) {
    let message = match breach {
        BudgetBreach::Nodes { .. } | BudgetBreach::Events { .. } => format!(
            "the file is too complex (more than {MAX_NODES} nodes: keys, values and list items, counting what aliases expand to){at}"
        ),
        BudgetBreach::Aliases { .. } | BudgetBreach::Anchors { .. } => {
            format!("the file is too complex (more than {MAX_ALIASES} YAML aliases or anchors){at}")
        }
        BudgetBreach::Depth { .. } => format!(
            "the file is nested too deeply (more than {MAX_DEPTH} levels of mappings and lists){at}"
        ),
        BudgetBreach::Documents { .. } => {
            return (
                format!(
                    "the file holds several YAML documents (separated by `---`){at}; only one is read"
                ),
                "keep one document: remove the second `---` and what follows it (or merge the two)"
                    .into(),
            );
        }
        BudgetBreach::ScalarBytes { .. } => {
            format!("the file is too large (its values add up to more than 1 MiB){at}")
        }
        _ => format!("the file is too complex (too many nodes, aliases or levels of nesting){at}"),
    };
    (message, COMPLEX_FIX.into())
}

/// A parser message, when it is plain English; a generic sentence otherwise.
fn parser(msg: &str, at: &str) -> (String, String) {
    if msg.contains("recursion limit") {
        return (
            format!(
                "the file is nested too deeply (more than {MAX_DEPTH} levels of mappings and lists){at}"
            ),
            COMPLEX_FIX.into(),
        );
    }
    let plain = msg.len() < 120
        && msg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " ,.'`:-_()".contains(c))
        && !msg.contains("::")
        && !msg.contains("options")
        && !msg.contains("Options");
    let what = if plain {
        format!("the file is not valid YAML{at}: {msg}")
    } else {
        format!("the file is not valid YAML{at}")
    };
    (what, syntax_fix(at))
}

/// A figment provider for one parsed file: its values are blamed on the file.
pub(crate) struct FileLayer {
    path: std::path::PathBuf,
    dict: Dict,
}

impl FileLayer {
    pub(crate) fn new(path: &Path, dict: Dict) -> Self {
        FileLayer {
            path: path.to_path_buf(),
            dict,
        }
    }
}

impl Provider for FileLayer {
    fn metadata(&self) -> Metadata {
        Metadata::from("YAML file", Source::File(self.path.clone()))
    }

    fn data(&self) -> Result<figment::value::Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.dict.clone()))
    }
}

/// The top-level mapping of a configuration file: empty for an empty file, an error when
/// the file holds a list or a single value.
pub(crate) fn mapping(path: &Path, value: Value) -> Result<Dict, Box<Diagnostic>> {
    match value {
        Value::Dict(_, dict) => Ok(dict),
        Value::Empty(..) => Ok(Dict::new()),
        other => Err(Box::new(
            Diagnostic::error(
                path,
                "",
                format!(
                    "expected a mapping of `key: value` lines, found {}",
                    crate::read::kind_of_value(&other)
                ),
            )
            .with_fix("the file must be a YAML mapping of `key: value` lines"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> Diagnostic {
        match parse(Path::new("f.yaml"), text) {
            Ok(v) => panic!("expected an error, got {v:?}"),
            Err(d) => *d,
        }
    }

    fn no_jargon(d: &Diagnostic) {
        let text = d.to_string();
        for bad in [
            "read_with_options",
            "Options",
            "{ ",
            "::",
            "Some(",
            "Nodes",
            "Budget",
        ] {
            assert!(!text.contains(bad), "jargon `{bad}` in: {text}");
        }
        assert!(!d.fix.is_empty(), "{text}");
    }

    #[test]
    fn values_parse() {
        let v = parse(Path::new("f"), "a: 1\nb: [x, y]\n").ok();
        assert!(matches!(v, Some(Value::Dict(..))));
        assert!(matches!(
            parse(Path::new("f"), "  \n"),
            Ok(Value::Empty(..))
        ));
    }

    #[test]
    fn several_documents() {
        let d = err("a: 1\n---\nb: 2\n");
        assert!(d.message.contains("several YAML documents"), "{d}");
        no_jargon(&d);
    }

    #[test]
    fn alias_bomb() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for i in 0..20 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            text.push_str(&format!(
                "l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let d = err(&text);
        assert!(d.message.contains("too complex"), "{d}");
        no_jargon(&d);
    }

    #[test]
    fn too_many_nodes_and_too_deep() {
        let text = format!("a: [{}]\n", vec!["1"; MAX_NODES + 10].join(","));
        let d = err(&text);
        assert!(d.message.contains("too complex"), "{d}");
        no_jargon(&d);
        let deep = format!("a: {}{}\n", "[".repeat(200), "]".repeat(200));
        let d = err(&deep);
        assert!(
            d.message.contains("nested too deeply") || d.message.contains("not valid YAML"),
            "{d}"
        );
        no_jargon(&d);
        let deep: String = (0..100)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        let d = err(&deep);
        no_jargon(&d);
    }

    #[test]
    fn duplicate_keys_and_syntax() {
        let d = err("a: 1\na: 2\n");
        assert!(d.message.contains("`a` appears twice"), "{d}");
        no_jargon(&d);
        let d = err("a: [unterminated\nb: 1\n");
        assert!(d.message.contains("line"), "{d}");
        no_jargon(&d);
        let d = err("a: *nowhere\n");
        no_jargon(&d);
        let d = err("a: \"open\n");
        no_jargon(&d);
    }
}
