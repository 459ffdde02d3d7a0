//! AWS SDK errors, turned into sentences a user can act on.
//!
//! [`describe_sdk_error`] names the service's code and message and adds what to do for the
//! failures users actually meet: no credentials, credentials AWS does not accept (often those of
//! another partition), a permission the credentials lack (with the IAM action and a pointer to
//! `cortex-net iam-policy`), throttling that outlasted the retries, a quota, an ARN of another
//! region or partition, and an endpoint that cannot be reached.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// How to give cortex-net credentials, appended to every credentials problem.
pub const CREDENTIALS_FIX: &str = "Give cortex-net credentials the standard AWS way: a profile \
     with `--profile NAME` or AWS_PROFILE=NAME (for an SSO profile, run `aws sso login --profile \
     NAME` first), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN with \
     temporary credentials)";

/// The longest AWS message quoted in full; longer ones are cut.
const MAX_QUOTED: usize = 400;

/// Describes an SDK error: the service's code and message, plus what to do for the failures
/// users actually meet (credentials, permissions, throttling, quotas, region or partition
/// mismatches, an unreachable endpoint).
pub fn describe_sdk_error<E, R>(error: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let operation = Operation::of::<E>();
    match error {
        SdkError::ServiceError(service) => {
            let err = service.err();
            let code = err.code().unwrap_or("UnknownError");
            let message = quoted(err.message().unwrap_or("(no message)"));
            let head = format!("{code}: {message}");
            match classify(code, &message) {
                Some(kind) => {
                    let advice = kind.advice(operation.as_ref(), &message);
                    format!("{}. {advice}", head.trim_end_matches(['.', ' ']))
                }
                None => head,
            }
        }
        SdkError::DispatchFailure(_) | SdkError::ConstructionFailure(_) => {
            let text = error_chain(error);
            if is_credentials_problem(&text) {
                credentials_problem(&text)
            } else if matches!(error, SdkError::ConstructionFailure(_)) {
                if text.to_ascii_lowercase().contains("region") {
                    format!(
                        "{}. Set `region` in cluster.yaml, --region, or AWS_REGION",
                        quoted(&text)
                    )
                } else {
                    quoted(&text)
                }
            } else {
                let failure = match error {
                    SdkError::DispatchFailure(failure) => Some(failure),
                    _ => None,
                };
                let cause = if failure.is_some_and(|f| f.is_timeout()) {
                    "the connection timed out"
                } else if failure.is_some_and(|f| f.is_io()) {
                    "the connection failed"
                } else {
                    "the request could not be sent"
                };
                format!(
                    "{cause} ({}). Check the network, the region, and any endpoint override \
                     (--endpoint-url, AWS_ENDPOINT_URL*)",
                    quoted(&text)
                )
            }
        }
        SdkError::TimeoutError(_) => "AWS did not answer in time. Check the network and re-run: \
             cortex-net continues where it stopped"
            .to_string(),
        SdkError::ResponseError(_) => format!(
            "AWS's answer could not be read ({}). Re-run; if it persists, check any endpoint \
             override (--endpoint-url, AWS_ENDPOINT_URL*)",
            quoted(&error_chain(error))
        ),
        _ => quoted(&error_chain(error)),
    }
}

/// Whether `error` is an AWS quota of the account and region (`LimitExceededException`,
/// `ServiceQuotaExceededException`, a `TooManyRequestsException` whose message speaks of a quota
/// or a maximum number...), as opposed to throttling: re-running or observing again cannot help.
pub fn is_quota_exceeded<E, R>(error: &SdkError<E, R>) -> bool
where
    E: ProvideErrorMetadata,
{
    match error {
        SdkError::ServiceError(service) => {
            let err = service.err();
            classify(
                err.code().unwrap_or_default(),
                err.message().unwrap_or_default(),
            ) == Some(Failure::Quota)
        }
        _ => false,
    }
}

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
    fn advice(self, operation: Option<&Operation>, message: &str) -> String {
        match self {
            Failure::AccessDenied => {
                let action = denied_action(message)
                    .map(str::to_owned)
                    .or_else(|| operation.and_then(Operation::iam_action));
                let call = match (operation, action) {
                    (Some(op), Some(action)) => format!("{} (IAM action `{action}`)", op.name),
                    (None, Some(action)) => format!("the IAM action `{action}`"),
                    (Some(op), None) => op.name.clone(),
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

/// The AWS operation an SDK error type belongs to, read from its Rust path
/// (`aws_sdk_apigatewayv2::operation::create_api::CreateApiError`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Operation {
    /// The SDK crate's service name: `apigatewayv2`, `elasticloadbalancingv2`, `acm`...
    service: String,
    /// The operation, as AWS names it: `CreateApi`.
    name: String,
}

impl Operation {
    fn of<E>() -> Option<Operation> {
        Self::from_type_name(std::any::type_name::<E>())
    }

    fn from_type_name(type_name: &str) -> Option<Operation> {
        // The SDK crate may sit below other path segments (a re-export, a test's fake).
        let mut segments = type_name
            .split("::")
            .skip_while(|segment| !segment.starts_with("aws_sdk_"));
        let service = segments.next()?.strip_prefix("aws_sdk_")?;
        if segments.next()? != "operation" {
            return None;
        }
        let snake = segments.next()?;
        let name: String = snake
            .split('_')
            .filter(|w| !w.is_empty())
            .map(|w| {
                let mut chars = w.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_ascii_uppercase().to_string() + chars.as_str()
                })
            })
            .collect();
        (!name.is_empty()).then(|| Operation {
            service: service.to_string(),
            name,
        })
    }

    /// The IAM action that allows this operation.
    fn iam_action(&self) -> Option<String> {
        iam_action(&self.service, &self.name)
    }
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
    use aws_smithy_types::error::ErrorMetadata;

    /// A faked operation error with the path the SDK gives its error types.
    mod aws_sdk_apigatewayv2 {
        pub mod operation {
            pub mod create_api {
                use aws_smithy_types::error::ErrorMetadata;
                use aws_smithy_types::error::metadata::ProvideErrorMetadata;

                #[derive(Debug)]
                pub struct CreateApiError(pub ErrorMetadata);

                impl std::fmt::Display for CreateApiError {
                    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(f, "CreateApiError")
                    }
                }

                impl std::error::Error for CreateApiError {}

                impl ProvideErrorMetadata for CreateApiError {
                    fn meta(&self) -> &ErrorMetadata {
                        &self.0
                    }
                }
            }
        }
    }

    fn service(code: &str, message: &str) -> String {
        let meta = ErrorMetadata::builder().code(code).message(message).build();
        let err = aws_sdk_apigatewayv2::operation::create_api::CreateApiError(meta);
        describe_sdk_error(&SdkError::<_, ()>::service_error(err, ()))
    }

    #[test]
    fn operation_from_sdk_type_paths() {
        let op = Operation::from_type_name(
            "aws_sdk_apigatewayv2::operation::create_api::CreateApiError",
        )
        .unwrap();
        assert_eq!(op.name, "CreateApi");
        assert_eq!(op.iam_action().as_deref(), Some("apigateway:POST"));
        let op = Operation::from_type_name(
            "aws_sdk_elasticloadbalancingv2::operation::describe_load_balancers::DescribeLoadBalancersError",
        )
        .unwrap();
        assert_eq!(
            op.iam_action().as_deref(),
            Some("elasticloadbalancing:DescribeLoadBalancers")
        );
        let op = Operation::from_type_name(
            "aws_sdk_acm::operation::describe_certificate::DescribeCertificateError",
        )
        .unwrap();
        assert_eq!(op.iam_action().as_deref(), Some("acm:DescribeCertificate"));
        assert_eq!(Operation::from_type_name("gw_core::Thing"), None);
        assert_eq!(Operation::from_type_name("aws_sdk_acm::Error"), None);
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
            let meta = ErrorMetadata::builder().code(code).message(message).build();
            SdkError::<_, ()>::service_error(
                aws_sdk_apigatewayv2::operation::create_api::CreateApiError(meta),
                (),
            )
        };
        assert!(is_quota_exceeded(&err(
            "TooManyRequestsException",
            "You have exceeded the quota for APIs"
        )));
        assert!(is_quota_exceeded(&err("LimitExceededException", "")));
        assert!(!is_quota_exceeded(&err(
            "TooManyRequestsException",
            "Too Many Requests"
        )));
        assert!(!is_quota_exceeded(&err("AccessDeniedException", "quota")));
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
        let err: SdkError<aws_sdk_apigatewayv2::operation::create_api::CreateApiError, ()> =
            SdkError::construction_failure(chain);
        let text = describe_sdk_error(&err);
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
        let err: SdkError<aws_sdk_apigatewayv2::operation::create_api::CreateApiError, ()> =
            SdkError::construction_failure(
                "failed to load credentials: profile `x` was not defined",
            );
        let text = describe_sdk_error(&err);
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
    }
}
