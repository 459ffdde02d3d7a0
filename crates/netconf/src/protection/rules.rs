//! The rules of the protection settings, as pure functions of values: each returns a
//! [`Problem`] (what is wrong and a fix that itself validates), or the value read.

use std::ops::RangeInclusive;

use figment::value::Value;

use crate::model::{Auth, GatewayKind};
use crate::read::kind_of_value;
use crate::text::plain;
use crate::validate::Problem;

type Rule = Result<(), Problem>;

/// The highest rate or burst accepted (requests per second); AWS caps a stage at the
/// account's limit, which is far below this unless raised.
pub(crate) const MAX_RATE: u64 = 100_000;

/// The highest usage-plan quota AWS accepts (a 32-bit signed integer).
pub(crate) const MAX_QUOTA: u64 = 2_147_483_647;

/// AWS's API key values: 20 to 128 characters.
pub(crate) const KEY_VALUE_CHARS: RangeInclusive<usize> = 20..=128;

/// Names of API keys and usage plans: at most this many characters.
pub(crate) const MAX_NAME_CHARS: usize = 128;

/// What a throttle's fix says about the account's own limit.
const ACCOUNT_DEFAULT: &str = "AWS's account-level default is 10,000 requests/s with a burst of 5,000, and no stage or key goes above its account's limit";

/// The fix for a rate or burst out of range.
pub(crate) fn throttle_fix(key: &str) -> String {
    let example = if key == "burst" { 200 } else { 100 };
    format!(
        "use a whole number of requests per second from 1 to {MAX_RATE}, e.g. `{key}: {example}`; {ACCOUNT_DEFAULT}"
    )
}

/// The fix for a quota limit out of range.
pub(crate) fn quota_fix() -> String {
    format!("use a whole number of requests per period from 1 to {MAX_QUOTA}, e.g. `limit: 10000`")
}

/// A whole number in `range`: negative, zero, fractional, too large and non-numbers are each
/// named as such; `fix` says what to write instead.
pub(crate) fn whole_number(
    value: &Value,
    range: RangeInclusive<u64>,
    fix: &str,
) -> Result<u64, Problem> {
    let problem = |message: String| Problem {
        message,
        fix: fix.to_string(),
    };
    let number = match value {
        Value::Num(..) => value
            .to_u128()
            .map(|n| n as f64)
            .or_else(|| value.to_i128().map(|n| n as f64))
            .or_else(|| value.to_f64()),
        _ => None,
    };
    let Some(number) = number else {
        return Err(problem(format!(
            "expected a whole number, found {}",
            kind_of_value(value)
        )));
    };
    if number.fract() != 0.0 || !number.is_finite() {
        return Err(problem("must be a whole number".into()));
    }
    if number < 0.0 {
        return Err(problem("must not be negative".into()));
    }
    let (low, high) = (*range.start(), *range.end());
    if number < low as f64 {
        return Err(problem(format!("must be at least {low}")));
    }
    if number > high as f64 {
        return Err(problem(format!("is more than {high}, the most accepted")));
    }
    Ok(number as u64)
}

/// An authorization the gateway kind can enforce.
pub(crate) fn auth_for(kind: GatewayKind, auth: Auth) -> Rule {
    if auth.supported_by(kind) {
        return Ok(());
    }
    Err(match auth {
        Auth::Jwt => jwt_needs_http("use `auth: api_key` or `auth: iam`, which REST APIs support"),
        _ => keys_need_rest(
            "API keys",
            "use `auth: jwt` or `auth: iam`, which HTTP APIs support",
        ),
    })
}

/// "JWT authorizers need `gateway.type: http`", with `alternative` as the second fix.
pub(crate) fn jwt_needs_http(alternative: &str) -> Problem {
    Problem {
        message: "JWT authorizers need `gateway.type: http`".into(),
        fix: format!("set `gateway.type: http`, or {alternative}"),
    }
}

/// "`what` need `gateway.type: rest`", with `alternative` as the second fix.
pub(crate) fn keys_need_rest(what: &str, alternative: &str) -> Problem {
    Problem {
        message: format!("{what} need `gateway.type: rest`"),
        fix: format!("set `gateway.type: rest`, or {alternative}"),
    }
}

/// `gateway.jwt.issuer`: an `https://` URL with a host.
pub(crate) fn issuer(url: &str) -> Rule {
    let example = "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_abc";
    let host = url
        .strip_prefix("https://")
        .map(|rest| rest.split('/').next().unwrap_or_default());
    let clean = !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if host.is_some_and(|h| !h.is_empty()) && clean {
        return Ok(());
    }
    let fix = match url.strip_prefix("http://") {
        Some(rest) if plain(url) && clean && !rest.is_empty() => {
            format!("use `https://{rest}`: API Gateway only fetches keys over HTTPS")
        }
        _ => format!("use the token issuer's https:// URL, e.g. `{example}`"),
    };
    Err(Problem {
        message: "must be an https:// URL (the `iss` of the tokens)".into(),
        fix,
    })
}

/// `gateway.access_logs.destination_arn`: a CloudWatch Logs log group ARN,
/// `arn:<partition>:logs:<region>:<12 digits>:log-group:<name>`, without a trailing `:*`.
pub(crate) fn log_group_arn(arn: &str) -> Rule {
    let example = "arn:aws:logs:us-west-2:123456789012:log-group:cortex-api";
    if let Some(bare) = arn.strip_suffix(":*")
        && log_group_arn(bare).is_ok()
    {
        return Err(Problem {
            message: "ends with `:*`, which API Gateway refuses".into(),
            fix: if plain(bare) {
                format!("use `{bare}`")
            } else {
                "remove the trailing `:*`".into()
            },
        });
    }
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    let ok = match parts.as_slice() {
        ["arn", partition, "logs", region, account, "log-group", name] => {
            partition.starts_with("aws")
                && crate::validate::is_region(region)
                && account.len() == 12
                && account.chars().all(|c| c.is_ascii_digit())
                && (1..=512).contains(&name.len())
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-/#".contains(c))
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Problem {
            message: "is not a CloudWatch Logs log group ARN".into(),
            fix: format!("use the log group's ARN, like `{example}`"),
        })
    }
}

/// `gateway.access_logs.format`: must log the request id (AWS requires `$context.requestId`),
/// and on an HTTP API must not name the API key (HTTP APIs have none, nor its variable).
pub(crate) fn log_format(format: &str, kind: GatewayKind) -> Rule {
    if !format.contains("$context.requestId") {
        return Err(Problem {
            message: "must contain `$context.requestId` (AWS requires it)".into(),
            fix: "add `$context.requestId` to the format, or remove `format` to use the documented JSON line".into(),
        });
    }
    if kind == GatewayKind::Http && format.contains("$context.identity.apiKey") {
        return Err(Problem {
            message: "HTTP APIs have no API keys, nor `$context.identity.apiKey` variables".into(),
            fix: "remove the `$context.identity.apiKeyId` field from the format, or remove `format` to use the documented JSON line".into(),
        });
    }
    Ok(())
}

/// The name of an API key or a usage plan (`what`): 1-128 letters, digits, spaces, `.`, `_`
/// and `-`.
pub(crate) fn object_name(name: &str, what: &str) -> Rule {
    let fix = format!(
        "name the {what} with 1-{MAX_NAME_CHARS} letters, digits, spaces, `.`, `_` and `-`, e.g. `partner-a`"
    );
    let length = name.chars().count();
    if length == 0 {
        return Err(Problem {
            message: "must not be empty".into(),
            fix,
        });
    }
    if length > MAX_NAME_CHARS {
        return Err(Problem {
            message: format!("is {length} characters long; at most {MAX_NAME_CHARS} allowed"),
            fix,
        });
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " ._-".contains(c))
    {
        return Err(Problem {
            message: "may only contain letters, digits, spaces, `.`, `_` and `-`".into(),
            fix,
        });
    }
    Ok(())
}

/// `value_env`: the name of an environment variable.
pub(crate) fn variable_name(name: &str) -> Rule {
    let valid = |n: &str| {
        n.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    if valid(name) {
        return Ok(());
    }
    let fix = match name.strip_prefix('$') {
        Some(bare) if valid(bare) => format!("write the name without `$`: `{bare}`"),
        _ => "use the variable's name (letters, digits and `_`), e.g. `PARTNER_B_KEY`".into(),
    };
    Err(Problem {
        message: "is not an environment variable name".into(),
        fix,
    })
}

/// An API key value's length (the value itself is never shown).
pub(crate) fn key_value(value: &str, from: &str) -> Rule {
    let length = value.chars().count();
    if value.chars().any(char::is_control) {
        return Err(Problem {
            message: format!("the API key value in {from} contains control characters"),
            fix: format!("put the key alone in {from}: printable characters, no line breaks"),
        });
    }
    if KEY_VALUE_CHARS.contains(&length) {
        return Ok(());
    }
    Err(Problem {
        message: format!(
            "the API key value in {from} is {length} characters long; AWS requires {} to {}",
            KEY_VALUE_CHARS.start(),
            KEY_VALUE_CHARS.end()
        ),
        fix: format!(
            "put a value of {} to {} characters in {from} (e.g. from `openssl rand -hex 20`), or remove `value_env`/`value_file` to let AWS generate it",
            KEY_VALUE_CHARS.start(),
            KEY_VALUE_CHARS.end()
        ),
    })
}

/// A JWT scope: non-empty, no spaces.
pub(crate) fn scope(scope: &str) -> Rule {
    if !scope.is_empty() && !scope.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Ok(());
    }
    Err(Problem {
        message: "is not a scope (a non-empty word without spaces)".into(),
        fix: "write each scope as its own list item, e.g. `scopes: [iris/read]`".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(value: Value) -> Result<u64, String> {
        whole_number(&value, 1..=MAX_RATE, "fix").map_err(|p| p.message)
    }

    #[test]
    fn whole_numbers_name_what_is_wrong() {
        assert_eq!(number(Value::from(100u32)), Ok(100));
        assert_eq!(number(Value::from(100.0f64)), Ok(100));
        assert_eq!(
            number(Value::from(-5i64)),
            Err("must not be negative".into())
        );
        assert_eq!(number(Value::from(0u8)), Err("must be at least 1".into()));
        assert_eq!(
            number(Value::from(2.5f64)),
            Err("must be a whole number".into())
        );
        assert_eq!(
            number(Value::from(u64::MAX)),
            Err("is more than 100000, the most accepted".into())
        );
        assert_eq!(
            number(Value::from("ten")),
            Err("expected a whole number, found a string".into())
        );
        assert!(throttle_fix("rate").contains("10,000 requests/s with a burst of 5,000"));
    }

    #[test]
    fn auth_against_the_gateway_kind() {
        assert_eq!(auth_for(GatewayKind::Rest, Auth::ApiKey), Ok(()));
        assert_eq!(auth_for(GatewayKind::Http, Auth::Iam), Ok(()));
        let p = auth_for(GatewayKind::Rest, Auth::Jwt).unwrap_err();
        assert_eq!(p.message, "JWT authorizers need `gateway.type: http`");
        let p = auth_for(GatewayKind::Http, Auth::ApiKey).unwrap_err();
        assert_eq!(p.message, "API keys need `gateway.type: rest`");
        assert!(p.fix.starts_with("set `gateway.type: rest`"), "{}", p.fix);
    }

    #[test]
    fn issuers_are_https_urls() {
        assert_eq!(issuer("https://example.com/pool"), Ok(()));
        assert_eq!(
            issuer("http://example.com").unwrap_err().fix,
            "use `https://example.com`: API Gateway only fetches keys over HTTPS"
        );
        assert!(issuer("https://").is_err());
        assert!(issuer("example.com").is_err());
        assert!(issuer("https://a b").is_err());
    }

    #[test]
    fn log_group_arns() {
        let good = "arn:aws:logs:us-west-2:123456789012:log-group:cortex-api";
        assert_eq!(log_group_arn(good), Ok(()));
        assert_eq!(
            log_group_arn("arn:aws-us-gov:logs:us-gov-west-1:123456789012:log-group:/a/b"),
            Ok(())
        );
        let p = log_group_arn(&format!("{good}:*")).unwrap_err();
        assert_eq!(p.fix, format!("use `{good}`"));
        assert!(log_group_arn("arn:aws:s3:::bucket").is_err());
        assert!(log_group_arn("arn:aws:logs:us-west-2:1234:log-group:x").is_err());
        assert!(log_group_arn("arn:aws:logs:us-west-2:123456789012:log-group:").is_err());
        assert_eq!(
            log_format(gw_core::ACCESS_LOG_FORMAT, GatewayKind::Rest),
            Ok(())
        );
        assert_eq!(
            log_format(gw_core::HTTP_ACCESS_LOG_FORMAT, GatewayKind::Http),
            Ok(())
        );
        assert!(log_format(gw_core::ACCESS_LOG_FORMAT, GatewayKind::Http).is_err());
        assert!(log_format("$context.path", GatewayKind::Rest).is_err());
    }

    #[test]
    fn names_variables_values_and_scopes() {
        assert_eq!(object_name("partner a.b_c-1", "API key"), Ok(()));
        assert!(object_name("", "API key").is_err());
        assert!(object_name(&"a".repeat(129), "API key").is_err());
        assert!(object_name("a/b", "API key").is_err());
        assert_eq!(variable_name("PARTNER_B_KEY"), Ok(()));
        assert_eq!(
            variable_name("$KEY").unwrap_err().fix,
            "write the name without `$`: `KEY`"
        );
        assert!(variable_name("1KEY").is_err());
        assert_eq!(key_value(&"k".repeat(20), "X"), Ok(()));
        let p = key_value("short-secret", "PARTNER_B_KEY").unwrap_err();
        assert!(!p.message.contains("short-secret") && !p.fix.contains("short-secret"));
        assert!(p.message.contains("12 characters long"), "{}", p.message);
        assert!(key_value(&"k".repeat(129), "X").is_err());
        assert!(key_value(&format!("{}\u{7}", "k".repeat(20)), "X").is_err());
        assert_eq!(scope("iris/read"), Ok(()));
        assert!(scope("a b").is_err());
        assert!(scope("").is_err());
    }
}
