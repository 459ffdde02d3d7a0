//! The AWS SDK configuration: the default credential and region chain, with the overrides the
//! user gave (profile, region, endpoint).

use crate::cli::{Cli, Command};
use crate::error::CliError;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use netconf::Diagnostic;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Attempts per call unless AWS_MAX_ATTEMPTS / AWS_RETRY_MODE say otherwise. Standard mode
/// (exponential backoff with jitter), not adaptive: the adaptive mode's client-side rate
/// limiter slowed every later call of a run for 10-25 s after a single 429 (measured with the
/// chaos harness), while API Gateway's quotas are per second.
const MAX_ATTEMPTS: u32 = 5;

/// The retry policy: the user's (environment or profile) when set, else standard.
fn retry_config() -> Option<RetryConfig> {
    let user_set = ["AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE"]
        .iter()
        .any(|var| std::env::var_os(var).is_some());
    (!user_set).then(|| {
        RetryConfig::standard()
            .with_max_attempts(MAX_ATTEMPTS)
            .with_max_backoff(Duration::from_secs(20))
    })
}

/// Bounded calls: an unreachable endpoint fails in seconds, a stuck call does not hang `up`.
fn timeout_config() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5))
        .read_timeout(Duration::from_secs(30))
        .operation_attempt_timeout(Duration::from_secs(60))
        .build()
}

pub struct AwsOptions<'a> {
    pub region: Option<&'a str>,
    pub profile: Option<&'a str>,
    pub endpoint_url: Option<&'a str>,
}

/// Loads the SDK configuration and fails early, with the fix, when no region is known:
/// the SDK itself would only fail at the first call, with a less helpful message.
///
/// The inputs the SDK reads (endpoint URLs, profile, region, retry settings) are checked first
/// ([`check_inputs`]): the SDK panics on some bad values and silently ignores others.
pub async fn load(options: &AwsOptions<'_>) -> Result<SdkConfig, CliError> {
    let problems = check_inputs(options, &Inputs::from_process());
    if !problems.is_empty() {
        return Err(CliError::invalid(
            problems
                .iter()
                .map(|d| format!("error: {d}"))
                .collect::<Vec<_>>()
                .join("\n"),
        ));
    }
    let mut loader =
        aws_config::defaults(BehaviorVersion::latest()).timeout_config(timeout_config());
    if let Some(retry) = retry_config() {
        loader = loader.retry_config(retry);
    }
    if let Some(profile) = options.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = options.region {
        loader = loader.region(Region::new(region.to_string()));
    }
    if let Some(url) = options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    if config.region().is_none() {
        return Err(CliError::invalid(
            "no AWS region is set: add `region: <region>` to cluster.yaml, pass --region, or set AWS_REGION",
        ));
    }
    Ok(config)
}

pub fn region(config: &SdkConfig) -> String {
    config.region().map(|r| r.to_string()).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Checks before any AWS call
// ---------------------------------------------------------------------------------------------

/// What the checks read from outside: the environment, whether `--profile` was on the command
/// line, and the home directory (for `~/.aws/config`).
pub struct Inputs {
    pub env: Vec<(String, String)>,
    pub profile_flag: bool,
    pub home: Option<PathBuf>,
}

impl Inputs {
    pub fn from_process() -> Self {
        Inputs {
            env: std::env::vars_os()
                .map(|(k, v)| {
                    (
                        k.to_string_lossy().into_owned(),
                        v.to_string_lossy().into_owned(),
                    )
                })
                .collect(),
            profile_flag: std::env::args_os()
                .any(|a| a == "--profile" || a.to_string_lossy().starts_with("--profile=")),
            home: std::env::var_os("HOME").map(PathBuf::from),
        }
    }

    fn var(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

const EXAMPLE_URL: &str = "`http://localhost:4566` or `https://apigateway.us-east-1.amazonaws.com`";

fn env_label(name: &str) -> String {
    format!("environment variable {name}")
}

/// Why `url` cannot be an endpoint URL, or `None` when it can: `http` or `https`, a host, an
/// optional port, an optional path; nothing else.
pub fn endpoint_url_problem(url: &str) -> Option<&'static str> {
    if url.is_empty() {
        return Some("is empty");
    }
    if url.len() > 2048 {
        return Some("is too long for a URL (more than 2048 characters)");
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("contains spaces or control characters");
    }
    if !url.is_ascii() {
        return Some(
            "contains characters that are not ASCII (write an internationalised host name in its `xn--` form)",
        );
    }
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))
    else {
        return Some(if url.contains("://") {
            "has a scheme other than `http` or `https`"
        } else {
            "is not a URL: it lacks `http://` or `https://`"
        });
    };
    if rest.contains(['?', '#']) {
        return Some("must not have a query (`?`) or fragment (`#`)");
    }
    let authority = rest.split('/').next().unwrap_or_default();
    if authority.contains('@') {
        return Some("must not contain a user name or password");
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        match v6.split_once(']') {
            Some((h, p))
                if !h.is_empty()
                    && h.chars()
                        .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.') =>
            {
                (h, p.strip_prefix(':'))
            }
            _ => return Some("has a malformed IPv6 address (write it as `[::1]`)"),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if host.is_empty() {
        return Some("has no host name");
    }
    if !authority.starts_with('[')
        && (!host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
            || host.starts_with(['.', '-'])
            || host.contains(".."))
    {
        return Some("has an invalid host name");
    }
    if host.len() > 253 || host.split('.').any(|label| label.len() > 63) {
        return Some("has a host name longer than DNS allows (labels of at most 63 characters)");
    }
    if let Some(port) = port
        && !port.parse::<u16>().is_ok_and(|p| p > 0)
    {
        return Some("has an invalid port (use a number from 1 to 65535)");
    }
    let path = rest.get(authority.len()..).unwrap_or_default();
    if path
        .chars()
        .any(|c| matches!(c, '"' | '<' | '>' | '\\' | '^' | '`' | '{' | '|' | '}'))
    {
        return Some("has characters that are not allowed in a URL path");
    }
    None
}

/// The fix for a bad endpoint URL: `value` with `http://` in front when that is a valid URL,
/// else an example.
fn endpoint_fix(value: &str, unset: &str) -> String {
    let candidate = format!("http://{value}");
    if !value.is_empty()
        && !value.contains("://")
        && value.chars().count() <= netconf::SHOWN_CHARS
        && endpoint_url_problem(&candidate).is_none()
    {
        format!("use a full URL such as `{candidate}`, or {unset}")
    } else {
        format!("use a URL such as {EXAMPLE_URL}, or {unset}")
    }
}

/// A URL from `source` that cannot be an endpoint (`why`), with the fix: a corrected URL, or
/// `unset` (how to do without it).
fn bad_url(source: &str, url: &str, why: &str, unset: &str) -> Diagnostic {
    Diagnostic::error(source, "", why)
        .with_value(url)
        .with_fix(endpoint_fix(url, unset))
}

fn is_true(value: &str) -> bool {
    value.trim().eq_ignore_ascii_case("true")
}

/// The environment variables holding endpoint URLs the SDK reads (`AWS_ENDPOINT_URL` and every
/// `AWS_ENDPOINT_URL_<SERVICE>`: the credential providers use STS and SSO too).
fn endpoint_vars(inputs: &Inputs) -> Vec<(&str, &str)> {
    let mut vars: Vec<(&str, &str)> = inputs
        .env
        .iter()
        .filter(|(k, _)| k == "AWS_ENDPOINT_URL" || k.starts_with("AWS_ENDPOINT_URL_"))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    vars.sort();
    vars
}

/// Every problem with the flags and AWS settings of a command line, before anything is loaded:
/// empty file flags, `doctor --url`, and [`check_inputs`]. Makes no network call.
pub fn check_cli(cli: &Cli) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for (flag, path) in [
        ("--cluster-config", Some(&cli.cluster_config)),
        ("--api-config", cli.api_config.as_ref()),
        ("--settings", cli.settings.as_ref()),
    ] {
        if path.is_some_and(|p| p.as_os_str().is_empty()) {
            problems.push(
                Diagnostic::error(format!("command-line option {flag}"), "", "is empty")
                    .with_value("")
                    .with_fix(format!(
                        "give `{flag}` the path of a YAML file, or leave it out"
                    )),
            );
        }
    }
    if let Command::Doctor { url: Some(url), .. } = &cli.command
        && let Some(why) = endpoint_url_problem(url)
    {
        problems.push(bad_url(
            "command-line option --url",
            url,
            why,
            "leave `--url` out to use the gateway's invoke URL",
        ));
    }
    problems.extend(check_inputs(
        &AwsOptions {
            region: None,
            profile: cli.profile.as_deref(),
            endpoint_url: cli.endpoint_url.as_deref(),
        },
        &Inputs::from_process(),
    ));
    problems
}

/// Every problem with the inputs the SDK reads, each naming its source and the fix; empty when
/// the SDK can be loaded. Makes no network call.
pub fn check_inputs(options: &AwsOptions<'_>, inputs: &Inputs) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    endpoint_problems(options, inputs, &mut problems);
    boolean_problems(inputs, &mut problems);
    retry_problems(inputs, &mut problems);
    region_problems(inputs, &mut problems);
    credential_problems(inputs, &mut problems);
    profile_problems(options.profile, inputs, &mut problems);
    problems
}

/// `--endpoint-url`, and the endpoint URLs of the environment unless the SDK is told to ignore
/// them.
fn endpoint_problems(options: &AwsOptions<'_>, inputs: &Inputs, problems: &mut Vec<Diagnostic>) {
    if let Some(url) = options.endpoint_url
        && let Some(why) = endpoint_url_problem(url)
    {
        problems.push(bad_url(
            "command-line option --endpoint-url",
            url,
            why,
            "leave `--endpoint-url` out to call AWS itself",
        ));
    }
    let ignored = inputs
        .var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
        .is_some_and(is_true);
    if !ignored {
        for (name, url) in endpoint_vars(inputs) {
            if let Some(why) = endpoint_url_problem(url) {
                problems.push(bad_url(
                    &env_label(name),
                    url,
                    why,
                    &format!("unset {name}"),
                ));
            }
        }
    }
}

/// Booleans the SDK reads (it ignores what it cannot parse).
fn boolean_problems(inputs: &Inputs, problems: &mut Vec<Diagnostic>) {
    for name in [
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "AWS_USE_FIPS_ENDPOINT",
        "AWS_USE_DUALSTACK_ENDPOINT",
        "AWS_EC2_METADATA_DISABLED",
    ] {
        if let Some(v) = inputs.var(name)
            && !(v.trim().eq_ignore_ascii_case("true") || v.trim().eq_ignore_ascii_case("false"))
        {
            problems.push(
                Diagnostic::error(env_label(name), "", "must be `true` or `false`")
                    .with_value(v)
                    .with_fix(format!("set {name}=true or {name}=false, or unset it")),
            );
        }
    }
}

/// Retry settings of the environment (the SDK panics on bad values).
fn retry_problems(inputs: &Inputs, problems: &mut Vec<Diagnostic>) {
    if let Some(v) = inputs.var("AWS_MAX_ATTEMPTS")
        && let Some(d) = max_attempts_problem(
            env_label("AWS_MAX_ATTEMPTS"),
            v,
            "set AWS_MAX_ATTEMPTS=3 (any whole number from 1), or unset it",
        )
    {
        problems.push(d);
    }
    if let Some(v) = inputs.var("AWS_RETRY_MODE")
        && let Some(d) = retry_mode_problem(
            env_label("AWS_RETRY_MODE"),
            v,
            "set AWS_RETRY_MODE=standard or AWS_RETRY_MODE=adaptive, or unset it",
        )
    {
        problems.push(d);
    }
}

/// The region from the environment (`--region` and cluster.yaml are checked by netconf).
fn region_problems(inputs: &Inputs, problems: &mut Vec<Diagnostic>) {
    for name in ["AWS_REGION", "AWS_DEFAULT_REGION"] {
        if let Some(v) = inputs.var(name)
            && !netconf::is_region(v)
        {
            problems.push(
                Diagnostic::error(env_label(name), "", "is not an AWS region code")
                    .with_value(v)
                    .with_fix(format!(
                        "set {name} to a region such as `us-east-1`, or unset it"
                    )),
            );
        }
    }
}

/// Credentials: never shown, but a line break in one makes every call fail obscurely.
fn credential_problems(inputs: &Inputs, problems: &mut Vec<Diagnostic>) {
    for name in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ] {
        if let Some(v) = inputs.var(name)
            && v.chars().any(|c| c.is_control() || c == ' ')
        {
            problems.push(
                Diagnostic::error(
                    env_label(name),
                    "",
                    "contains a space, line break or other control character (the value is a credential and is not shown)",
                )
                .with_fix(format!("set {name} again without spaces or line breaks, or unset it")),
            );
        }
    }
}

fn max_attempts_problem(source: String, value: &str, fix: &str) -> Option<Diagnostic> {
    if value.trim().parse::<u32>().is_ok_and(|n| n >= 1) {
        return None;
    }
    Some(
        Diagnostic::error(source, "", "must be a whole number of attempts, at least 1")
            .with_value(value)
            .with_fix(fix),
    )
}

fn retry_mode_problem(source: String, value: &str, fix: &str) -> Option<Diagnostic> {
    let v = value.trim();
    if v.eq_ignore_ascii_case("standard") || v.eq_ignore_ascii_case("adaptive") {
        return None;
    }
    Some(
        Diagnostic::error(source, "", "must be `standard` or `adaptive`")
            .with_value(value)
            .with_fix(fix),
    )
}

/// One section of an AWS shared config or credentials file.
struct Section {
    name: String,
    keys: Vec<(String, String)>,
}

/// The profile sections of an ini file: `[profile NAME]` and `[default]` in the config file,
/// `[NAME]` in the credentials file.
fn profile_sections(text: &str, config: bool) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut current: Option<usize> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if let Some(inner) = trimmed.strip_prefix('[').and_then(|t| t.split(']').next()) {
            let inner = inner.trim();
            let name = if !config || inner == "default" {
                Some(inner.to_string())
            } else {
                inner
                    .strip_prefix("profile")
                    .filter(|r| r.starts_with(char::is_whitespace))
                    .map(|r| r.trim().to_string())
            };
            current = name.map(|name| {
                sections.push(Section {
                    name,
                    keys: Vec::new(),
                });
                sections.len() - 1
            });
            continue;
        }
        if line.starts_with(char::is_whitespace) {
            continue; // a sub-property (`s3 =` blocks)
        }
        if let (Some(i), Some((k, v))) = (current, trimmed.split_once('=')) {
            sections[i]
                .keys
                .push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    sections
}

/// `~/...` expanded like the SDK does.
fn expand_home(path: &str, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ if path == "~" => home
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(path)),
        _ => PathBuf::from(path),
    }
}

/// The config and credentials files: (label, path, is the config file).
fn profile_files(inputs: &Inputs) -> Vec<(String, PathBuf, bool)> {
    let pick = |var: &str, default: &str, config: bool| {
        let (label, raw) = match inputs.var(var) {
            Some(v) => (format!("{} (from {var})", v), v.to_string()),
            None => (default.to_string(), default.to_string()),
        };
        (label, expand_home(&raw, inputs.home.as_deref()), config)
    };
    vec![
        pick("AWS_CONFIG_FILE", "~/.aws/config", true),
        pick("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials", false),
    ]
}

/// A profile section and the file it was found in.
struct DefinedProfile {
    /// How the file is named in messages (`~/.aws/config`, or the path from the variable).
    label: String,
    /// Whether it comes from the config file (whose settings the SDK reads).
    config: bool,
    section: Section,
}

/// The profile (`--profile` or `AWS_PROFILE`): a name that can exist, defined in one of the
/// files, with settings the SDK can use.
fn profile_problems(profile: Option<&str>, inputs: &Inputs, problems: &mut Vec<Diagnostic>) {
    let source = if inputs.profile_flag {
        "command-line option --profile".to_string()
    } else {
        env_label("AWS_PROFILE")
    };
    if let Some(problem) = profile.and_then(|name| profile_name_problem(&source, name)) {
        problems.push(problem);
        return;
    }
    let (defined, readable) = defined_profiles(inputs, problems);
    let wanted = profile.unwrap_or("default");
    let found: Vec<&DefinedProfile> = defined
        .iter()
        .filter(|d| d.section.name == wanted)
        .collect();
    if let Some(name) = profile
        && found.is_empty()
        && readable
    {
        problems.push(undefined_profile(&source, name, &defined, inputs));
    }
    // The selected profile's settings the SDK reads (it panics on bad retry settings).
    for profile in found.into_iter().filter(|d| d.config) {
        profile_setting_problems(profile, problems);
    }
}

/// Why `name` cannot name a profile, if it cannot.
fn profile_name_problem(source: &str, name: &str) -> Option<Diagnostic> {
    let why = if name.trim().is_empty() {
        "is empty"
    } else if name.chars().any(|c| c.is_control() || c == '[' || c == ']') {
        "contains characters a profile name cannot have"
    } else {
        return None;
    };
    Some(
        Diagnostic::error(source, "", why)
            .with_value(name)
            .with_fix("name a profile of ~/.aws/config (`[profile NAME]`) or ~/.aws/credentials (`[NAME]`), or leave it out to use the default credentials"),
    )
}

/// Every profile of the config and credentials files, read safely (the SDK would block on a
/// FIFO); a missing file has no profiles. Also whether every file could be read (an unreadable
/// one is a problem of its own).
fn defined_profiles(
    inputs: &Inputs,
    problems: &mut Vec<Diagnostic>,
) -> (Vec<DefinedProfile>, bool) {
    let mut defined = Vec::new();
    let mut readable = true;
    for (label, path, config) in profile_files(inputs) {
        if path.as_os_str() == std::ffi::OsStr::new("/dev/null")
            || !path.exists() && std::fs::symlink_metadata(&path).is_err()
        {
            continue;
        }
        match netconf::read_text(&path, "check the path") {
            Ok(text) => {
                for section in profile_sections(&text, config) {
                    defined.push(DefinedProfile {
                        label: label.clone(),
                        config,
                        section,
                    });
                }
            }
            Err(d) => {
                readable = false;
                problems.push(*d);
            }
        }
    }
    (defined, readable)
}

/// The profile `name` is in neither file: the profiles that are, or how to create it.
fn undefined_profile(
    source: &str,
    name: &str,
    defined: &[DefinedProfile],
    inputs: &Inputs,
) -> Diagnostic {
    let mut names: Vec<&str> = defined.iter().map(|d| d.section.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    let files: Vec<String> = profile_files(inputs)
        .into_iter()
        .map(|(l, _, _)| l)
        .collect();
    let fix = if names.is_empty() {
        format!(
            "create it (`aws configure --profile {}`), or leave the profile out to use the default credentials",
            netconf::shown(name)
        )
    } else {
        format!(
            "use one of the defined profiles ({}), or create it with `aws configure --profile {}`",
            names
                .iter()
                .map(|n| format!("`{}`", netconf::shown(n)))
                .collect::<Vec<_>>()
                .join(", "),
            netconf::shown(name)
        )
    };
    Diagnostic::error(
        source,
        "",
        format!(
            "names a profile that is not defined in {}",
            files.join(" or ")
        ),
    )
    .with_value(name)
    .with_fix(fix)
}

/// The settings of a config-file profile that the SDK reads.
fn profile_setting_problems(profile: &DefinedProfile, problems: &mut Vec<Diagnostic>) {
    let DefinedProfile { label, section, .. } = profile;
    let at = format!("{label} [profile {}]", section.name);
    for (key, value) in &section.keys {
        let problem = match key.as_str() {
            "region" if !netconf::is_region(value) => Some(
                Diagnostic::error(&at, "region", "is not an AWS region code")
                    .with_value(value)
                    .with_fix("set `region = us-east-1` (or another region code) in that section"),
            ),
            "endpoint_url" => endpoint_url_problem(value).map(|why| {
                Diagnostic::error(&at, "endpoint_url", why)
                    .with_value(value)
                    .with_fix("set `endpoint_url = http://localhost:4566` (a full URL), or remove the line")
            }),
            "max_attempts" => max_attempts_problem(at.clone(), value, "set `max_attempts = 3` (any whole number from 1), or remove the line")
                .map(|d| Diagnostic { field: "max_attempts".into(), ..d }),
            "retry_mode" => retry_mode_problem(at.clone(), value, "set `retry_mode = standard` or `retry_mode = adaptive`, or remove the line")
                .map(|d| Diagnostic { field: "retry_mode".into(), ..d }),
            _ => None,
        };
        problems.extend(problem);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(env: &[(&str, &str)]) -> Inputs {
        Inputs {
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            profile_flag: false,
            home: None,
        }
    }

    fn none() -> AwsOptions<'static> {
        AwsOptions {
            region: None,
            profile: None,
            endpoint_url: None,
        }
    }

    #[test]
    fn endpoint_urls() {
        for ok in [
            "http://localhost:4566",
            "https://apigateway.us-east-1.amazonaws.com",
            "http://127.0.0.1:5000/",
            "http://[::1]:8080/path",
            "HTTP://EXAMPLE.COM",
        ] {
            assert_eq!(endpoint_url_problem(ok), None, "{ok}");
        }
        for bad in [
            "",
            "notaurl",
            "localhost:4566",
            "ftp://x",
            "http://",
            "http://:80",
            "http://a b",
            "http://x:0",
            "http://x:99999",
            "http://x?y",
            "http://u:p@x",
            "http://ex\u{e4}mple.com",
            "http://x\n",
            "http://[zz]",
            "http://-x",
            "http://x/{a}",
        ] {
            assert!(endpoint_url_problem(bad).is_some(), "{bad:?}");
        }
        // Every echoed fix is itself a valid URL.
        for bad in ["notaurl", "localhost:4566", "", "a b", "ftp://x"] {
            let fix = endpoint_fix(bad, "unset it");
            let url = fix.split('`').nth(1).unwrap_or_default();
            assert_eq!(endpoint_url_problem(url), None, "{bad:?} -> {fix}");
        }
    }

    #[test]
    fn empty_and_bad_endpoints_are_reported_by_source() {
        let opts = AwsOptions {
            endpoint_url: Some(""),
            ..none()
        };
        let p = check_inputs(
            &opts,
            &inputs(&[
                ("AWS_ENDPOINT_URL", ""),
                ("AWS_ENDPOINT_URL_API_GATEWAY", "notaurl"),
                ("AWS_MAX_ATTEMPTS", "0"),
                ("AWS_RETRY_MODE", "fast"),
                ("AWS_REGION", "us east"),
                ("AWS_SESSION_TOKEN", "a\nb"),
            ]),
        );
        let files: Vec<String> = p.iter().map(|d| d.file.display().to_string()).collect();
        assert_eq!(
            files,
            [
                "command-line option --endpoint-url",
                "environment variable AWS_ENDPOINT_URL",
                "environment variable AWS_ENDPOINT_URL_API_GATEWAY",
                "environment variable AWS_MAX_ATTEMPTS",
                "environment variable AWS_RETRY_MODE",
                "environment variable AWS_REGION",
                "environment variable AWS_SESSION_TOKEN",
            ]
        );
        assert!(p.iter().all(|d| !d.fix.is_empty()));
        assert!(p[2].fix.contains("`http://notaurl`"), "{}", p[2]);
        assert!(!p[6].to_string().contains("a\nb") && p[6].value.is_none());
        let ignored = check_inputs(
            &none(),
            &inputs(&[
                ("AWS_ENDPOINT_URL", ""),
                ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
            ]),
        );
        assert!(ignored.is_empty(), "{ignored:?}");
    }

    #[test]
    fn profiles_must_exist() {
        let dir = std::env::temp_dir().join(format!("cortex-net-aws-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_default();
        let config = dir.join("config");
        let creds = dir.join("credentials");
        std::fs::write(&config, "[default]\nregion = us-east-1\n[profile dev]\nregion = eu-west-1\nmax_attempts = 0\n[sso-session x]\n")
            .unwrap_or_default();
        std::fs::write(&creds, "[ci]\naws_access_key_id = a\n").unwrap_or_default();
        let env = [
            ("AWS_CONFIG_FILE", config.to_str().unwrap_or_default()),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                creds.to_str().unwrap_or_default(),
            ),
        ];
        let with = |profile: Option<&'static str>| {
            check_inputs(&AwsOptions { profile, ..none() }, &inputs(&env))
        };
        assert!(with(None).is_empty());
        assert!(with(Some("ci")).is_empty());
        let p = with(Some("dev"));
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].field, "max_attempts");
        let p = with(Some("nope"));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].message.contains("not defined"), "{}", p[0]);
        assert!(p[0].fix.contains("`ci`, `default`, `dev`"), "{}", p[0]);
        assert_eq!(p[0].file, PathBuf::from("environment variable AWS_PROFILE"));
        let p = with(Some("x"));
        assert_eq!(p.len(), 1, "sso-session is not a profile: {p:?}");
        assert!(!with(Some("")).is_empty());
    }
}
