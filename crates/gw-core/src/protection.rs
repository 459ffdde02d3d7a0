//! What guards the public endpoints, in gateway terms: who may call an API (authorization),
//! how fast (throttles, usage-plan quotas), with which keys, and where requests are logged.
//!
//! Plain data shared by `netconf` (which reads it from `cortex-net.yaml`), the binary (which
//! puts it in the [`crate::DesiredGateway`]) and the providers (which turn it into resources).
//! Which settings a gateway kind can honour is decided here, once ([`Auth::supported_by`]).

use crate::GatewayKind;
use serde::{Serialize, Serializer};
use std::fmt;

crate::spelled_enum! {
    /// Who may call an API (`gateway.auth`, `apis.<name>.auth`).
    #[derive(Default)]
    Auth {
        /// Anyone (Cortex's behaviour).
        #[default]
        None => "none",
        /// Callers signing requests with AWS credentials (SigV4): `AWS_IAM` on the routes (HTTP)
        /// or methods (REST).
        Iam => "iam",
        /// Callers presenting a JWT from the configured issuer (HTTP APIs).
        Jwt => "jwt",
        /// Callers presenting an API key bound to the stage by a usage plan (REST APIs).
        ApiKey => "api_key",
    }
}

impl Auth {
    /// Whether a gateway kind can enforce this authorization.
    pub fn supported_by(self, kind: GatewayKind) -> bool {
        match self {
            Auth::None | Auth::Iam => true,
            Auth::Jwt => kind == GatewayKind::Http,
            Auth::ApiKey => kind == GatewayKind::Rest,
        }
    }

    /// The gateway kind that supports it when another does not (the fix a validation error
    /// proposes).
    pub fn required_kind(self) -> Option<GatewayKind> {
        match self {
            Auth::None | Auth::Iam => None,
            Auth::Jwt => Some(GatewayKind::Http),
            Auth::ApiKey => Some(GatewayKind::Rest),
        }
    }

    /// What a client must send, for `endpoints` and `status`.
    pub fn client_needs(self) -> &'static str {
        match self {
            Auth::None => "nothing",
            Auth::Iam => "a SigV4 signature (AWS credentials)",
            Auth::Jwt => "a bearer JWT from the issuer",
            Auth::ApiKey => "an x-api-key header",
        }
    }
}

/// A steady rate and a burst, in requests per second: a stage default, a per-API override, or
/// a usage plan's. Whole requests per second, which is how the configuration spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Throttle {
    pub rate: u32,
    pub burst: u32,
}

impl fmt::Display for Throttle {
    /// `rate=10 burst=20`: how plans and `status` show it, and the attribute value compared.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rate={} burst={}", self.rate, self.burst)
    }
}

crate::spelled_enum! {
    /// The period a usage plan's quota counts over.
    QuotaPeriod { Day => "day", Week => "week", Month => "month" }
}

impl QuotaPeriod {
    /// AWS's spelling (`DAY`, `WEEK`, `MONTH`).
    pub fn aws(self) -> &'static str {
        match self {
            QuotaPeriod::Day => "DAY",
            QuotaPeriod::Week => "WEEK",
            QuotaPeriod::Month => "MONTH",
        }
    }
}

/// How many requests a key may make per period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Quota {
    pub limit: u32,
    pub period: QuotaPeriod,
}

impl fmt::Display for Quota {
    /// `limit=10000 period=MONTH`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "limit={} period={}", self.limit, self.period.aws())
    }
}

/// The JWT authorizer of an HTTP API: tokens must come from `issuer` for one of `audiences`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JwtAuthorizer {
    pub issuer: String,
    pub audiences: Vec<String>,
}

/// The name of the one JWT authorizer cortex-net makes per HTTP API.
pub const JWT_AUTHORIZER: &str = "jwt";

/// Stage access logging to a CloudWatch Logs group the user owns (cortex-net neither creates
/// nor deletes log groups: that would take another SDK crate, and log retention is the user's
/// decision).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessLog {
    /// `arn:aws:logs:<region>:<account>:log-group:<name>`.
    pub destination_arn: String,
    /// The line format, with `$context` variables:
    /// [`GatewayKind::default_access_log_format`] unless configured.
    pub format: String,
}

/// The documented access log line of a REST API: one JSON object per request, with the API
/// key's id where the request carried one.
pub const ACCESS_LOG_FORMAT: &str = r#"{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","method":"$context.httpMethod","path":"$context.path","status":"$context.status","latencyMs":"$context.responseLatency","apiKeyId":"$context.identity.apiKeyId"}"#;

/// The same line for an HTTP API, which has no API keys (nor their `$context` variable).
pub const HTTP_ACCESS_LOG_FORMAT: &str = r#"{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","method":"$context.httpMethod","path":"$context.path","status":"$context.status","latencyMs":"$context.responseLatency"}"#;

impl GatewayKind {
    /// The access log format used when `gateway.access_logs.format` is not set.
    pub fn default_access_log_format(self) -> &'static str {
        match self {
            GatewayKind::Http => HTTP_ACCESS_LOG_FORMAT,
            GatewayKind::Rest => ACCESS_LOG_FORMAT,
        }
    }
}

/// A secret value (an API key's). Never shown: `Debug`, `Display` and `Serialize` print
/// `(secret)`; only [`SecretValue::expose`] gives it out, for the one call that sends it.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    pub fn new(value: impl Into<String>) -> Self {
        SecretValue(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A short, stable digest that plans compare instead of the value (FNV-1a, 64 bits): it
    /// shows that a value changed without showing it.
    pub fn digest(&self) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in self.0.as_bytes() {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        format!("{hash:016x}")
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(secret)")
    }
}

impl Serialize for SecretValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("(secret)")
    }
}

/// Where an API key's value comes from. Never the configuration file in clear.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeySource {
    /// AWS generates it; `cortex-net keys show NAME` prints it.
    Generated,
    /// An environment variable, read when the configuration is loaded.
    Env(String),
    /// A file (its first line), read when the configuration is loaded.
    File(String),
}

/// A named API key (REST): created by cortex-net, tagged, attached to usage plans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiKeySpec {
    pub name: String,
    pub source: KeySource,
    /// The value read from [`KeySource::Env`] or [`KeySource::File`]; `None` when generated.
    pub value: Option<SecretValue>,
}

/// A usage plan (REST): binds keys to the stage, with a throttle and a quota per key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsagePlanSpec {
    pub name: String,
    pub throttle: Option<Throttle>,
    pub quota: Option<Quota>,
    /// Names of [`ApiKeySpec`]s.
    pub keys: Vec<String>,
}

/// The gateway-wide protection: the stage's default throttle, its access log, the JWT
/// authorizer, the API keys and usage plans. Per-API settings live in [`RouteProtection`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Protection {
    pub throttle: Option<Throttle>,
    pub access_log: Option<AccessLog>,
    pub jwt: Option<JwtAuthorizer>,
    pub api_keys: Vec<ApiKeySpec>,
    pub usage_plans: Vec<UsagePlanSpec>,
}

/// One API's authorization and throttle, the gateway's defaults already applied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RouteProtection {
    pub auth: Auth,
    /// JWT scopes a token must carry (`auth: jwt` only); empty: any valid token.
    pub scopes: Vec<String>,
    /// A per-API override of the stage's throttle.
    pub throttle: Option<Throttle>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_auth_names_the_kind_that_honours_it() {
        assert!(Auth::Iam.supported_by(GatewayKind::Rest));
        assert!(Auth::Iam.supported_by(GatewayKind::Http));
        assert!(!Auth::Jwt.supported_by(GatewayKind::Rest));
        assert!(!Auth::ApiKey.supported_by(GatewayKind::Http));
        assert_eq!(Auth::Jwt.required_kind(), Some(GatewayKind::Http));
        assert_eq!(Auth::ApiKey.required_kind(), Some(GatewayKind::Rest));
        assert_eq!("api_key".parse::<Auth>(), Ok(Auth::ApiKey));
    }

    #[test]
    fn secrets_never_print() {
        let secret = SecretValue::new("s3cr3t-value-1234567890");
        assert_eq!(format!("{secret:?}"), "(secret)");
        assert_eq!(
            serde_json::to_string(&secret).ok().as_deref(),
            Some("\"(secret)\"")
        );
        assert_eq!(secret.expose(), "s3cr3t-value-1234567890");
        assert_eq!(secret.digest().len(), 16);
        assert_ne!(secret.digest(), SecretValue::new("other").digest());
        assert!(!secret.digest().contains("s3cr3t"));
    }

    #[test]
    fn throttles_and_quotas_print_as_compared() {
        let throttle = Throttle {
            rate: 10,
            burst: 20,
        };
        assert_eq!(throttle.to_string(), "rate=10 burst=20");
        let quota = Quota {
            limit: 1000,
            period: QuotaPeriod::Month,
        };
        assert_eq!(quota.to_string(), "limit=1000 period=MONTH");
    }
}
