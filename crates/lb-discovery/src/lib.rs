//! Find the load balancer in front of a Cortex cluster's API, so that cortex-net can put an
//! API Gateway in front of it.
//!
//! [`Discovery::discover`] lists every elbv2 (network, application, gateway) and classic load
//! balancer of the account and region, reads their tags, and returns the single one tagged as
//! the cluster's API load balancer (see [`tags`] for the rules). [`Discovery::lookup`] checks a
//! load balancer named by hand. Both fill in its listeners. Both Elastic Load Balancing APIs
//! go through one walk (describe every load balancer, then their tags 20 at a time), the two
//! walks side by side; an AWS failure is a [`gw_core::AwsError`] inside
//! [`DiscoveryError::Aws`] (elbv2's first when both fail).
//!
//! ```
//! use aws_sdk_elasticloadbalancing as elb;
//! use aws_sdk_elasticloadbalancingv2 as elbv2;
//! use aws_smithy_mocks::{RuleMode, mock, mock_client};
//! use elbv2::operation::describe_listeners::DescribeListenersOutput;
//! use elbv2::operation::describe_load_balancers::DescribeLoadBalancersOutput;
//! use elbv2::operation::describe_tags::DescribeTagsOutput;
//! use elbv2::types::{Listener, LoadBalancer, LoadBalancerTypeEnum, ProtocolEnum};
//! use elbv2::types::{Tag, TagDescription};
//! use lb_discovery::{Discovery, LoadBalancerKind};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), lb_discovery::DiscoveryError> {
//! // An account with one network load balancer, tagged as cluster `prod`'s API load balancer,
//! // and no classic ELB: mocked clients stand in for AWS.
//! const ARN: &str =
//!     "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/api/0123";
//! let list = mock!(elbv2::Client::describe_load_balancers).then_output(|| {
//!     let nlb = LoadBalancer::builder()
//!         .load_balancer_arn(ARN)
//!         .load_balancer_name("api")
//!         .dns_name("api-0123.elb.us-east-1.amazonaws.com")
//!         .r#type(LoadBalancerTypeEnum::Network)
//!         .build();
//!     DescribeLoadBalancersOutput::builder().load_balancers(nlb).build()
//! });
//! let tags = mock!(elbv2::Client::describe_tags).then_output(|| {
//!     let tag = |key, value| Tag::builder().key(key).value(value).build();
//!     let tagged = TagDescription::builder()
//!         .resource_arn(ARN)
//!         .tags(tag("cortex.dev/cluster-name", "prod"))
//!         .tags(tag("cortex.dev/load-balancer", "api"))
//!         .build();
//!     DescribeTagsOutput::builder().tag_descriptions(tagged).build()
//! });
//! let listeners = mock!(elbv2::Client::describe_listeners).then_output(|| {
//!     let tcp = Listener::builder().port(80).protocol(ProtocolEnum::Tcp).build();
//!     DescribeListenersOutput::builder().listeners(tcp).build()
//! });
//! let no_classic = mock!(elb::Client::describe_load_balancers).then_output(|| {
//!     elb::operation::describe_load_balancers::DescribeLoadBalancersOutput::builder().build()
//! });
//! let rules = [&list, &tags, &listeners];
//! let discovery = Discovery::new(
//!     mock_client!(aws_sdk_elasticloadbalancingv2, RuleMode::MatchAny, rules),
//!     mock_client!(aws_sdk_elasticloadbalancing, RuleMode::MatchAny, [&no_classic]),
//! );
//!
//! let lb = discovery.discover("prod").await?;
//! assert_eq!((lb.name.as_str(), lb.kind), ("api", LoadBalancerKind::Network));
//! assert_eq!((lb.listeners[0].port, lb.listeners[0].protocol.as_str()), (80, "TCP"));
//! assert!(lb.owned_by_cluster);
//!
//! // Another cluster's name finds nothing, and says how to name the load balancer instead.
//! let err = discovery.discover("staging").await.unwrap_err();
//! assert!(err.to_string().contains("--load-balancer <name or ARN>"));
//! # Ok(())
//! # }
//! ```
//!
//! What this crate must never do:
//! - pick a load balancer of another cluster: names are compared exactly (`a` is not `a-2`), a
//!   load balancer whose tags name any other cluster is never chosen nor accepted, and when
//!   more than one matches it reports them all rather than guess;
//! - write to AWS: it makes only `Describe*` calls.

mod classic;
mod discovery;
mod elbv2;
mod error;
mod model;
pub mod tags;
mod walk;

#[cfg(test)]
mod fake;
#[cfg(test)]
mod tests;

pub use discovery::Discovery;
pub use error::DiscoveryError;
pub use model::{Candidate, Listener, LoadBalancer, LoadBalancerKind};
