//! Property-based fuzzing of the loader and validator (stable toolchain, proptest).
//!
//! Inputs: arbitrary bytes, YAML-ish token soups, and structured mutations of valid
//! configurations, written as cluster.yaml, cortex.yaml and cortex-net.yaml, plus `CORTEX_NET_*`
//! variables. Property: loading never panics, and every error is a diagnostic naming its file
//! (or variable), with a message and a fix, safe to print (no control characters, values cut,
//! no YAML-library or Rust debug text).
//!
//! `cargo test` runs a bounded number of cases (`CASES`); `CORTEX_NET_FUZZ_SECONDS=N` (what
//! `cargo xtask fuzz --seconds N` sets) keeps generating new cases for N seconds. Either way it
//! prints the cases run and the crashes found, and fails on any crash.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use netconf::{Diagnostic, LoadOptions, load_with_env};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

/// Cases per run of `cargo test`.
const CASES: u32 = 256;

const TOKENS: &[&str] = &[
    "cluster_name",
    "region",
    "api_load_balancer_scheme",
    "api_gateway",
    "ssl_certificate_arn",
    "gateway",
    "type",
    "stage",
    "cors",
    "allow_origins",
    "max_age_seconds",
    "vpc_link",
    "vpc_link_timeout_seconds",
    "domain",
    "certificate_arn",
    "load_balancer",
    "auth",
    "api_key",
    "jwt",
    "iam",
    "issuer",
    "audiences",
    "https://issuer.example.com",
    "throttle",
    "rate",
    "burst",
    "access_logs",
    "destination_arn",
    "$context.requestId",
    ":*",
    "apis",
    "api_keys",
    "usage_plans",
    "value",
    "value_env",
    "value_file",
    "quota",
    "limit",
    "period",
    "month",
    "keys",
    "scopes",
    "2147483648",
    "0.5",
    "name",
    "kind",
    "networking",
    "endpoint",
    "timeout",
    "RealtimeAPI",
    "public",
    "disabled",
    "none",
    "internal",
    "rest",
    "http",
    "v1",
    "v2",
    "us-east-1",
    "api.example.com",
    "/iris",
    "$default",
    ":",
    ": ",
    " ",
    "  ",
    "\n",
    "\n  ",
    "\n    ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "&b ",
    "*b",
    "---\n",
    "...\n",
    "\"",
    "'",
    "# c",
    "true",
    "false",
    "null",
    "~",
    "<<: ",
    "\t",
    "\u{202e}",
    "\x1b[31m",
    "é",
    "\u{feff}",
    "\0",
    "\r",
    "!!str ",
    "!!binary ",
    "!tag ",
    "? ",
    "|\n",
    ">-\n",
    "1e999",
    ".nan",
    "-.inf",
    "0x1F",
    "-1",
    "99999999999999999999999",
    "%YAML 1.2\n",
    "%TAG ! x\n",
    "\\",
    "\\n",
    "\"\\u0000\"",
    "\u{2028}",
    "@",
    "`",
];

const CLUSTER: &str = "cluster_name: cortex\nregion: us-east-1\napi_load_balancer_scheme: internal\napi_gateway: public\nssl_certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/abc\n";
const SETTINGS: &str = "gateway:\n  type: rest\n  stage: dev\n  endpoint_type: edge\n  cors:\n    allow_origins: ['*']\n    max_age_seconds: 300\n  vpc_link: v1\n  vpc_link_timeout_seconds: 600\n  domain: api.example.com\nload_balancer: my-lb\n";
const PROTECTED: &str = "gateway:\n  type: rest\n  auth: api_key\n  throttle: {rate: 100, burst: 200}\n  access_logs:\n    destination_arn: arn:aws:logs:us-east-1:123456789012:log-group:api\n    format: '{\"id\":\"$context.requestId\"}'\n  jwt:\n    issuer: https://issuer.example.com\n    audiences: [client]\napis:\n  iris:\n    auth: iam\n    scopes: [iris/read]\n    throttle: {rate: 5, burst: 10}\napi_keys:\n  - name: partner-a\n  - name: partner-b\n    value_env: PARTNER_B_KEY\n  - name: partner-c\n    value_file: partner-c.key\nusage_plans:\n  - name: partners\n    throttle: {rate: 10, burst: 20}\n    quota: {limit: 10000, period: month}\n    keys: [partner-a, partner-b, partner-c]\n";
/// The API key value in `partner-c.key`.
const KEY_SECRET: &str = "fuzz-secret-partner-c-0123456789";
const APIS: &str = "- name: iris\n  kind: RealtimeAPI\n  networking:\n    endpoint: /iris\n    api_gateway: public\n    timeout: 25\n- name: text\n  kind: AsyncAPI\n  networking: {endpoint: /v1/text, api_gateway: none, timeout: \"2m\"}\n";

const ENV_NAMES: &[&str] = &[
    "CORTEX_NET_GATEWAY__TYPE",
    "CORTEX_NET_GATEWAY_TYPE",
    "CORTEX_NET_LOAD_BALANCER",
    "CORTEX_NET_GATEWAY__STAGE",
    "CORTEX_NET_GATEWAY__CORS",
    "CORTEX_NET_GATEWAY__CORS__ALLOW_ORIGINS",
    "CORTEX_NET_GATEWAY__VPC_LINK_TIMEOUT_SECONDS",
    "CORTEX_NET_GATEWAY__DOMAIN",
    "CORTEX_NET_GATEWAY__AUTH",
    "CORTEX_NET_GATEWAY__THROTTLE__RATE",
    "CORTEX_NET_APIS__IRIS__AUTH",
    "CORTEX_NET_API_KEYS",
    "PARTNER_B_KEY",
    "CORTEX_NET_GATEWAY",
    "CORTEX_NET_",
    "CORTEX_NET_GATEWAY__",
    "cortex_net_gateway__tpye",
    "CORTEX_NET_X\n",
];

fn tokens(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..max)
        .prop_map(|t| t.concat().into_bytes())
}

/// One mutation of a valid file: replace, insert or delete a span, or repeat a line.
fn mutated(valid: &'static str) -> impl Strategy<Value = Vec<u8>> {
    let len = valid.len();
    prop::collection::vec(
        (0..4u8, 0..=len, 0..=len, prop::sample::select(TOKENS)),
        1..6,
    )
    .prop_map(move |edits| {
        let mut bytes = valid.as_bytes().to_vec();
        for (op, a, b, token) in edits {
            let (a, b) = (a.min(bytes.len()), b.min(bytes.len()));
            let (lo, hi) = (a.min(b), a.max(b));
            match op {
                0 => {
                    bytes.splice(lo..hi.min(lo + 8), token.bytes());
                }
                1 => {
                    bytes.splice(lo..lo, token.bytes());
                }
                2 => {
                    bytes.drain(lo..hi.min(lo + 16));
                }
                _ => {
                    let line: Vec<u8> = bytes[lo..]
                        .split(|c| *c == b'\n')
                        .next()
                        .unwrap_or_default()
                        .to_vec();
                    bytes.splice(lo..lo, line.into_iter().chain([b'\n']));
                }
            }
        }
        bytes
    })
}

fn file(valid: &'static str) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => mutated(valid),
        2 => tokens(40),
        1 => prop::collection::vec(any::<u8>(), 0..300),
        1 => Just(valid.as_bytes().to_vec()),
    ]
}

#[derive(Debug, Clone)]
struct Input {
    cluster: Vec<u8>,
    apis: Option<Vec<u8>>,
    settings: Option<Vec<u8>>,
    env: Vec<(String, String)>,
}

fn input() -> impl Strategy<Value = Input> {
    let env = prop::collection::vec((prop::sample::select(ENV_NAMES), tokens(6)), 0..3).prop_map(
        |vars| {
            vars.into_iter()
                .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(&v).into_owned()))
                .collect()
        },
    );
    (
        file(CLUSTER),
        prop::option::of(file(APIS)),
        prop::option::of(prop_oneof![file(SETTINGS), file(PROTECTED)]),
        env,
    )
        .prop_map(|(cluster, apis, settings, env)| Input {
            cluster,
            apis,
            settings,
            env,
        })
}

/// Text that must never reach a user.
const JARGON: &[&str] = &[
    "read_with_options",
    "from_multiple",
    "DuplicateKeyPolicy",
    "Options",
    "Some(",
    "None)",
    "::",
    "Nodes {",
    "Budget",
    "BudgetBreach",
    "Error {",
    "Location",
    "panicked",
];

fn check_diagnostic(d: &Diagnostic) -> Result<(), String> {
    let text = d.to_string();
    if d.file.as_os_str().is_empty() {
        return Err(format!("no file or source: {text}"));
    }
    if d.message.is_empty() {
        return Err(format!("no message: {text}"));
    }
    if d.is_error() && d.fix.is_empty() {
        return Err(format!("error without a fix: {text}"));
    }
    if text.chars().any(char::is_control) {
        return Err(format!("control character in: {text:?}"));
    }
    if let Some(v) = &d.value
        && v.chars().count() > netconf::SHOWN_CHARS + 25
    {
        return Err(format!("value not cut: {text}"));
    }
    // Our own words: message and fix without the `quoted` parts, which echo input.
    let ours: String = format!("{} {}", d.message, d.fix)
        .split('`')
        .step_by(2)
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(j) = JARGON.iter().find(|j| ours.contains(*j)) {
        return Err(format!("jargon `{j}` in: {text}"));
    }
    Ok(())
}

fn property(dir: &Path, input: &Input) -> Result<(), TestCaseError> {
    let cluster = dir.join("cluster.yaml");
    std::fs::write(&cluster, &input.cluster).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let settings = dir.join(netconf::SETTINGS_FILE_NAME);
    let _ = std::fs::remove_file(&settings);
    if let Some(text) = &input.settings {
        std::fs::write(&settings, text).map_err(|e| TestCaseError::fail(e.to_string()))?;
    }
    // The key file the protected settings name: its value must never be shown.
    std::fs::write(dir.join("partner-c.key"), format!("{KEY_SECRET}\n"))
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut opts = LoadOptions::new(&cluster);
    if let Some(text) = &input.apis {
        let apis = dir.join("cortex.yaml");
        std::fs::write(&apis, text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        opts.apis_file = Some(apis);
    }
    let diagnostics = match load_with_env(&opts, input.env.clone()) {
        Ok(loaded) => loaded.warnings,
        Err(error) => {
            if error.errors().count() == 0 {
                return Err(TestCaseError::fail("an error without error diagnostics"));
            }
            error.diagnostics
        }
    };
    for d in &diagnostics {
        check_diagnostic(d).map_err(TestCaseError::fail)?;
        if format!("{d} {d:?}").contains(KEY_SECRET) {
            return Err(TestCaseError::fail(format!("an API key value shown: {d}")));
        }
    }
    Ok(())
}

#[test]
fn loader_never_panics_and_every_error_is_a_diagnostic() {
    let seconds: u64 = std::env::var("CORTEX_NET_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let dir = tempfile::tempdir().expect("temp dir");
    let ran = AtomicUsize::new(0);
    let mut crashes = Vec::new();
    let mut round: u64 = 0;
    loop {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&round.to_le_bytes());
        seed[8..16].copy_from_slice(&seconds.to_le_bytes());
        let config = Config {
            cases: CASES,
            failure_persistence: None,
            max_shrink_iters: 2_000,
            ..Config::default()
        };
        let mut runner =
            TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed));
        let result = runner.run(&input(), |input| {
            ran.fetch_add(1, Ordering::Relaxed);
            property(dir.path(), &input)
        });
        if let Err(failure) = result {
            crashes.push(format!("round {round}: {failure}"));
        }
        round += 1;
        if Instant::now() >= deadline || crashes.len() >= 5 {
            break;
        }
    }
    println!(
        "fuzz: {} cases run (shrinking included) in {} round(s) of {CASES}, {} crash(es)",
        ran.load(Ordering::Relaxed),
        round,
        crashes.len()
    );
    for crash in &crashes {
        println!("crash: {crash}");
    }
    assert!(
        crashes.is_empty(),
        "{} crash(es):\n{}",
        crashes.len(),
        crashes.join("\n")
    );
}
