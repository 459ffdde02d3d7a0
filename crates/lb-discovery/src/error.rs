//! What can go wrong, in sentences a user can act on: the CLI prints these as they are. AWS
//! failures are [`gw_core::AwsError`]s, with the advice only load balancer discovery can give.

use gw_core::AwsError;

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

    /// An AWS call failed; its `Display` says what to do.
    #[error(transparent)]
    Aws(Box<AwsError>),

    /// AWS described a load balancer without something cortex-net cannot do without.
    #[error(
        "The AWS call {operation} failed: the answer lacked the load balancer's {missing}, so it \
         cannot be used; retry, and check --endpoint-url if it points at an emulator"
    )]
    Incomplete {
        /// The call, e.g. `DescribeLoadBalancers (classic ELB)`.
        operation: &'static str,
        /// The missing field, e.g. `DNS name`.
        missing: &'static str,
    },
}

/// Every AWS failure of discovery's calls, with the advice [`AwsError`] does not give itself.
impl From<AwsError> for DiscoveryError {
    fn from(error: AwsError) -> Self {
        DiscoveryError::Aws(Box::new(with_discovery_hint(error)))
    }
}

/// Codes of a refused permission, after which the hint lists what discovery needs.
const ACCESS_DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
];

/// Codes of a refused request, after which an ARN in the message points at `load_balancer`.
const INVALID_REQUEST: &[&str] = &["ValidationError", "InvalidConfigurationRequest"];

/// The load balancer-specific advice: the three actions discovery needs, or that
/// `load_balancer` takes an ARN of the cluster's region and partition, or a name.
fn with_discovery_hint(error: AwsError) -> AwsError {
    let has_any = |codes: &[&str]| codes.iter().any(|code| error.has_code(code));
    if has_any(ACCESS_DENIED) {
        error.with_hint(
            "cortex-net needs elasticloadbalancing:DescribeLoadBalancers, DescribeTags and \
             DescribeListeners to find the load balancer",
        )
    } else if has_any(INVALID_REQUEST) && error.message.to_ascii_lowercase().contains("arn") {
        error.with_hint(
            "Check that `load_balancer` (cortex-net.yaml or --load-balancer) is an ARN of the \
             cluster's region and partition, or give the load balancer's name",
        )
    } else {
        error
    }
}

fn list_candidates(candidates: &[Candidate]) -> String {
    candidates
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Text from the configuration on one line, control characters escaped, cut to a readable
/// length.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::LoadBalancerKind;
    use aws_sdk_elasticloadbalancingv2::error::SdkError;
    use aws_sdk_elasticloadbalancingv2::operation::describe_load_balancers::DescribeLoadBalancersError;
    use aws_smithy_types::error::ErrorMetadata;

    /// What discovery reports when elbv2's DescribeLoadBalancers answers `code: message`.
    fn failed(code: &str, message: &str) -> String {
        let meta = ErrorMetadata::builder().code(code).message(message).build();
        let err: SdkError<DescribeLoadBalancersError, ()> =
            SdkError::service_error(DescribeLoadBalancersError::generic(meta), ());
        DiscoveryError::from(aws_calls::aws_error("DescribeLoadBalancers", &err)).to_string()
    }

    #[test]
    fn access_denied_names_the_action_and_what_discovery_needs() {
        let text = failed("AccessDenied", "User: x is not authorized");
        assert!(
            text.starts_with("DescribeLoadBalancers failed: AccessDenied: User: x"),
            "{text}"
        );
        assert!(
            text.contains("IAM action `elasticloadbalancing:DescribeLoadBalancers`"),
            "{text}"
        );
        assert!(text.contains("`cortex-net iam-policy`"), "{text}");
        assert!(
            text.contains("needs elasticloadbalancing:DescribeLoadBalancers, DescribeTags and"),
            "{text}"
        );
    }

    #[test]
    fn classic_operations_name_the_shared_iam_action() {
        use aws_sdk_elasticloadbalancing::operation::describe_tags::DescribeTagsError;
        let meta = ErrorMetadata::builder()
            .code("AccessDenied")
            .message("no")
            .build();
        let err: SdkError<DescribeTagsError, ()> =
            SdkError::service_error(DescribeTagsError::generic(meta), ());
        let text = DiscoveryError::from(aws_calls::aws_error("DescribeTags", &err)).to_string();
        assert!(
            text.contains("IAM action `elasticloadbalancing:DescribeTags`"),
            "{text}"
        );
    }

    #[test]
    fn an_arn_refused_points_at_load_balancer() {
        let text = failed(
            "ValidationError",
            "'arn:aws:x' is not a valid load balancer ARN",
        );
        assert!(text.contains("region and partition"), "{text}");
        assert!(text.contains("give the load balancer's name"), "{text}");
        assert!(!text.contains(".."), "{text}");
    }

    #[test]
    fn other_service_errors_get_no_hint() {
        assert_eq!(
            failed("ValidationError", "bad"),
            "DescribeLoadBalancers failed: ValidationError: bad"
        );
    }

    #[test]
    fn an_incomplete_answer_names_the_call_and_the_field() {
        let text = DiscoveryError::Incomplete {
            operation: "DescribeLoadBalancers (classic ELB)",
            missing: "DNS name",
        }
        .to_string();
        assert_eq!(
            text,
            "The AWS call DescribeLoadBalancers (classic ELB) failed: the answer lacked the load \
             balancer's DNS name, so it cannot be used; retry, and check --endpoint-url if it \
             points at an emulator"
        );
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
