//! Find the load balancer in front of a Cortex cluster's API, so that cortex-net can put an
//! API Gateway in front of it.
//!
//! [`Discovery::discover`] lists every elbv2 (network, application, gateway) and classic load
//! balancer of the account and region, reads their tags, and returns the single one tagged as
//! the cluster's API load balancer (see [`tags`] for the rules). [`Discovery::lookup`] checks a
//! load balancer named by hand. Both fill in its listeners.
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

#[cfg(test)]
mod fake;
#[cfg(test)]
mod tests;

pub use discovery::Discovery;
pub use error::DiscoveryError;
pub use model::{Candidate, Listener, LoadBalancer, LoadBalancerKind};
