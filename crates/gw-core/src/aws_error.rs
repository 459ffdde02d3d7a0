//! AWS failures as data, turned into sentences a user can act on only when shown.
//!
//! [`AwsError`] keeps what AWS said (operation, code, message, how the call failed) so that
//! callers decide on it (`is_not_found`, `is_unsettled`, `is_quota_exceeded`) instead of on
//! text. Its `Display` is the sentence with the fix, for the failures users actually meet: no
//! credentials, credentials AWS does not accept (often those of another partition), a permission
//! the credentials lack (with the IAM action and a pointer to `cortex-net iam-policy`),
//! throttling that outlasted the retries, a quota, an ARN of another region or partition, and an
//! endpoint that cannot be reached. The `aws-calls` crate builds it from SDK errors; this crate
//! stays free of AWS types.

/// How to give cortex-net credentials, appended to every credentials problem.
pub const CREDENTIALS_FIX: &str = "Give cortex-net credentials the standard AWS way: a profile \
     with `--profile NAME` or AWS_PROFILE=NAME (for an SSO profile, run `aws sso login --profile \
     NAME` first), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN with \
     temporary credentials)";

/// The longest AWS message quoted in full; longer ones are cut.
const MAX_QUOTED: usize = 400;

/// A failed AWS call, as AWS (or the SDK) reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    /// The operation as AWS names it: `CreateApi`.
    pub operation: &'static str,
    /// The SDK's service name (`apigatewayv2`, `elasticloadbalancingv2`, `acm`), empty when
    /// unknown: with the operation, it names the IAM action.
    pub service: &'static str,
    /// AWS's error code, for answers from the service.
    pub code: Option<String>,
    /// AWS's message, or the SDK's error chain when no answer came.
    pub message: String,
    pub cause: Cause,
    /// What the caller knows about this failure that AWS's words do not say (a VPC link still
    /// in use: which integrations to move), appended to the description.
    pub hint: Option<String>,
}

/// How a call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// AWS answered with an error, with this HTTP status.
    Service { status: u16 },
    /// No answer in time.
    Timeout,
    /// The request was not delivered, or the connection broke before the answer.
    Connection { timed_out: bool, io: bool },
    /// The request could not be built (no region, no credentials).
    Construction,
    /// The answer could not be read.
    Unreadable,
}

/// Codes after which AWS's state is worth observing again rather than giving up: another run
/// got there first (conflict, not found), or AWS is throttling.
const UNSETTLED_CODES: &[&str] = &[
    "ConflictException",
    "NotFoundException",
    "TooManyRequestsException",
    "Throttling",
    "ThrottlingException",
    "InternalFailure",
    "InternalServerError",
    "ServiceUnavailable",
    "ServiceUnavailableException",
];

/// AWS's words when it refuses a change because of what other resources still reference: a
/// run that observes again sees the reference gone (or moves it first).
const STILL_REFERENCED: &[&str] = &["referenced", "in use", "Active stages", "being deleted"];

impl AwsError {
    /// An answer from the service (for tests and fakes; `aws-calls` builds the real ones).
    pub fn service(
        service: &'static str,
        operation: &'static str,
        status: u16,
        code: &str,
        message: &str,
    ) -> Self {
        AwsError {
            operation,
            service,
            code: Some(code.to_string()),
            message: message.to_string(),
            cause: Cause::Service { status },
            hint: None,
        }
    }

    /// The same error, with what the caller knows about it appended to its description.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Whether AWS answered with this error code.
    pub fn has_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    /// Whether AWS said the resource does not exist.
    pub fn is_not_found(&self) -> bool {
        self.has_code("NotFoundException") || self.has_code("ResourceNotFoundException")
    }

    /// Whether AWS refused because of a conflicting change or state.
    pub fn is_conflict(&self) -> bool {
        self.has_code("ConflictException")
    }

    /// Whether AWS refused the request rate (a 429, or a throttling code), as opposed to a quota
    /// on the number of things: waiting settles the one, not the other.
    pub fn is_throttled(&self) -> bool {
        let Cause::Service { status } = self.cause else {
            return false;
        };
        let code = self.code.as_deref().unwrap_or_default();
        (status == 429 || classify(code, &self.message) == Some(Failure::Throttled))
            && !self.is_quota_exceeded()
    }

    /// Whether this is an AWS quota of the account and region (`LimitExceededException`,
    /// `ServiceQuotaExceededException`, a `TooManyRequestsException` whose message speaks of a
    /// quota or a maximum number...), as opposed to throttling: re-running cannot help.
    pub fn is_quota_exceeded(&self) -> bool {
        matches!(self.cause, Cause::Service { .. })
            && classify(self.code.as_deref().unwrap_or_default(), &self.message)
                == Some(Failure::Quota)
    }

    /// Whether this failure leaves AWS in a state that a fresh observation may settle: an
    /// unknown outcome (timeout, dropped connection, unreadable answer, 5xx), a conflict with
    /// what another run did, throttling that outlasted the retries. Access denied, validation
    /// errors, quotas and the like are not: observing again changes nothing.
    pub fn is_unsettled(&self) -> bool {
        match self.cause {
            // Credentials that cannot be loaded stay missing however often AWS is observed.
            Cause::Connection { .. } if is_credentials_problem(&self.message) => false,
            Cause::Timeout | Cause::Connection { .. } | Cause::Unreadable => true,
            Cause::Construction => false,
            Cause::Service { status } => {
                let code = self.code.as_deref().unwrap_or_default();
                // AWS words some quota refusals as throttling: a quota is not settled by waiting.
                status >= 500
                    || (UNSETTLED_CODES.contains(&code) && !self.is_quota_exceeded())
                    || (code == "BadRequestException"
                        && STILL_REFERENCED.iter().any(|m| self.message.contains(m)))
            }
        }
    }

    /// The IAM action that allows the operation.
    pub fn iam_action(&self) -> Option<String> {
        iam_action(self.service, self.operation)
    }

    /// What happened and what to do: AWS's code and message, plus the fix for the failures
    /// users actually meet, and the caller's hint.
    pub fn describe(&self) -> String {
        let text = self.describe_cause();
        match &self.hint {
            Some(hint) => format!("{}. {hint}", text.trim_end_matches(['.', ' '])),
            None => text,
        }
    }

    fn describe_cause(&self) -> String {
        match self.cause {
            Cause::Service { .. } => {
                let code = self.code.as_deref().unwrap_or("UnknownError");
                let message = quoted(if self.message.is_empty() {
                    "(no message)"
                } else {
                    &self.message
                });
                let head = format!("{code}: {message}");
                match classify(code, &message) {
                    Some(kind) => {
                        let advice = kind.advice(self, &message);
                        format!("{}. {advice}", head.trim_end_matches(['.', ' ']))
                    }
                    None => head,
                }
            }
            Cause::Construction | Cause::Connection { .. }
                if is_credentials_problem(&self.message) =>
            {
                credentials_problem(&self.message)
            }
            Cause::Construction if self.message.to_ascii_lowercase().contains("region") => {
                format!(
                    "{}. Set `region` in cluster.yaml, --region, or AWS_REGION",
                    quoted(&self.message)
                )
            }
            Cause::Construction => quoted(&self.message),
            Cause::Connection { timed_out, io } => {
                let cause = if timed_out {
                    "the connection timed out"
                } else if io {
                    "the connection failed"
                } else {
                    "the request could not be sent"
                };
                format!(
                    "{cause} ({}). Check the network, the region, and any endpoint override \
                     (--endpoint-url, AWS_ENDPOINT_URL*)",
                    quoted(&self.message)
                )
            }
            Cause::Timeout => "AWS did not answer in time. Check the network and re-run: \
                 cortex-net continues where it stopped"
                .to_string(),
            Cause::Unreadable => format!(
                "AWS's answer could not be read ({}). Re-run; if it persists, check any \
                 endpoint override (--endpoint-url, AWS_ENDPOINT_URL*)",
                quoted(&self.message)
            ),
        }
    }
}

/// `CreateApi failed: <what and the fix>`; `did not complete` when observing again may settle it.
impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verb = if self.is_unsettled() {
            "did not complete"
        } else {
            "failed"
        };
        write!(f, "{} {verb}: {}", self.operation, self.describe())
    }
}

impl std::error::Error for AwsError {}

/// The kinds of failure that get advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    AccessDenied,
    /// Unknown key or bad signature: also what credentials of another partition get.
    InvalidCredentials,
    ExpiredCredentials,
    Throttled,
    Quota,
    /// An ARN AWS refused, typically of another region or partition.
    ArnMismatch,
}

fn classify(code: &str, message: &str) -> Option<Failure> {
    let lower = message.to_ascii_lowercase();
    let quota_words = lower.contains("quota")
        || lower.contains("maximum number")
        || lower.contains("limit exceeded") && !lower.contains("rate")
        || lower.contains("exceeded the limit")
        || lower.contains("too many") && !lower.contains("too many requests");
    let rate_words = lower.contains("rate") || lower.contains("too many requests");
    Some(match code {
        "AccessDenied"
        | "AccessDeniedException"
        | "UnauthorizedOperation"
        | "UnauthorizedException"
        | "NotAuthorized" => Failure::AccessDenied,
        "UnrecognizedClientException"
        | "InvalidClientTokenId"
        | "InvalidAccessKeyId"
        | "InvalidSignatureException"
        | "SignatureDoesNotMatch"
        | "IncompleteSignature"
        | "AuthFailure"
        | "MissingAuthenticationTokenException" => Failure::InvalidCredentials,
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" | "TokenRefreshRequired" => {
            Failure::ExpiredCredentials
        }
        "LimitExceededException" | "LimitExceeded" if rate_words && !quota_words => {
            Failure::Throttled
        }
        "TooManyRequestsException" if quota_words => Failure::Quota,
        "TooManyRequestsException"
        | "Throttling"
        | "ThrottlingException"
        | "ThrottledException"
        | "RequestThrottled"
        | "RequestThrottledException"
        | "RequestLimitExceeded"
        | "SlowDown"
        | "PriorRequestNotComplete"
        | "EC2ThrottledException"
        | "BandwidthLimitExceeded" => Failure::Throttled,
        "LimitExceededException"
        | "LimitExceeded"
        | "ServiceQuotaExceededException"
        | "ServiceQuotaExceeded"
        | "QuotaExceededException"
        | "ResourceLimitExceeded"
        | "ResourceLimitExceededException"
        | "VpcEndpointServiceLimitExceeded" => Failure::Quota,
        code if code.starts_with("TooMany") => Failure::Quota,
        "BadRequestException"
        | "ValidationError"
        | "ValidationException"
        | "InvalidParameterException"
        | "InvalidParameterValue"
        | "InvalidParameterValueException"
        | "InvalidArnException"
        | "InvalidArn"
        | "InvalidConfigurationRequest"
        | "NotFoundException"
            if lower.contains("arn:")
                && (lower.contains("region")
                    || lower.contains("partition")
                    || lower.contains("invalid")
                    || lower.contains("not valid")
                    || lower.contains("not found")
                    || lower.contains("does not exist")) =>
        {
            Failure::ArnMismatch
        }
        _ if quota_words && code.contains("Limit") => Failure::Quota,
        _ => return None,
    })
}

impl Failure {
    fn advice(self, error: &AwsError, message: &str) -> String {
        match self {
            Failure::AccessDenied => {
                let action = denied_action(message)
                    .map(str::to_owned)
                    .or_else(|| error.iam_action());
                let operation = (!error.operation.is_empty()).then_some(error.operation);
                let call = match (operation, action) {
                    (Some(op), Some(action)) => format!("{op} (IAM action `{action}`)"),
                    (None, Some(action)) => format!("the IAM action `{action}`"),
                    (Some(op), None) => op.to_string(),
                    (None, None) => "this call".to_string(),
                };
                format!(
                    "The credentials in use may not call {call}. `cortex-net iam-policy` prints \
                     the IAM policy this configuration needs: attach it to the user or role (an \
                     explicit Deny, a permissions boundary or an organization SCP can also refuse \
                     a call)"
                )
            }
            Failure::InvalidCredentials => format!(
                "AWS does not accept these credentials: the access key is unknown or the secret \
                 is wrong, or they belong to another partition (keys of the standard `aws` \
                 partition are unknown in China `cn-*` and GovCloud `us-gov-*` regions, and the \
                 other way round). Check the region (`region` in cluster.yaml, --region, \
                 AWS_REGION) and the credentials. {CREDENTIALS_FIX}"
            ),
            Failure::ExpiredCredentials => format!(
                "The credentials have expired (or this computer's clock is more than 5 minutes \
                 off): refresh them, e.g. `aws sso login` for an SSO profile or a new session \
                 token. {CREDENTIALS_FIX}"
            ),
            Failure::Throttled => "AWS kept throttling after the SDK's retries (5 attempts, or \
                 AWS_MAX_ATTEMPTS): wait a minute and re-run, cortex-net continues where it \
                 stopped; if it keeps happening, another tool is using this account's API \
                 Gateway or Elastic Load Balancing rate, or raise AWS_MAX_ATTEMPTS"
                .to_string(),
            Failure::Quota => "An AWS quota of this account and region was reached: remove what \
                 is no longer needed (e.g. unused APIs, VPC links or custom domains in this \
                 region), or ask AWS for a higher quota in the Service Quotas console; \
                 re-running will not help until then"
                .to_string(),
            Failure::ArnMismatch => "Check that every ARN in the configuration \
                 (`ssl_certificate_arn` in cluster.yaml, `gateway.certificate_arn` and \
                 `load_balancer` in cortex-net.yaml) is of the cluster's partition and, except \
                 for an edge domain's certificate (us-east-1), of the cluster's region"
                .to_string(),
        }
    }
}

/// The action an AWS access-denied message names: `... is not authorized to perform:
/// apigateway:POST on resource: ...`.
fn denied_action(message: &str) -> Option<&str> {
    let start = message.find("perform: ")? + "perform: ".len();
    let action = message[start..]
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .next()?
        .trim_end_matches('.');
    let (service, name) = action.split_once(':')?;
    let valid = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '*')
    };
    (valid(service) && valid(name)).then_some(action)
}

/// The IAM action that allows `operation` of the SDK service `service` (`apigatewayv2`,
/// `CreateApi` -> `apigateway:POST`): API Gateway's management actions are HTTP methods,
/// Elastic Load Balancing and ACM name the operation.
pub fn iam_action(service: &str, operation: &str) -> Option<String> {
    match service {
        "apigateway" | "apigatewayv2" => {
            let v2 = service == "apigatewayv2";
            let method = [
                ("Get", "GET"),
                ("Export", "GET"),
                ("Create", "POST"),
                ("Generate", "POST"),
                ("Test", "POST"),
                ("Update", "PATCH"),
                ("Delete", "DELETE"),
                ("Flush", "DELETE"),
                ("Reset", "DELETE"),
                ("Untag", "DELETE"),
                ("Put", "PUT"),
                ("Reimport", "PUT"),
                ("Tag", if v2 { "POST" } else { "PUT" }),
                ("Import", if v2 { "PUT" } else { "POST" }),
            ]
            .iter()
            .find(|(prefix, _)| operation.starts_with(prefix))
            .map(|(_, method)| *method)?;
            Some(format!("apigateway:{method}"))
        }
        "elasticloadbalancing" | "elasticloadbalancingv2" => {
            Some(format!("elasticloadbalancing:{operation}"))
        }
        "" => None,
        other => Some(format!("{other}:{operation}")),
    }
}

/// Whether a dispatch or construction failure is the credential chain's.
fn is_credentials_problem(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("credential") || lower.contains("no valid identity")
}

fn credentials_problem(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    if lower.contains("no credentials found") || lower.contains("not enabled") {
        format!(
            "no AWS credentials were found (environment, profile, web identity, container and \
             instance metadata were tried). {CREDENTIALS_FIX}"
        )
    } else {
        // The chain names the cause (a missing profile, an expired SSO token...).
        let detail = text
            .split_once("Attempted:")
            .map_or(text, |(before, _)| before);
        format!(
            "the AWS credentials could not be loaded ({}). {CREDENTIALS_FIX}",
            quoted(detail.trim_end_matches([' ', '.', ':']))
        )
    }
}

/// Text from AWS or the SDK, made safe to print on one line: control characters (newlines,
/// ANSI escapes) become spaces or `\u{..}`, runs of spaces one, and the text is cut to a
/// readable length.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_QUOTED + 8));
    let mut last_space = false;
    for (count, c) in text.chars().enumerate() {
        if count >= MAX_QUOTED {
            out.push('…');
            break;
        }
        if c.is_whitespace() {
            if !last_space && !out.is_empty() {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        last_space = false;
        if c.is_control() {
            out.push_str(&c.escape_unicode().to_string());
        } else {
            out.push(c);
        }
    }
    out.trim_end().to_string()
}

/// The partition of a region: `aws-cn` for China (`cn-*`), `aws-us-gov` for GovCloud, the ISO
/// partitions, else `aws`.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-isof-") {
        "aws-iso-f"
    } else if region.starts_with("eu-isoe-") {
        "aws-iso-e"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else {
        "aws"
    }
}

/// The ARN API Gateway tags a resource by, in the region's partition:
/// `arn:<partition>:apigateway:<region>::<path>`, `path` as `/apis/<id>`, `/vpclinks/<id>`,
/// `/domainnames/<name>`, `/restapis/<id>/stages/<name>`.
pub fn apigateway_arn(region: &str, path: &str) -> String {
    format!("arn:{}:apigateway:{region}::{path}", partition_of(region))
}

/// Why an ARN from the configuration (`what`, e.g. "`gateway.certificate_arn` in
/// cortex-net.yaml") cannot be used in `region`: another partition, or another region unless
/// `other_region_ok` names the one region it may be in instead (an edge domain's certificate:
/// us-east-1). `None` when it fits, or is not an ARN.
pub fn arn_mismatch(
    what: &str,
    arn: &str,
    region: &str,
    other_region_ok: Option<&str>,
) -> Option<String> {
    let mut parts = arn.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    let partition = parts.next()?;
    let service = parts.next()?;
    let arn_region = parts.next()?;
    let expected = partition_of(region);
    if partition != expected {
        return Some(format!(
            "{what} `{}` is in the `{partition}` partition, but region {region} is in \
             `{expected}`: AWS cannot use it there. Use an ARN of the cluster's partition, or \
             set the region the resource lives in",
            quoted(arn)
        ));
    }
    if arn_region.is_empty() || arn_region == region || Some(arn_region) == other_region_ok {
        return None;
    }
    let allowed = match other_region_ok {
        Some(other) => format!("{region} (or {other})"),
        None => region.to_string(),
    };
    Some(format!(
        "{what} `{}` is in region {arn_region}, but the cluster's region is {allowed}: {service} \
         looks it up only there. Use an ARN of that region, or correct `region` in cluster.yaml \
         (or --region)",
        quoted(arn)
    ))
}

/// An error followed by its causes, `: `-separated: the outermost message alone rarely says what
/// went wrong (`error sending request: ... invalid peer certificate: UnknownIssuer`).
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(code: &str, message: &str) -> String {
        AwsError::service("apigatewayv2", "CreateApi", 400, code, message).describe()
    }

    fn failure(cause: Cause, message: &str) -> AwsError {
        AwsError {
            operation: "CreateApi",
            service: "apigatewayv2",
            code: None,
            message: message.into(),
            cause,
            hint: None,
        }
    }

    #[test]
    fn api_gateway_operations_map_to_http_methods() {
        for (service, op, action) in [
            ("apigatewayv2", "GetApis", "apigateway:GET"),
            ("apigatewayv2", "UpdateRoute", "apigateway:PATCH"),
            (
                "apigatewayv2",
                "DeleteCorsConfiguration",
                "apigateway:DELETE",
            ),
            ("apigatewayv2", "TagResource", "apigateway:POST"),
            ("apigateway", "TagResource", "apigateway:PUT"),
            ("apigateway", "PutIntegration", "apigateway:PUT"),
            ("apigateway", "CreateDeployment", "apigateway:POST"),
            ("apigateway", "UntagResource", "apigateway:DELETE"),
        ] {
            assert_eq!(iam_action(service, op).as_deref(), Some(action), "{op}");
        }
    }

    #[test]
    fn access_denied_names_the_action_and_the_policy_command() {
        let text = service(
            "AccessDeniedException",
            "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: \
             apigateway:POST on resource: arn:aws:apigateway:us-east-1::/apis",
        );
        assert!(
            text.starts_with("AccessDeniedException: User: arn:aws:iam::"),
            "{text}"
        );
        assert!(text.contains("(IAM action `apigateway:POST`)"), "{text}");
        assert!(text.contains("`cortex-net iam-policy`"), "{text}");
    }

    #[test]
    fn access_denied_without_an_action_in_the_message_still_names_one() {
        let text = service("AccessDenied", "Forbidden");
        assert!(
            text.contains("may not call CreateApi (IAM action `apigateway:POST`)"),
            "{text}"
        );
        assert!(text.contains("cortex-net iam-policy"), "{text}");
        assert_eq!(
            denied_action(
                "is not authorized to perform: elasticloadbalancing:DescribeTags because"
            ),
            Some("elasticloadbalancing:DescribeTags")
        );
        assert_eq!(denied_action("perform: nonsense"), None);
    }

    #[test]
    fn invalid_credentials_hint_at_the_partition_and_region() {
        for code in [
            "UnrecognizedClientException",
            "InvalidClientTokenId",
            "InvalidSignatureException",
        ] {
            let text = service(
                code,
                "The security token included in the request is invalid.",
            );
            assert!(text.contains("another partition"), "{text}");
            assert!(text.contains("--region"), "{text}");
            assert!(text.contains("AWS_PROFILE"), "{text}");
            assert!(!text.contains("invalid.."), "{text}");
        }
        let text = service(
            "ExpiredTokenException",
            "The security token included in the request is expired",
        );
        assert!(text.contains("expired"), "{text}");
        assert!(text.contains("aws sso login"), "{text}");
    }

    #[test]
    fn throttling_and_quotas_are_told_apart() {
        let text = service("TooManyRequestsException", "Too Many Requests");
        assert!(
            text.contains("kept throttling after the SDK's retries"),
            "{text}"
        );
        let text = service("Throttling", "Rate exceeded");
        assert!(text.contains("kept throttling"), "{text}");
        let text = service("LimitExceededException", "Rate limit exceeded");
        assert!(text.contains("kept throttling"), "{text}");
        for (code, message) in [
            (
                "LimitExceededException",
                "Maximum number of VPC links reached",
            ),
            (
                "TooManyRequestsException",
                "You have exceeded the quota of APIs for this account",
            ),
            ("ServiceQuotaExceededException", "quota"),
            ("TooManyLoadBalancers", "too many"),
            ("LimitExceededException", ""),
        ] {
            let text = service(code, message);
            assert!(
                text.contains("quota of this account and region"),
                "{code}: {text}"
            );
            assert!(text.contains("Service Quotas"), "{text}");
        }
    }

    #[test]
    fn quotas_are_told_from_throttling_for_callers() {
        let err = |code: &str, message: &str| {
            AwsError::service("apigatewayv2", "CreateApi", 429, code, message)
        };
        assert!(
            err(
                "TooManyRequestsException",
                "You have exceeded the quota for APIs"
            )
            .is_quota_exceeded()
        );
        assert!(err("LimitExceededException", "").is_quota_exceeded());
        assert!(!err("TooManyRequestsException", "Too Many Requests").is_quota_exceeded());
        assert!(!err("AccessDeniedException", "quota").is_quota_exceeded());
    }

    #[test]
    fn arns_of_another_region_get_the_configuration_hint() {
        let text = service(
            "BadRequestException",
            "Invalid certificate ARN: arn:aws:acm:eu-west-1:123456789012:certificate/x. \
             Certificate must be in 'us-east-1'.",
        );
        assert!(text.contains("gateway.certificate_arn"), "{text}");
        assert!(text.contains("partition"), "{text}");
        let text = service("BadRequestException", "Invalid stage name");
        assert_eq!(text, "BadRequestException: Invalid stage name");
    }

    #[test]
    fn messages_are_one_line_and_bounded() {
        let text = service("Weird", &format!("a\nb\u{1b}[31m{}", "x".repeat(1000)));
        assert!(!text.contains('\n'), "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(text.contains("\\u{1b}"), "{text}");
        assert!(text.chars().count() < 500, "{}", text.len());
    }

    #[test]
    fn no_credentials_says_how_to_set_them() {
        // What the default chain says when nothing supplies credentials (aws-config 1.x).
        let chain = "dispatch failure: other: the credential provider was not enabled: no \
                     credentials found in chain. Attempted:\n  Environment: the credential \
                     provider was not enabled: environment variable not set\n  Profile: the \
                     credential provider was not enabled";
        let text = failure(Cause::Construction, chain).describe();
        assert!(text.starts_with("no AWS credentials were found"), "{text}");
        for needle in [
            "--profile",
            "AWS_PROFILE",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "aws sso login",
        ] {
            assert!(text.contains(needle), "{needle}: {text}");
        }
        assert!(!text.contains("could not be reached"), "{text}");
        let text = failure(
            Cause::Construction,
            "failed to load credentials: profile `x` was not defined",
        )
        .describe();
        assert!(text.contains("could not be loaded ("), "{text}");
        assert!(text.contains("profile `x` was not defined)"), "{text}");
        assert!(text.contains("AWS_PROFILE"), "{text}");
    }

    #[test]
    fn partitions_and_arn_mismatches() {
        assert_eq!(partition_of("us-east-1"), "aws");
        assert_eq!(partition_of("cn-north-1"), "aws-cn");
        assert_eq!(partition_of("us-gov-west-1"), "aws-us-gov");
        let arn = "arn:aws:acm:us-east-1:123456789012:certificate/abc";
        assert_eq!(arn_mismatch("cert", arn, "us-east-1", None), None);
        assert_eq!(
            arn_mismatch("cert", arn, "eu-west-1", Some("us-east-1")),
            None
        );
        let text = arn_mismatch("cert", arn, "eu-west-1", None).unwrap();
        assert!(text.contains("region us-east-1"), "{text}");
        assert!(text.contains("eu-west-1"), "{text}");
        let text = arn_mismatch("cert", arn, "cn-north-1", None).unwrap();
        assert!(text.contains("`aws` partition"), "{text}");
        assert!(text.contains("`aws-cn`"), "{text}");
        assert_eq!(arn_mismatch("lb", "my-nlb", "us-east-1", None), None);
        assert_eq!(
            apigateway_arn("cn-north-1", "/apis/a1"),
            "arn:aws-cn:apigateway:cn-north-1::/apis/a1"
        );
    }

    #[test]
    fn unknown_outcomes_and_races_are_unsettled() {
        let svc = |status, code: &str, message: &str| {
            AwsError::service("apigatewayv2", "CreateApi", status, code, message)
        };
        assert!(svc(500, "InternalFailure", "boom").is_unsettled());
        assert!(svc(503, "Whatever", "").is_unsettled());
        assert!(svc(409, "ConflictException", "exists").is_unsettled());
        assert!(svc(404, "NotFoundException", "gone").is_unsettled());
        assert!(svc(429, "TooManyRequestsException", "slow down").is_unsettled());
        assert!(
            svc(
                400,
                "BadRequestException",
                "Cannot delete vpc link abc, because it is referenced in integrations"
            )
            .is_unsettled()
        );
        let no_credentials = failure(
            Cause::Connection {
                timed_out: false,
                io: false,
            },
            "dispatch failure: no credentials found in chain",
        );
        assert!(!no_credentials.is_unsettled());
        assert!(
            no_credentials
                .to_string()
                .starts_with("CreateApi failed: no AWS credentials"),
            "{no_credentials}"
        );
        let reset = failure(
            Cause::Connection {
                timed_out: false,
                io: true,
            },
            "reset by peer",
        );
        assert!(reset.is_unsettled());
        assert!(
            reset
                .to_string()
                .starts_with("CreateApi did not complete: the connection failed")
        );
        assert!(!svc(403, "AccessDeniedException", "no").is_unsettled());
        assert!(!svc(400, "BadRequestException", "Invalid route key").is_unsettled());
        assert!(!svc(429, "LimitExceededException", "quota").is_unsettled());
        assert!(
            !svc(
                429,
                "TooManyRequestsException",
                "You have exceeded the quota for APIs in this account"
            )
            .is_unsettled()
        );
        assert!(svc(429, "TooManyRequestsException", "slow down").is_throttled());
        assert!(svc(400, "ThrottlingException", "Rate exceeded").is_throttled());
        assert!(
            !svc(
                429,
                "TooManyRequestsException",
                "You have exceeded the quota for APIs in this account"
            )
            .is_throttled()
        );
        assert!(!svc(409, "ConflictException", "exists").is_throttled());
        let denied = svc(403, "AccessDeniedException", "no");
        assert!(
            denied
                .to_string()
                .starts_with("CreateApi failed: AccessDeniedException: no.")
        );
        assert!(svc(404, "NotFoundException", "x").is_not_found());
    }
}
