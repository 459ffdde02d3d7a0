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
        "No load balancer with the name or ARN `{name_or_arn}` exists in this account and \
         region (network, application and classic load balancers were searched). Check the \
         spelling and the region; `load_balancer:` in cortex-net.yaml and `--load-balancer` \
         take the load balancer's name or ARN, not its DNS name."
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

fn hint_for_code(code: &str) -> Option<String> {
    match code {
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => Some(format!(
            "The credentials in use are not allowed to describe load balancers (cortex-net \
             needs elasticloadbalancing:Describe*): {CHECK}."
        )),
        "ExpiredToken"
        | "ExpiredTokenException"
        | "RequestExpired"
        | "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "InvalidAccessKeyId"
        | "SignatureDoesNotMatch"
        | "AuthFailure"
        | "IncompleteSignature"
        | "MissingAuthenticationToken" => Some(format!(
            "The credentials are expired or not valid: refresh them (for example `aws sso \
             login`), then {CHECK}."
        )),
        "Throttling"
        | "ThrottlingException"
        | "RequestLimitExceeded"
        | "TooManyRequestsException" => Some(format!(
            "AWS is throttling this account's Elastic Load Balancing calls: wait a minute \
                 and retry (AWS_MAX_ATTEMPTS raises the number of attempts); if it persists, {CHECK}."
        )),
        _ => None,
    }
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
    let mut message = match (err.code(), err.message()) {
        (Some(code), Some(msg)) => format!("{code}: {msg}"),
        (Some(code), None) => code.to_owned(),
        _ => error_chain(err),
    };
    let hint = match err {
        SdkError::ServiceError(_) => err.code().and_then(hint_for_code),
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
    use crate::model::LbKind;
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
        assert!(text.contains("elasticloadbalancing:Describe*"), "{text}");
        assert!(text.contains("--endpoint-url"), "{text}");
    }

    #[test]
    fn expired_and_throttled_get_their_hints() {
        let text = aws_error("DescribeTags", &service_error("ExpiredToken", "expired")).to_string();
        assert!(text.contains("expired or not valid"), "{text}");
        let text = aws_error(
            "DescribeTags",
            &service_error("Throttling", "Rate exceeded"),
        )
        .to_string();
        assert!(text.contains("throttling"), "{text}");
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
                    kind: LbKind::Network,
                },
                Candidate {
                    name: "c1".into(),
                    arn: None,
                    kind: LbKind::Classic,
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
