//! VPC links: how an API Gateway reaches a load balancer that is not on the internet.
//!
//! - v1 (`apigateway CreateVpcLink`): REST APIs to a Network Load Balancer, by its ARN.
//! - v2 (`apigatewayv2 CreateVpcLink`): HTTP APIs (the only kind they have), and REST APIs to
//!   an NLB or ALB through `integrationTarget`; made from the load balancer's subnets and
//!   security groups.
//!
//! What is here:
//! - [`choose`]: which version a gateway needs, or why the requested one cannot work.
//! - [`VpcLinkApi`]: the calls both versions offer (list, get, create, delete), implemented once
//!   for each SDK client, each turning AWS's answer into the same [`Link`]; [`links`]: the logic
//!   over them, written once (which links are owned, in which order, a missing link, the hint
//!   when a link still in use cannot be deleted, waiting, deleting and waiting).
//! - [`v1`] and [`v2`]: `find_owned`, `create`, `get`, `delete`, `wait_available`,
//!   `wait_deleted`, `delete_and_wait`, bound to one client.
//! - [`wait_available`] and [`wait_deleted`]: polling with exponential backoff (2 s doubling up
//!   to 30 s), bounded by [`WaitOptions::timeout`] (`gateway.vpc_link_timeout_seconds`),
//!   reporting every poll to a [`gw_core::Progress`].
//! - [`observed`]: the one place a [`Link`] becomes the [`gw_core::ObservedResource`] the
//!   providers report, and [`health`], how `doctor` reads it back.
//!
//! Invariants (what must never happen):
//! - **Never a second link for a cluster.** A link takes minutes to become `AVAILABLE` and
//!   costs network interfaces; callers call `find_owned` first and create only when it finds
//!   nothing. For that to work across runs, a link must carry both ownership tags
//!   ([`gw_core::Ownership`]) from the moment it exists: `create` sends them with the request
//!   and, for v1 (where some implementations drop create-time tags), reads them back and tags
//!   the link again when they did not stick. A link that cannot be tagged is reported with its
//!   id, so the user can remove it before re-running.
//! - **Never delete an untagged link.** `find_owned` returns only links carrying both ownership
//!   tags for this cluster; links of other clusters, and links someone else made (same name or
//!   not), are invisible to the plan and therefore never deleted. `delete` takes an id that
//!   must come from `find_owned`.
//! - **Never delete a link while integrations reference it.** AWS refuses (`BadRequestException`
//!   or `ConflictException`, "in use"); the order of deletion is the caller's, encoded once in
//!   [`gw_core::ResourceKind::deletion_rank`] (integrations and the API before the VPC link).
//!   [`wait_deleted`] only waits.
//! - Re-running is always safe: deleting a link already gone counts as done; a wait that timed
//!   out is resumed by the next `up`, which finds the same link by its tags and waits on it.
//! - No `unwrap`/`expect` on AWS data: a missing id is an [`LinkError::Unexpected`].
//!
//! Status handling ([`Status::is_usable`] decides, for waits, plans and `doctor` alike):
//! `PENDING` (and unknown statuses) keep waiting; `FAILED` stops with AWS's status message;
//! `DELETING` or a vanished link stop with an error; `INACTIVE` (a v2 link unused for 60 days,
//! whose network interfaces AWS removed) counts as usable, because AWS only reactivates it when
//! traffic resumes, so waiting would never end, and a plan has nothing to do about it.
//!
//! # Example
//!
//! The crate alone, with a mocked AWS: an HTTP API needs a v2 link; of the links AWS lists,
//! only the one tagged for this cluster's HTTP gateway is found, and its `INACTIVE` status is
//! usable.
//!
//! ```
//! use aws_sdk_apigatewayv2::operation::get_vpc_links::GetVpcLinksOutput;
//! use aws_sdk_apigatewayv2::types::{VpcLink, VpcLinkStatus};
//! use aws_smithy_mocks::{mock, mock_client};
//! use gw_core::{GatewayKind, LoadBalancerKind, Observed, Ownership, attr};
//!
//! let version = vpclink::choose(GatewayKind::Http, LoadBalancerKind::Network, None)?;
//! assert_eq!(version, vpclink::Version::V2);
//!
//! let owner = Ownership::new("prod").for_gateway(GatewayKind::Http);
//! let ours: std::collections::HashMap<_, _> = owner.tags().into_iter().collect();
//! let listing = mock!(aws_sdk_apigatewayv2::Client::get_vpc_links).then_output(move || {
//!     let link = |id: &str| VpcLink::builder().vpc_link_id(id).name("cortex-prod");
//!     GetVpcLinksOutput::builder()
//!         .items(link("ours").vpc_link_status(VpcLinkStatus::Inactive)
//!             .set_tags(Some(ours.clone())).build())
//!         .items(link("someone-elses").vpc_link_status(VpcLinkStatus::Available).build())
//!         .build()
//! });
//! let client = mock_client!(aws_sdk_apigatewayv2, [&listing]);
//!
//! let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! let links = runtime.block_on(vpclink::v2::find_owned(&client, &owner))?;
//! assert_eq!(links.len(), 1);
//! assert_eq!(links[0].id, "ours");
//!
//! // What the providers report: usable, so a plan leaves it alone; `doctor` shows INACTIVE.
//! let found = vpclink::observed(&links[0]);
//! assert_eq!(found.resource.attribute(attr::STATUS), Some("AVAILABLE"));
//! let health = vpclink::health(&Observed { resources: vec![found] });
//! assert_eq!((health[0].status.as_str(), health[0].usable), ("INACTIVE", true));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod link;
pub mod links;
mod observed;
mod sdk;
pub mod v1;
pub mod v2;
mod wait;

pub use gw_core::VpcLinkVersion as Version;
use gw_core::{GatewayKind, LoadBalancerKind};
pub use link::{Link, LinkError, Status};
pub use links::{NewLink, OwnedLink, VpcLinkApi, delete_and_wait};
pub use observed::{AWS_STATUS, STATUS_MESSAGE, health, observed, observed_owned};
pub use wait::{WaitOptions, wait_available, wait_deleted};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChoiceError {
    #[error(
        "HTTP APIs connect to private load balancers only through VPC link v2: set `gateway.vpc_link: v2` or remove it"
    )]
    HttpNeedsV2,
    #[error(
        "a REST API reaches an Application Load Balancer only through VPC link v2 (v1 links target Network Load Balancers): set `gateway.vpc_link: v2`"
    )]
    RestAlbNeedsV2,
    #[error(
        "API Gateway VPC links cannot target a classic load balancer: move the cluster's API load balancer to an NLB"
    )]
    Classic,
    #[error(
        "API Gateway VPC links cannot target a Gateway Load Balancer: point `load_balancer` at the cluster's API load balancer (an NLB)"
    )]
    GatewayLoadBalancer,
}

/// The VPC link version for a gateway and a load balancer: the requested one when it can work,
/// else the default (v1 for REST to an NLB, as Cortex's guide does; v2 for HTTP APIs).
pub fn choose(
    gateway: GatewayKind,
    target: LoadBalancerKind,
    requested: Option<Version>,
) -> Result<Version, ChoiceError> {
    match (gateway, target, requested) {
        (_, LoadBalancerKind::Classic, _) => Err(ChoiceError::Classic),
        (_, LoadBalancerKind::Gateway, _) => Err(ChoiceError::GatewayLoadBalancer),
        (GatewayKind::Http, _, Some(Version::V1)) => Err(ChoiceError::HttpNeedsV2),
        (GatewayKind::Http, _, _) => Ok(Version::V2),
        (GatewayKind::Rest, LoadBalancerKind::Application, Some(Version::V1)) => {
            Err(ChoiceError::RestAlbNeedsV2)
        }
        (GatewayKind::Rest, LoadBalancerKind::Application, _) => Ok(Version::V2),
        (GatewayKind::Rest, LoadBalancerKind::Network, requested) => {
            Ok(requested.unwrap_or(Version::V1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_gateway_kind() {
        assert_eq!(
            choose(GatewayKind::Rest, LoadBalancerKind::Network, None),
            Ok(Version::V1)
        );
        assert_eq!(
            choose(GatewayKind::Http, LoadBalancerKind::Network, None),
            Ok(Version::V2)
        );
        assert_eq!(
            choose(GatewayKind::Http, LoadBalancerKind::Application, None),
            Ok(Version::V2)
        );
        assert_eq!(
            choose(GatewayKind::Rest, LoadBalancerKind::Application, None),
            Ok(Version::V2)
        );
    }

    #[test]
    fn requests_that_can_work_are_honoured() {
        assert_eq!(
            choose(
                GatewayKind::Rest,
                LoadBalancerKind::Network,
                Some(Version::V2)
            ),
            Ok(Version::V2)
        );
        assert_eq!(
            choose(
                GatewayKind::Http,
                LoadBalancerKind::Network,
                Some(Version::V2)
            ),
            Ok(Version::V2)
        );
    }

    #[test]
    fn impossible_requests_are_refused_with_the_reason() {
        assert_eq!(
            choose(
                GatewayKind::Http,
                LoadBalancerKind::Network,
                Some(Version::V1)
            ),
            Err(ChoiceError::HttpNeedsV2)
        );
        assert_eq!(
            choose(
                GatewayKind::Rest,
                LoadBalancerKind::Application,
                Some(Version::V1)
            ),
            Err(ChoiceError::RestAlbNeedsV2)
        );
        assert_eq!(
            choose(GatewayKind::Rest, LoadBalancerKind::Classic, None),
            Err(ChoiceError::Classic)
        );
        assert!(
            ChoiceError::RestAlbNeedsV2
                .to_string()
                .contains("vpc_link: v2")
        );
    }
}
