//! `doctor`'s real requests through the gateway: one to the first public API, and, for an API
//! that requires an API key, one without a key (must be refused with 403) and, with
//! `--api-key-env`, one with the key (must not be).

use super::Check;
use crate::error::CliError;
use gw_core::{Auth, RouteSpec, SecretValue};
use std::time::{Duration, Instant};

/// The key in the environment variable `--api-key-env` names; read before any AWS call.
pub(super) fn api_key_from_env(var: &str) -> Result<SecretValue, CliError> {
    match std::env::var(var) {
        Ok(value) if !value.trim().is_empty() => Ok(SecretValue::new(value.trim())),
        _ => Err(CliError::invalid(format!(
            "--api-key-env {var}: the variable is not set or empty; export the key first \
             (`export {var}=\"$(cortex-net keys show NAME)\"`)"
        ))),
    }
}

/// The request checks for the gateway at `base`.
pub(super) async fn checks(
    base: &str,
    routes: &[RouteSpec],
    api_key: Option<&SecretValue>,
) -> Vec<Check> {
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
    {
        Ok(client) => client,
        Err(error) => {
            return vec![Check::fail(
                "request",
                format!("cannot build an HTTP client: {error}"),
                "report this as a bug",
            )];
        }
    };
    let base = base.trim_end_matches('/');
    let keyed = routes.iter().find(|r| r.protection.auth == Auth::ApiKey);
    match keyed {
        None => {
            // The first public API's endpoint, else the root: a path Cortex routes.
            let path = routes
                .iter()
                .find_map(|r| r.path.clone())
                .unwrap_or_default();
            vec![plain(&client, &format!("{base}{path}")).await]
        }
        Some(route) => {
            let target = format!("{base}{}", route.path.clone().unwrap_or_default());
            let mut out = vec![without_key(&client, &target).await];
            match api_key {
                Some(key) => out.push(with_key(&client, &target, key).await),
                None => out.push(Check::pass(
                    "request key",
                    "not checked: pass --api-key-env VAR to send a key",
                )),
            }
            out
        }
    }
}

/// What a GET answered: the status, or the failure.
async fn get(
    client: &reqwest::Client,
    target: &str,
    key: Option<&SecretValue>,
) -> Result<(u16, String), String> {
    let mut request = client.get(target);
    if let Some(key) = key {
        request = request.header("x-api-key", key.expose());
    }
    let started = Instant::now();
    match request.send().await {
        Ok(response) => {
            let status = response.status();
            let millis = started.elapsed().as_millis();
            let with = if key.is_some() { " with the key" } else { "" };
            Ok((
                status.as_u16(),
                format!("GET {target}{with} -> {status} in {millis} ms"),
            ))
        }
        Err(error) => Err(format!(
            "GET {target} failed: {}",
            gw_core::error_chain(&error)
        )),
    }
}

const UNREACHABLE_FIX: &str = "check that the gateway exists (`cortex-net status`), that DNS for \
     a custom domain points at it, and the network";
const BACKEND_FIX: &str = "the gateway answered but could not reach Cortex: check the load \
     balancer, the VPC link, and that the API is deployed (`cortex get`)";

fn is_gateway_error(status: u16) -> bool {
    matches!(status, 500 | 502 | 503 | 504)
}

/// An answer that is not a gateway error passes.
async fn plain(client: &reqwest::Client, target: &str) -> Check {
    match get(client, target, None).await {
        Ok((status, detail)) if is_gateway_error(status) => {
            Check::fail("request", detail, BACKEND_FIX)
        }
        Ok((_, detail)) => Check::pass("request", detail),
        Err(detail) => Check::fail("request", detail, UNREACHABLE_FIX),
    }
}

/// An API that requires a key must refuse a request without one.
async fn without_key(client: &reqwest::Client, target: &str) -> Check {
    match get(client, target, None).await {
        Ok((403, detail)) => {
            Check::pass("request no key", format!("{detail} (refused, as wanted)"))
        }
        Ok((_, detail)) => Check::fail(
            "request no key",
            format!("{detail}: answered without an API key"),
            "the API is not protected yet: run `cortex-net up` (a REST API serves a change after \
             its new deployment)",
        ),
        Err(detail) => Check::fail("request no key", detail, UNREACHABLE_FIX),
    }
}

/// With a valid key, the request must pass the gateway.
async fn with_key(client: &reqwest::Client, target: &str, key: &SecretValue) -> Check {
    match get(client, target, Some(key)).await {
        Ok((403, detail)) => Check::fail(
            "request key",
            format!("{detail}: the key was refused"),
            "check the key (`cortex-net keys list`: is it enabled, and in a usage plan of this \
             stage?) and that the variable holds its current value (`cortex-net keys show NAME`)",
        ),
        Ok((status, detail)) if is_gateway_error(status) => {
            Check::fail("request key", detail, BACKEND_FIX)
        }
        Ok((_, detail)) => Check::pass("request key", detail),
        Err(detail) => Check::fail("request key", detail, UNREACHABLE_FIX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_key_variable_is_invalid_input_naming_it() {
        let error = api_key_from_env("CORTEX_NET_TEST_SURELY_UNSET_VARIABLE")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            error.contains("--api-key-env CORTEX_NET_TEST_SURELY_UNSET_VARIABLE"),
            "{error}"
        );
        assert!(error.contains("keys show"), "{error}");
    }

    #[test]
    fn gateway_errors_are_the_5xx_a_gateway_gives() {
        assert!(is_gateway_error(502));
        assert!(!is_gateway_error(403));
        assert!(!is_gateway_error(404));
    }
}
