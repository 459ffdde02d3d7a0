//! What can go wrong, in sentences a user can act on: the CLI prints these as they are.

use std::error::Error as StdError;
use std::fmt::Debug;

use aws_sdk_elasticloadbalancingv2::error::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::model::Candidate;
use crate::tags::wanted_description;

/// How to name the load balancer by hand, appended to the discovery errors.
const WAY_OUT: &str = "name the load balancer yourself with `load_balancer: <name or ARN>` in \
                       cortex-net.yaml or with `--load-balancer <name or ARN>`";

/// Why no load balancer could be returned.
#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    /// No load balancer carries the cluster's API tags.
    #[error(
        "No load balancer of Cortex cluster `{cluster}` was found: none of the {examined} load \
         balancers in this account and region is tagged {wanted}. Check the cluster name and \
         the region, or {WAY_OUT}.",
        wanted = wanted_description(cluster)
    )]
    NotFound {
        /// The cluster looked for.
        cluster: String,
        /// How many load balancers (elbv2 and classic) were examined.
        examined: usize,
    },

    /// Several load balancers carry the cluster's API tags.
    #[error(
        "{count} load balancers are tagged as the API load balancer of Cortex cluster \
         `{cluster}`: {list}. cortex-net will not guess: {WAY_OUT}.",
        count = candidates.len(),
        list = list_candidates(candidates)
    )]
    Ambiguous {
        /// The cluster looked for.
        cluster: String,
        /// Every load balancer that matched.
        candidates: Vec<Candidate>,
    },

    /// An explicitly named load balancer does not exist.
    #[error(
        "No load balancer with the name or ARN `{shown}` exists in this account and \
         region (network, application and classic load balancers were searched). Check the \
         spelling and the region; `load_balancer:` in cortex-net.yaml and `--load-balancer` \
         take the load balancer's name or ARN, not its DNS name.{location}",
        shown = one_line(name_or_arn),
        location = arn_location(name_or_arn)
    )]
    NoSuchLoadBalancer {
        /// What was asked for.
        name_or_arn: String,
    },

    /// An explicitly named load balancer is tagged as another cluster's.
    #[error(
        "Load balancer `{name}` belongs to Cortex cluster `{owner}`, not to `{cluster}`, and \
         cortex-net never operates another cluster's load balancer. Check the cluster name, \
         or give `load_balancer:` in cortex-net.yaml (or `--load-balancer`) a load balancer of \
         cluster `{cluster}`."
    )]
    OtherCluster {
        /// The load balancer's name.
        name: String,
        /// The cluster its tags name.
        owner: String,
        /// The cluster that was asked for.
        cluster: String,
    },

    /// An AWS call failed.
    #[error("The AWS call {operation} failed: {message}")]
    Aws {
        /// The API operation, e.g. `DescribeLoadBalancers`.
        operation: &'static str,
        /// The service's error code and message, and a hint when the cause is common.
        message: String,
    },
}

fn list_candidates(candidates: &[Candidate]) -> String {
    candidates
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

const CHECK: &str = "check the credentials, the region and --endpoint-url";

/// How to give cortex-net credentials (the same sentence as `gw_core::CREDENTIALS_FIX`).
const CREDENTIALS_FIX: &str = "Give cortex-net credentials the standard AWS way: a profile with \
     `--profile NAME` or AWS_PROFILE=NAME (for an SSO profile, run `aws sso login --profile NAME` \
     first), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN with \
     temporary credentials)";

/// The IAM action of an operation name as this crate spells it (`DescribeTags (classic ELB)`).
fn iam_action(operation: &str) -> String {
    let name = operation.split_whitespace().next().unwrap_or(operation);
    format!("elasticloadbalancing:{name}")
}

fn hint_for_code(operation: &str, code: &str, message: &str) -> Option<String> {
    let lower = message.to_ascii_lowercase();
    match code {
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => Some(format!(
            "The credentials in use may not call {operation} (IAM action `{}`; cortex-net needs \
             elasticloadbalancing:DescribeLoadBalancers, DescribeTags and DescribeListeners). \
             `cortex-net iam-policy` prints the IAM policy this configuration needs: attach it \
             to the user or role.",
            iam_action(operation)
        )),
        "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "InvalidAccessKeyId"
        | "SignatureDoesNotMatch"
        | "AuthFailure"
        | "IncompleteSignature"
        | "MissingAuthenticationToken" => Some(format!(
            "AWS does not accept these credentials: the access key is unknown or the secret is \
             wrong, or they belong to another partition (keys of the standard `aws` partition \
             are unknown in China `cn-*` and GovCloud `us-gov-*` regions, and the other way \
             round). Check the region (`region` in cluster.yaml, --region, AWS_REGION) and the \
             credentials. {CREDENTIALS_FIX}."
        )),
        "ExpiredToken" | "ExpiredTokenException" | "RequestExpired" => Some(format!(
            "The credentials have expired (or this computer's clock is more than 5 minutes \
             off): refresh them, e.g. `aws sso login` for an SSO profile or a new session \
             token. {CREDENTIALS_FIX}."
        )),
        "Throttling"
        | "ThrottlingException"
        | "RequestLimitExceeded"
        | "TooManyRequestsException" => Some(format!(
            "AWS kept throttling this account's Elastic Load Balancing calls after the SDK's \
             retries: wait a minute and retry (AWS_MAX_ATTEMPTS raises the number of attempts); \
             if it persists, {CHECK}."
        )),
        "ValidationError" | "InvalidConfigurationRequest" if lower.contains("arn") => Some(
            "Check that `load_balancer` (cortex-net.yaml or --load-balancer) is an ARN of the \
             cluster's region and partition, or give the load balancer's name."
                .to_owned(),
        ),
        _ => None,
    }
}

/// Whether a dispatch or construction failure comes from the credential chain.
fn is_credentials_problem(text: &str) -> bool {
    text.to_ascii_lowercase().contains("credential")
}

fn credentials_hint(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    if lower.contains("no credentials found") || lower.contains("not enabled") {
        format!(
            "no AWS credentials were found (environment, profile, web identity, container and \
             instance metadata were tried). {CREDENTIALS_FIX}."
        )
    } else {
        let detail = text
            .split_once("Attempted:")
            .map_or(text, |(before, _)| before)
            .trim_end_matches([' ', '.', ':']);
        format!(
            "the AWS credentials could not be loaded ({}). {CREDENTIALS_FIX}.",
            one_line(detail)
        )
    }
}

/// Text from AWS or the SDK on one line, control characters escaped, cut to a readable length.
fn one_line(text: &str) -> String {
    const MAX: usize = 400;
    let mut out = String::new();
    for (count, word) in text.split_whitespace().enumerate() {
        if count > 0 {
            out.push(' ');
        }
        for c in word.chars() {
            if c.is_control() {
                out.push_str(&c.escape_unicode().to_string());
            } else {
                out.push(c);
            }
        }
        if out.chars().count() > MAX {
            out = out.chars().take(MAX).collect();
            out.push('…');
            break;
        }
    }
    out
}

/// What an explicitly named load balancer's ARN says about where it lives, for
/// [`DiscoveryError::NoSuchLoadBalancer`].
fn arn_location(name_or_arn: &str) -> String {
    let mut parts = name_or_arn.trim().splitn(6, ':');
    let (Some("arn"), Some(partition), Some(_service), Some(region)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return String::new();
    };
    format!(
        " The ARN names region `{}` of partition `{}`: cortex-net searches only the cluster's \
         region (`region` in cluster.yaml, --region), so an ARN of another region or partition \
         is never found there; use the cluster's region or that load balancer's own.",
        one_line(region),
        one_line(partition)
    )
}

/// An error and its sources, `outer: inner: innermost`, skipping repeated texts.
fn error_chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// Turn an SDK error into [`DiscoveryError::Aws`], with the service's code and message and a
/// hint for the common causes (permissions, credentials, throttling, no connection).
pub(crate) fn aws_error<E, R>(operation: &'static str, err: &SdkError<E, R>) -> DiscoveryError
where
    E: ProvideErrorMetadata + StdError + 'static,
    R: Debug + 'static,
{
    let chain = error_chain(err);
    if matches!(
        err,
        SdkError::DispatchFailure(_) | SdkError::ConstructionFailure(_)
    ) && is_credentials_problem(&chain)
    {
        return DiscoveryError::Aws {
            operation,
            message: credentials_hint(&chain),
        };
    }
    let mut message = match (err.code(), err.message()) {
        (Some(code), Some(msg)) => format!("{code}: {}", one_line(msg)),
        (Some(code), None) => code.to_owned(),
        _ => one_line(&chain),
    };
    let hint = match err {
        SdkError::ServiceError(_) => err
            .code()
            .and_then(|code| hint_for_code(operation, code, err.message().unwrap_or_default())),
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => Some(
            "Elastic Load Balancing could not be reached: check the network, the region and \
             --endpoint-url (and the credentials if a proxy or VPC endpoint requires them)."
                .to_owned(),
        ),
        SdkError::ConstructionFailure(_) => Some(format!(
            "The request could not be built, usually because no region or no credentials are \
             configured: {CHECK}."
        )),
        _ => None,
    };
    if let Some(hint) = hint {
        let kept = message.trim_end_matches(['.', ' ']).len();
        message.truncate(kept);
        message.push_str(". ");
        message.push_str(&hint);
    }
    DiscoveryError::Aws { operation, message }
}

/// An answer that lacks something cortex-net cannot do without.
pub(crate) fn incomplete(operation: &'static str, what: &str) -> DiscoveryError {
    DiscoveryError::Aws {
        operation,
        message: format!(
            "the answer lacked the load balancer's {what}, so it cannot be used; retry, and \
             check --endpoint-url if it points at an emulator"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LoadBalancerKind;
    use aws_sdk_elasticloadbalancingv2::operation::describe_load_balancers::DescribeLoadBalancersError;
    use aws_smithy_types::error::ErrorMetadata;

    fn service_error(code: &str, msg: &str) -> SdkError<DescribeLoadBalancersError, ()> {
        let meta = ErrorMetadata::builder().code(code).message(msg).build();
        SdkError::service_error(DescribeLoadBalancersError::generic(meta), ())
    }

    #[test]
    fn access_denied_gets_code_message_and_hint() {
        let e = aws_error(
            "DescribeLoadBalancers",
            &service_error("AccessDenied", "User: x is not authorized"),
        );
        let text = e.to_string();
        assert!(
            text.starts_with("The AWS call DescribeLoadBalancers failed: AccessDenied: User: x"),
            "{text}"
        );
        assert!(
            text.contains("IAM action `elasticloadbalancing:DescribeLoadBalancers`"),
            "{text}"
        );
        assert!(text.contains("`cortex-net iam-policy`"), "{text}");
    }

    #[test]
    fn classic_operations_name_the_shared_iam_action() {
        let text = aws_error(
            "DescribeTags (classic ELB)",
            &service_error("AccessDenied", "no"),
        )
        .to_string();
        assert!(
            text.contains("IAM action `elasticloadbalancing:DescribeTags`"),
            "{text}"
        );
    }

    #[test]
    fn no_credentials_says_how_to_set_them_not_that_aws_is_unreachable() {
        // What the default credential chain reports when nothing supplies credentials: the SDK
        // wraps it as a dispatch failure.
        let chain = "the credential provider was not enabled: no credentials found in chain. \
                     Attempted:\n  Environment: the credential provider was not enabled";
        let err: SdkError<DescribeLoadBalancersError, ()> = SdkError::dispatch_failure(
            aws_sdk_elasticloadbalancingv2::error::ConnectorError::other(chain.into(), None),
        );
        let text = aws_error("DescribeLoadBalancers", &err).to_string();
        assert!(
            text.starts_with(
                "The AWS call DescribeLoadBalancers failed: no AWS credentials were found"
            ),
            "{text}"
        );
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
        assert!(!text.contains('\n'), "{text}");
    }

    #[test]
    fn invalid_credentials_hint_at_partition_and_region() {
        let text = aws_error(
            "DescribeLoadBalancers",
            &service_error(
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
            ),
        )
        .to_string();
        assert!(text.contains("another partition"), "{text}");
        assert!(text.contains("--region"), "{text}");
        assert!(!text.contains(".."), "{text}");
    }

    #[test]
    fn an_arn_of_another_region_is_named() {
        let text = DiscoveryError::NoSuchLoadBalancer {
            name_or_arn:
                "arn:aws-cn:elasticloadbalancing:cn-north-1:123456789012:loadbalancer/net/a/b"
                    .into(),
        }
        .to_string();
        assert!(
            text.contains("region `cn-north-1` of partition `aws-cn`"),
            "{text}"
        );
        let text = DiscoveryError::NoSuchLoadBalancer {
            name_or_arn: "my-nlb".into(),
        }
        .to_string();
        assert!(!text.contains("partition"), "{text}");
        let text = aws_error(
            "DescribeLoadBalancers",
            &service_error(
                "ValidationError",
                "'arn:aws:x' is not a valid load balancer ARN",
            ),
        )
        .to_string();
        assert!(text.contains("region and partition"), "{text}");
    }

    #[test]
    fn expired_and_throttled_get_their_hints() {
        let text = aws_error("DescribeTags", &service_error("ExpiredToken", "expired")).to_string();
        assert!(text.contains("have expired"), "{text}");
        assert!(text.contains("aws sso login"), "{text}");
        let text = aws_error(
            "DescribeTags",
            &service_error("Throttling", "Rate exceeded"),
        )
        .to_string();
        assert!(text.contains("throttling"), "{text}");
        assert!(text.contains("after the SDK's retries"), "{text}");
    }

    #[test]
    fn other_service_errors_get_no_hint() {
        let text = aws_error("DescribeTags", &service_error("ValidationError", "bad")).to_string();
        assert_eq!(
            text,
            "The AWS call DescribeTags failed: ValidationError: bad"
        );
    }

    #[test]
    fn construction_failure_mentions_region() {
        let err: SdkError<DescribeLoadBalancersError, ()> =
            SdkError::construction_failure("no region");
        let text = aws_error("DescribeLoadBalancers", &err).to_string();
        assert!(text.contains("no region"), "{text}");
        assert!(text.contains("region"), "{text}");
        assert!(text.contains("--endpoint-url"), "{text}");
    }

    #[test]
    fn timeouts_get_the_connection_hint() {
        let err: SdkError<DescribeLoadBalancersError, ()> =
            SdkError::timeout_error("operation timed out.");
        let text = aws_error("DescribeLoadBalancers", &err).to_string();
        assert!(
            text.contains("timed out. Elastic Load Balancing could not be reached"),
            "{text}"
        );
        assert!(text.contains("--endpoint-url"), "{text}");
    }

    #[test]
    fn ambiguous_lists_every_candidate_and_the_way_out() {
        let e = DiscoveryError::Ambiguous {
            cluster: "a".into(),
            candidates: vec![
                Candidate {
                    name: "n1".into(),
                    arn: Some("arn:1".into()),
                    kind: LoadBalancerKind::Network,
                },
                Candidate {
                    name: "c1".into(),
                    arn: None,
                    kind: LoadBalancerKind::Classic,
                },
            ],
        };
        let text = e.to_string();
        assert!(text.starts_with("2 load balancers are tagged"), "{text}");
        assert!(text.contains("`n1` (network, arn:1)"), "{text}");
        assert!(text.contains("`c1` (classic ELB"), "{text}");
        assert!(text.contains("load_balancer: <name or ARN>"), "{text}");
        assert!(text.contains("--load-balancer"), "{text}");
    }

    #[test]
    fn not_found_says_what_was_examined_and_looked_for() {
        let text = DiscoveryError::NotFound {
            cluster: "a".into(),
            examined: 7,
        }
        .to_string();
        assert!(text.contains("none of the 7 load balancers"), "{text}");
        assert!(text.contains("`cortex.dev/cluster-name=a`"), "{text}");
        assert!(text.contains("`kubernetes.io/cluster/a`"), "{text}");
        assert!(text.contains("load_balancer: <name or ARN>"), "{text}");
        assert!(text.ends_with('.'), "{text}");
    }
}
