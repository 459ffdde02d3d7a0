//! Typed reading of single fields out of parsed YAML, and turning figment's errors
//! into [`Diagnostic`]s that name the file (or variable), field, value and fix.
//!
//! Fields are read one by one rather than as one struct, so that one bad field
//! does not hide the others: every problem is reported at once.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::error::{Actual, Kind};
use figment::value::Value;
use serde::de::DeserializeOwned;

use crate::diagnostic::Diagnostic;
use crate::layers::origin_of;
use crate::model::one_of;
use crate::validate::Problem;

/// A value read from a field, with where it came from and how to show it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Found<T> {
    pub value: T,
    /// The file, or the variable/option label, that supplied the value.
    pub origin: PathBuf,
    /// The value as written, for messages.
    pub shown: Option<String>,
}

impl<T> Found<T> {
    /// An error diagnostic for this value at `field`, from a failed rule.
    pub(crate) fn problem(&self, field: &str, problem: Problem) -> Diagnostic {
        Diagnostic::error(&self.origin, field, problem.message)
            .with_value_opt(self.shown.clone())
            .with_fix(problem.fix)
    }

    /// Pushes an error for each failed rule.
    pub(crate) fn check(
        &self,
        field: &str,
        rule: Result<(), Problem>,
        diags: &mut Vec<Diagnostic>,
    ) {
        if let Err(problem) = rule {
            diags.push(self.problem(field, problem));
        }
    }
}

/// The expected shape of a field, for messages: "a string", "`http` or `rest`", ….
#[derive(Debug, Clone, Copy)]
pub(crate) enum Expect<'a> {
    /// A free-form description, e.g. "a whole number of seconds".
    Shape(&'a str),
    /// One of these spellings.
    OneOf(&'a [&'a str]),
}

impl Expect<'_> {
    fn describe(self) -> String {
        match self {
            Expect::Shape(s) => s.to_string(),
            Expect::OneOf(allowed) => one_of(allowed),
        }
    }
}

/// How a scalar is shown in a message (`None` for lists and mappings).
pub(crate) fn shown(value: &Value) -> Option<String> {
    match value {
        Value::String(_, s) => Some(s.clone()),
        Value::Char(_, c) => Some(c.to_string()),
        Value::Bool(_, b) => Some(b.to_string()),
        Value::Num(..) => number_text(value),
        Value::Empty(..) | Value::Dict(..) | Value::Array(..) => None,
    }
}

fn number_text(value: &Value) -> Option<String> {
    if let Some(u) = value.to_u128() {
        Some(u.to_string())
    } else if let Some(i) = value.to_i128() {
        Some(i.to_string())
    } else {
        value.to_f64().map(|f| f.to_string())
    }
}

/// "a list", "a number", … for "expected X, found Y".
pub(crate) fn kind_of_value(value: &Value) -> &'static str {
    match value {
        Value::String(..) | Value::Char(..) => "a string",
        Value::Bool(..) => "a boolean",
        Value::Num(..) => "a number",
        Value::Empty(..) => "nothing",
        Value::Dict(..) => "a mapping",
        Value::Array(..) => "a list",
    }
}

fn kind_of_actual(actual: &Actual) -> &'static str {
    match actual {
        Actual::Bool(_) => "a boolean",
        Actual::Unsigned(_) | Actual::Signed(_) => "a whole number",
        Actual::Float(_) => "a decimal number",
        Actual::Char(_) | Actual::Str(_) => "a string",
        Actual::Bytes(_) => "bytes",
        Actual::Unit | Actual::Option => "nothing",
        Actual::Seq => "a list",
        Actual::Map => "a mapping",
        _ => "something else",
    }
}

fn actual_text(actual: &Actual) -> Option<String> {
    match actual {
        Actual::Bool(b) => Some(b.to_string()),
        Actual::Unsigned(n) => Some(n.to_string()),
        Actual::Signed(n) => Some(n.to_string()),
        Actual::Float(n) => Some(n.to_string()),
        Actual::Char(c) => Some(c.to_string()),
        Actual::Str(s) => Some(s.clone()),
        _ => None,
    }
}

/// Joins a field and a figment error path: `[1]` + `networking` + `0` → `[1].networking[0]`.
pub(crate) fn join_path<S: AsRef<str>>(base: &str, segments: &[S]) -> String {
    let mut out = base.to_string();
    for segment in segments {
        let segment = segment.as_ref();
        if !segment.is_empty() && segment.chars().all(|c| c.is_ascii_digit()) {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(segment);
        }
    }
    out
}

/// One diagnostic for one figment error about the value of `field`.
///
/// The error's own path (inside the value) is appended to `field`; its metadata, when
/// present, names the file, else `origin` does.
pub(crate) fn from_figment_error(
    error: &figment::Error,
    field: &str,
    expect: Expect<'_>,
    origin: &Path,
) -> Diagnostic {
    let file = origin_of(error.metadata.as_ref(), origin);
    let field = join_path(field, &error.path);
    let what = expect.describe();
    match &error.kind {
        Kind::UnknownVariant(got, allowed) => Diagnostic::error(&file, field, "not a valid value")
            .with_value(got.clone())
            .with_fix(format!("use {}", one_of(allowed))),
        Kind::InvalidType(actual, _) => Diagnostic::error(
            &file,
            field,
            format!("expected {what}, found {}", kind_of_actual(actual)),
        )
        .with_value_opt(actual_text(actual))
        .with_fix(format!("use {what}")),
        Kind::InvalidValue(actual, _) => {
            Diagnostic::error(&file, field, format!("expected {what}"))
                .with_value_opt(actual_text(actual))
                .with_fix(format!("use {what}"))
        }
        Kind::MissingField(name) => Diagnostic::error(
            &file,
            join_path(&field, &[name.as_ref()]),
            "required key is missing",
        )
        .with_fix(format!("add `{name}`")),
        other => Diagnostic::error(&file, field, other.to_string()).with_fix(format!("use {what}")),
    }
}

/// Diagnostics for the errors a figment gathered while reading its sources
/// (unreadable file, YAML syntax, a top level that is not a mapping).
pub(crate) fn source_errors(error: figment::Error, fallback: &Path) -> Vec<Diagnostic> {
    error
        .into_iter()
        .map(|e| {
            let file = origin_of(e.metadata.as_ref(), fallback);
            let message = match &e.kind {
                Kind::Message(m) => yaml_message(m),
                other => other.to_string(),
            };
            let fix = source_fix(&message);
            Diagnostic::error(file, join_path("", &e.path), message).with_fix(fix)
        })
        .collect()
}

/// A YAML parser message without advice about parser options the user cannot set.
pub(crate) fn yaml_message(message: &str) -> String {
    message
        .replace(", set DuplicateKeyPolicy in Options if acceptable", "")
        .to_string()
}

/// The fix for a YAML reading error, from its message.
pub(crate) fn source_fix(message: &str) -> &'static str {
    if message.starts_with("IO error") {
        "check that the file exists and is readable"
    } else if message.starts_with("duplicate mapping key") {
        "keep only one of the repeated keys"
    } else if message.contains("expected a map") || message.contains("expected map") {
        "the file must be a YAML mapping of `key: value` lines"
    } else {
        "correct the YAML at the position shown"
    }
}

/// "required key is missing" for `key` under `parent`, with a did-you-mean when the mapping
/// holds a key spelt close to it (`cluster_nmae`): renaming that key is the fix.
pub(crate) fn missing_key(
    path: &Path,
    parent: &str,
    key: &str,
    mapping: &figment::value::Dict,
    fix: &str,
) -> Diagnostic {
    let field = join_path(parent, &[key]);
    let close = mapping
        .keys()
        .filter(|k| crate::text::plain(k))
        .map(|k| (crate::suggest::distance(&k.to_ascii_lowercase(), key), k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.clone());
    match close {
        Some(typo) => Diagnostic::error(
            path,
            field,
            format!("required key is missing; `{typo}` is there: a typo?"),
        )
        .with_fix(format!("rename `{typo}` to `{key}`")),
        None => Diagnostic::error(path, field, "required key is missing").with_fix(fix),
    }
}

/// Deserialises one value, or explains why not.
pub(crate) fn typed<T: DeserializeOwned>(
    value: &Value,
    field: &str,
    expect: Expect<'_>,
    origin: &Path,
) -> Result<T, Box<Diagnostic>> {
    value
        .deserialize::<T>()
        .map_err(|e| Box::new(from_figment_error(&e, field, expect, origin)))
}

/// Reads a string; plain numbers are accepted as their text (`stage: 2024`, `CORTEX_NET_GATEWAY__STAGE=2024`).
pub(crate) fn string(value: &Value, field: &str, origin: &Path) -> Result<String, Box<Diagnostic>> {
    match value {
        Value::String(_, s) => Ok(s.clone()),
        Value::Num(..) => {
            number_text(value).ok_or_else(|| Box::new(wrong_type(value, field, "a string", origin)))
        }
        _ => Err(Box::new(wrong_type(value, field, "a string", origin))),
    }
}

/// Reads a list of strings; a single string is taken as a list of one.
pub(crate) fn string_list(
    value: &Value,
    field: &str,
    origin: &Path,
) -> Result<Vec<String>, Box<Diagnostic>> {
    match value {
        Value::Array(_, items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| string(item, &join_path(field, &[i.to_string()]), origin))
            .collect(),
        Value::String(..) => string(value, field, origin).map(|s| vec![s]),
        _ => Err(Box::new(wrong_type(
            value,
            field,
            "a list of strings",
            origin,
        ))),
    }
}

/// "expected X, found Y" for `value` at `field`.
pub(crate) fn wrong_type(value: &Value, field: &str, expected: &str, origin: &Path) -> Diagnostic {
    Diagnostic::error(
        origin,
        field,
        format!("expected {expected}, found {}", kind_of_value(value)),
    )
    .with_value_opt(shown(value))
    .with_fix(format!("use {expected}"))
}

/// True for YAML `~`, `null` or an empty value: treated as "not set".
pub(crate) fn is_unset(value: &Value) -> bool {
    matches!(value, Value::Empty(..))
}

/// Reads fields of a merged figment, blaming each value on the layer that set it.
pub(crate) struct Layered<'a> {
    pub fig: &'a Figment,
    /// Blamed when a value's source is unknown.
    pub fallback: &'a Path,
}

impl Layered<'_> {
    /// The value at the dotted `key`, unless absent or null.
    pub(crate) fn raw(&self, key: &str) -> Option<Value> {
        self.fig.find_value(key).ok().filter(|v| !is_unset(v))
    }

    /// The file or label that supplied `value`.
    pub(crate) fn origin(&self, value: &Value) -> PathBuf {
        origin_of(self.fig.get_metadata(value.tag()), self.fallback)
    }

    /// The file or label that supplied the value at `key`.
    pub(crate) fn origin_of_key(&self, key: &str) -> PathBuf {
        origin_of(self.fig.find_metadata(key), self.fallback)
    }

    fn found<T>(
        &self,
        key: &str,
        read: impl FnOnce(&Value, &Path) -> Result<T, Box<Diagnostic>>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Found<T>> {
        let value = self.raw(key)?;
        let origin = self.origin(&value);
        match read(&value, &origin) {
            Ok(v) => Some(Found {
                value: v,
                shown: shown(&value),
                origin,
            }),
            Err(d) => {
                diags.push(*d);
                None
            }
        }
    }

    /// A typed field; `None` when absent or invalid (the error is pushed).
    pub(crate) fn get<T: DeserializeOwned>(
        &self,
        key: &str,
        expect: Expect<'_>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Found<T>> {
        self.found(key, |v, origin| typed(v, key, expect, origin), diags)
    }

    /// A string field; `None` when absent or invalid (the error is pushed).
    pub(crate) fn get_string(
        &self,
        key: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Found<String>> {
        self.found(key, |v, origin| string(v, key, origin), diags)
    }

    /// A typed field held to `rule`. A value the rule refuses is reported and still returned,
    /// so that later rules see what was written.
    pub(crate) fn checked<T: DeserializeOwned>(
        &self,
        key: &str,
        expect: Expect<'_>,
        rule: impl FnOnce(&T) -> Result<(), Problem>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<T> {
        let found = self.get::<T>(key, expect, diags)?;
        found.check(key, rule(&found.value), diags);
        Some(found.value)
    }

    /// A string field held to `rule`, like [`Layered::checked`].
    pub(crate) fn checked_string(
        &self,
        key: &str,
        rule: impl FnOnce(&str) -> Result<(), Problem>,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<String> {
        let found = self.get_string(key, diags)?;
        found.check(key, rule(&found.value), diags);
        Some(found.value)
    }

    /// A list-of-strings field; `None` when absent or invalid (the error is pushed).
    pub(crate) fn get_string_list(
        &self,
        key: &str,
        diags: &mut Vec<Diagnostic>,
    ) -> Option<Found<Vec<String>>> {
        self.found(key, |v, origin| string_list(v, key, origin), diags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::GatewayKind;

    #[test]
    fn paths_join_with_indices() {
        assert_eq!(join_path("", &["gateway", "type"]), "gateway.type");
        assert_eq!(
            join_path("[1]", &["networking", "endpoint"]),
            "[1].networking.endpoint"
        );
        assert_eq!(
            join_path("gateway.cors.allow_origins", &["0"]),
            "gateway.cors.allow_origins[0]"
        );
        assert_eq!(join_path("x", &[] as &[&str]), "x");
    }

    #[test]
    fn unknown_variant_names_allowed_values() {
        let value = Value::from("graphql");
        let d = typed::<GatewayKind>(
            &value,
            "gateway.type",
            Expect::OneOf(GatewayKind::SPELLINGS),
            Path::new("s.yaml"),
        )
        .unwrap_err();
        assert_eq!(
            d.to_string(),
            "s.yaml: gateway.type: not a valid value (got `graphql`); fix: use `http` or `rest`"
        );
    }

    #[test]
    fn wrong_type_names_what_was_found() {
        let value = Value::from(vec![Value::from(1u8)]);
        let d = typed::<u64>(
            &value,
            "gateway.vpc_link_timeout_seconds",
            Expect::Shape("a whole number of seconds"),
            Path::new("s.yaml"),
        )
        .unwrap_err();
        assert_eq!(
            d.message,
            "expected a whole number of seconds, found a list"
        );
        assert_eq!(d.fix, "use a whole number of seconds");
        let d = typed::<u64>(
            &Value::from(-5i64),
            "t",
            Expect::Shape("a whole number"),
            Path::new("s.yaml"),
        )
        .unwrap_err();
        assert_eq!(d.value.as_deref(), Some("-5"));
    }

    #[test]
    fn strings_accept_numbers_but_not_lists() {
        assert_eq!(
            string(&Value::from(2024u32), "stage", Path::new("f")),
            Ok("2024".to_string())
        );
        let d = string(&Value::from(true), "stage", Path::new("f")).unwrap_err();
        assert_eq!(d.message, "expected a string, found a boolean");
        assert_eq!(d.value.as_deref(), Some("true"));
        assert_eq!(
            string_list(&Value::from("*"), "o", Path::new("f")),
            Ok(vec!["*".to_string()])
        );
        let d = string_list(
            &Value::from(vec![Value::from("a"), Value::from(vec![Value::from("b")])]),
            "o",
            Path::new("f"),
        )
        .unwrap_err();
        assert_eq!(d.field, "o[1]");
    }
}
