//! Log lines never carry credentials. At `-vv` the SDK's trace logs print its resolved identity
//! (`Credentials { access_key_id: "AKIA...", secret_access_key: "** redacted **" }`): the SDK
//! redacts the secret and the session token, not the access key id. Every log line goes through
//! [`stderr`], which removes access key ids (also in `Credential=` of a signature), and any
//! occurrence of the secret key or session token the process was given.

use std::io::{self, Write};
use std::sync::OnceLock;

const REDACTED: &str = "** redacted **";

/// The writer for `tracing_subscriber::fmt().with_writer(redact::stderr)`.
pub fn stderr() -> Redacting {
    Redacting
}

/// Standard error, with credentials removed from what is written (one log event per write).
pub struct Redacting;

impl Write for Redacting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        io::stderr().write_all(redact(&text, secrets()).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

/// The secret values given in the environment (long enough not to match ordinary words).
fn secrets() -> &'static [String] {
    static SECRETS: OnceLock<Vec<String>> = OnceLock::new();
    SECRETS.get_or_init(|| {
        [
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_SECURITY_TOKEN",
        ]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .filter(|value| value.len() >= 8)
        .collect()
    })
}

/// `text` without access key ids, `Credential=` scopes' keys, security-token header values, and
/// `secrets`.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for secret in secrets {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), REDACTED);
        }
    }
    for (marker, ends) in [
        ("access_key_id: \"", &['"'][..]),
        ("Credential=", &['/', ',', ' ', '"', '\''][..]),
        ("x-amz-security-token\": \"", &['"'][..]),
        ("x-amz-security-token: ", &['\n', ' ', '"', ','][..]),
    ] {
        out = redact_after(&out, marker, ends);
    }
    redact_key_ids(&out)
}

/// Replaces what follows each `marker` up to one of `ends` (or the end of the text).
fn redact_after(text: &str, marker: &str, ends: &[char]) -> String {
    let lower = text.to_ascii_lowercase();
    let marker_lower = marker.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    while let Some(found) = lower[rest..].find(&marker_lower) {
        let start = rest + found + marker.len();
        let end = text[start..]
            .find(|c| ends.contains(&c))
            .map_or(text.len(), |i| start + i);
        out.push_str(&text[rest..start]);
        if end > start && &text[start..end] != REDACTED {
            out.push_str(REDACTED);
        } else {
            out.push_str(&text[start..end]);
        }
        rest = end;
    }
    out.push_str(&text[rest..]);
    out
}

/// Access key ids anywhere: `AKIA`/`ASIA` and 12 or more upper-case letters or digits.
fn redact_key_ids(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut copied = 0;
    while i + 4 <= bytes.len() {
        let at_word_start = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if at_word_start && (&bytes[i..i + 4] == b"AKIA" || &bytes[i..i + 4] == b"ASIA") {
            let len = bytes[i + 4..]
                .iter()
                .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                .count();
            if len >= 12 {
                out.push_str(&text[copied..i]);
                out.push_str(REDACTED);
                i += 4 + len;
                copied = i;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sdks_identity_trace_loses_its_key() {
        let line = "TRACE auth: resolved identity identity=Identity { data: Credentials { \
                    provider_name: \"EnvironmentVariable\", access_key_id: \"testing\", \
                    secret_access_key: \"** redacted **\", expires_after: \"never\" } }";
        let clean = redact(line, &[]);
        assert!(!clean.contains("testing"), "{clean}");
        assert!(
            clean.contains("access_key_id: \"** redacted **\""),
            "{clean}"
        );
        assert!(
            clean.contains("secret_access_key: \"** redacted **\""),
            "{clean}"
        );
    }

    #[test]
    fn key_ids_signatures_tokens_and_secrets_go() {
        let secrets = vec!["canarySecret123".to_string(), "canaryToken456".to_string()];
        let text = "Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/\
                    apigateway/aws4_request, SignedHeaders=host\n\"x-amz-security-token\": \"FwoGZXIvYXdz\" \
                    key ASIAABCDEFGHIJKLMNOP and canarySecret123 canaryToken456 AKIA-not-a-key";
        let clean = redact(text, &secrets);
        for gone in [
            "AKIAIOSFODNN7EXAMPLE",
            "FwoGZXIvYXdz",
            "ASIAABCDEFGHIJKLMNOP",
            "canarySecret123",
            "canaryToken456",
        ] {
            assert!(!clean.contains(gone), "{gone}: {clean}");
        }
        assert!(clean.contains("/20260101/us-east-1/"), "{clean}");
        assert!(clean.contains("AKIA-not-a-key"), "{clean}");
    }

    #[test]
    fn ordinary_lines_are_untouched() {
        let line = "INFO created api cortex-demo (arn:aws:apigateway:us-east-1::/apis/abc123)";
        assert_eq!(redact(line, &[]), line);
    }
}
