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
//! It also owns [`describe_sdk_error`], so that every crate turns AWS failures into the same
//! actionable sentences.
//!
//! This crate must never talk to AWS itself, and must never let a change through that deletes a
//! resource lacking our ownership tags: [`diff`] only ever plans deletions of observed resources,
//! and providers only observe what [`Ownership::owns`] accepts.

mod aws_error;
mod desired;
mod diff;
mod ownership;
mod plan;
mod progress;
mod provider;
mod retry;

pub use aws_error::{
    CREDENTIALS_FIX, arn_mismatch, describe_sdk_error, error_chain, iam_action, is_quota_exceeded,
    partition_of,
};
pub use desired::{
    Backend, BackendKind, Cors, DesiredGateway, DomainSpec, EndpointType, RouteSpec, VpcLinkSpec,
    VpcLinkVersion,
};
pub use diff::diff;
pub use ownership::{CLUSTER_TAG, GATEWAY_TAG, MANAGED_BY_TAG, MANAGED_BY_VALUE, Ownership};
pub use plan::{Action, Change, Plan, ResourceKind};
pub use progress::{LogProgress, Progress};
pub use provider::{
    CustomDomain, DnsRecord, GatewayInfo, GatewayProvider, Observed, ObservedResource,
    ProviderError, Resource,
};
pub use retry::{CreateOnce, is_unsettled};
