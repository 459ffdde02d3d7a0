//! The contract every gateway kind implements, and the data that flows through it.
//!
//! `gw-core` is what makes an HTTP API, a REST API, or a future gateway kind interchangeable
//! for the `cortex-net` binary:
//!
//! - [`DesiredGateway`]: what the configuration asks for, independent of any AWS API.
//! - [`Resource`] / [`Observed`]: one flat, comparable view of AWS resources, desired or found.
//! - [`Plan`] of typed [`Change`]s: computed by the pure function [`diff`], printable as text or
//!   JSON before anything is applied.
//! - [`GatewayProvider`]: the async trait a gateway kind implements (observe, describe the desired
//!   resources, apply a plan).
//! - [`Ownership`]: the tags that mark what cortex-net made for a cluster.
//!
//! - [`GatewayKind`] and the rest of the shared vocabulary ([`Scheme`], [`LoadBalancerKind`],
//!   [`EndpointType`]): one type per concept for every crate.
//! - [`Protection`] and [`RouteProtection`]: who may call each API ([`Auth`]), how fast
//!   ([`Throttle`], [`Quota`]), with which keys, and where requests are logged; key values only
//!   as [`SecretValue`], which never prints.
//! - [`AwsError`]: a failed AWS call as data, whose `Display` is the sentence with the fix, so
//!   that every crate reports AWS failures the same way (`aws-calls` builds it from SDK errors).
//!
//! ```
//! use gw_core::{Action, Observed, Resource, ResourceKind, attr, diff};
//!
//! // What a provider wants, and what it found: here, nothing yet.
//! let desired = [
//!     Resource::new(ResourceKind::Api, "cortex-prod"),
//!     Resource::new(ResourceKind::Route, "ANY /{proxy+}").with(attr::TARGET, "ANY /{proxy+}"),
//! ];
//! let plan = diff(&desired, &Observed::default());
//! assert_eq!(plan.count(Action::Create), 2);
//! assert_eq!(plan.summary(), "2 to create, 0 to update, 0 to delete");
//! ```
//!
//! This crate must never talk to AWS itself (nor depend on the SDK), and must never let a change through that deletes a
//! resource lacking our ownership tags: [`diff`] only ever plans deletions of observed resources,
//! and providers only observe what [`Ownership::owns`] accepts.

pub mod attr;
mod aws_error;
mod desired;
mod diff;
mod kind;
mod ownership;
mod plan;
mod progress;
mod protection;
mod provider;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use aws_error::{
    AwsError, CREDENTIALS_FIX, Cause, apigateway_arn, arn_mismatch, error_chain, iam_action,
    partition_of,
};
pub use desired::{Backend, Cors, DesiredGateway, DomainSpec, RouteSpec, VpcLinkSpec};
pub use diff::diff;
pub use kind::{
    EndpointType, GatewayKind, LoadBalancerKind, ParseEnumError, Scheme, VpcLinkVersion, one_of,
};
pub use ownership::{
    CLUSTER_TAG, GATEWAY_TAG, MANAGED_BY_TAG, MANAGED_BY_VALUE, Ownership, STACK_TAG, stack_of,
};
pub use plan::{Action, Change, GOES_WITH_API, Plan, ResourceKind};
pub use progress::{LogProgress, Progress};
pub use protection::{
    ACCESS_LOG_FORMAT, AccessLog, ApiKeySpec, Auth, HTTP_ACCESS_LOG_FORMAT, JWT_AUTHORIZER,
    JwtAuthorizer, KeySource, Protection, Quota, QuotaPeriod, RouteProtection, SecretValue,
    Throttle, UsagePlanSpec,
};
pub use provider::{
    CustomDomain, DnsRecord, GatewayInfo, GatewayProvider, Health, LinkHealth, Observed,
    ObservedResource, ProviderError, Resource,
};
