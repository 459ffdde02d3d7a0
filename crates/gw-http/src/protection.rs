//! How an HTTP API's protection reads as attributes: the routes' authorization, the JWT
//! authorizer, the stage's throttles and access log. Written once for the desired side
//! ([`crate::resources`]) and the observed side ([`crate::observe`]), so that a converged gateway
//! compares equal and plans nothing.

use gw_core::{AccessLog, Auth, JWT_AUTHORIZER, RouteProtection, Throttle};

/// Attribute value of anything switched off: no throttle, no per-route throttles, no access log.
pub(crate) const OFF: &str = "off";

/// The identity source of the JWT authorizer: the bearer token in the `Authorization` header.
pub(crate) const JWT_IDENTITY_SOURCE: &str = "$request.header.Authorization";

/// A route's [`gw_core::attr::AUTHORIZATION`]: `NONE`, `AWS_IAM`, or `JWT <authorizer name>`.
/// API keys are REST-only; `check_supported` refuses them before anything is planned.
pub(crate) fn authorization(auth: Auth) -> String {
    match auth {
        Auth::None => "NONE".to_string(),
        Auth::Iam => "AWS_IAM".to_string(),
        Auth::Jwt => jwt_authorization(JWT_AUTHORIZER),
        Auth::ApiKey => "API_KEY".to_string(),
    }
}

/// `JWT <authorizer>`: the authorizer by name, so that an observed route (which knows the
/// authorizer's id) reads the same as a desired one.
pub(crate) fn jwt_authorization(authorizer: &str) -> String {
    format!("JWT {authorizer}")
}

/// The scopes a route sends to AWS: only a JWT route has any (AWS checks scopes against the
/// token's claims, which other authorization types do not have).
pub(crate) fn scopes(protection: &RouteProtection) -> Vec<String> {
    if protection.auth != Auth::Jwt {
        return Vec::new();
    }
    let mut scopes = protection.scopes.clone();
    scopes.sort();
    scopes.dedup();
    scopes
}

/// A throttle as compared: [`Throttle`]'s display, or [`OFF`].
pub(crate) fn throttle_text(throttle: Option<&Throttle>) -> String {
    throttle.map_or_else(|| OFF.to_string(), Throttle::to_string)
}

/// A throttle as AWS reports it (the rate is a double, the burst an integer): whole rates print
/// as [`Throttle`] prints them (`10`, not `10.0`), so that a converged stage compares equal.
/// Neither set: [`OFF`]; one alone shows which one is missing.
pub(crate) fn observed_throttle_text(rate: Option<f64>, burst: Option<i32>) -> String {
    if rate.is_none() && burst.is_none() {
        return OFF.to_string();
    }
    // Rust prints a whole double without a fraction (`10`), as the configuration spells it.
    let rate = rate.map_or_else(|| "unset".to_string(), |r| r.to_string());
    let burst = burst.map_or_else(|| "unset".to_string(), |b| b.to_string());
    format!("rate={rate} burst={burst}")
}

/// The stage's [`gw_core::attr::ROUTE_THROTTLES`]: `<route key>=<throttle>;...` sorted by route
/// key, or [`OFF`] when no route has its own.
pub(crate) fn route_throttles_text<'a>(
    throttles: impl IntoIterator<Item = (&'a str, String)>,
) -> String {
    let mut entries: Vec<(&str, String)> = throttles.into_iter().collect();
    if entries.is_empty() {
        return OFF.to_string();
    }
    entries.sort();
    entries
        .iter()
        .map(|(key, throttle)| format!("{key}={throttle}"))
        .collect::<Vec<_>>()
        .join(";")
}

/// The `(route key, throttle)` entries of a [`route_throttles_text`] value (route keys hold no
/// `;`, and a throttle's text starts with `rate=`).
pub(crate) fn route_throttle_entries(text: &str) -> Vec<(&str, &str)> {
    if text == OFF {
        return Vec::new();
    }
    text.split(';')
        .filter_map(|entry| {
            let (key, _) = entry.split_once("=rate=")?;
            Some((key, &entry[key.len() + 1..]))
        })
        .collect()
}

/// The stage's [`gw_core::attr::ACCESS_LOG`]: `<destination ARN> <format digest>`, or [`OFF`].
/// The format is long JSON: a digest shows that it changed without printing it in the plan.
pub(crate) fn access_log_text(destination_arn: &str, format: &str) -> String {
    format!("{destination_arn} {}", format_digest(format))
}

/// [`access_log_text`] of a desired access log, or [`OFF`].
pub(crate) fn desired_access_log_text(access_log: Option<&AccessLog>) -> String {
    access_log.map_or_else(
        || OFF.to_string(),
        |log| access_log_text(&log.destination_arn, &log.format),
    )
}

fn format_digest(format: &str) -> String {
    // Not a secret: FNV-1a is simply the short stable digest gw-core already has.
    gw_core::SecretValue::new(format).digest()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observed_rates_print_as_the_configuration_spells_them() {
        let configured = Throttle {
            rate: 10,
            burst: 20,
        };
        assert_eq!(
            observed_throttle_text(Some(10.0), Some(20)),
            throttle_text(Some(&configured))
        );
        assert_eq!(
            observed_throttle_text(Some(2.5), Some(5)),
            "rate=2.5 burst=5"
        );
        assert_eq!(observed_throttle_text(None, None), OFF);
        assert_eq!(
            observed_throttle_text(Some(3.0), None),
            "rate=3 burst=unset"
        );
    }

    #[test]
    fn route_throttles_are_sorted_and_read_back_by_key() {
        let text = route_throttles_text([
            ("ANY /b", "rate=1 burst=2".to_string()),
            ("ANY /a/{proxy+}", "rate=3 burst=4".to_string()),
        ]);
        assert_eq!(text, "ANY /a/{proxy+}=rate=3 burst=4;ANY /b=rate=1 burst=2");
        assert_eq!(
            route_throttle_entries(&text),
            [
                ("ANY /a/{proxy+}", "rate=3 burst=4"),
                ("ANY /b", "rate=1 burst=2")
            ]
        );
        assert_eq!(route_throttles_text([]), OFF);
        assert!(route_throttle_entries(OFF).is_empty());
    }

    #[test]
    fn only_jwt_routes_carry_scopes_sorted() {
        let jwt = RouteProtection {
            auth: Auth::Jwt,
            scopes: vec!["b".into(), "a".into(), "b".into()],
            throttle: None,
        };
        assert_eq!(scopes(&jwt), ["a", "b"]);
        let iam = RouteProtection {
            auth: Auth::Iam,
            ..jwt
        };
        assert!(scopes(&iam).is_empty());
        assert_eq!(authorization(Auth::Jwt), "JWT jwt");
        assert_eq!(authorization(Auth::Iam), "AWS_IAM");
        assert_eq!(authorization(Auth::None), "NONE");
    }

    #[test]
    fn an_access_log_shows_its_destination_and_a_short_digest_of_its_format() {
        let text = access_log_text("arn:aws:logs:us-east-1:1:log-group:g", "$context.requestId");
        let (arn, digest) = text.split_once(' ').unwrap_or_default();
        assert_eq!(arn, "arn:aws:logs:us-east-1:1:log-group:g");
        assert_eq!(digest.len(), 16);
        assert_ne!(
            text,
            access_log_text("arn:aws:logs:us-east-1:1:log-group:g", "$context.path")
        );
        assert_eq!(desired_access_log_text(None), OFF);
    }
}
