//! Applies a plan to apigatewayv2, change by change, in the plan's order (which is the order
//! of execution: [`gw_core::diff`] decided it). Each resource kind has its own module.

mod api;
mod domain;
mod integration;
mod link;
mod route;
mod stage;

use aws_sdk_apigatewayv2::Client;
use gw_core::{
    AwsError, Change, DesiredGateway, Observed, Ownership, Plan, Progress, ProviderError,
    ResourceKind,
};
use std::collections::HashMap;

/// Everything one `apply` works with: the client, who owns what it makes, the desired gateway
/// and the ids known so far.
pub(crate) struct Context<'a> {
    client: &'a Client,
    progress: &'a dyn Progress,
    owner: &'a Ownership,
    /// `None` when removing everything.
    desired: Option<&'a DesiredGateway>,
    ids: Ids,
}

/// Ids known while applying: observed ones, then those of resources created along the way.
#[derive(Debug, Default)]
struct Ids {
    api: Option<String>,
    /// Integration name (the route it serves) -> id, inside the kept API only.
    integrations: HashMap<String, String>,
    /// VPC link name -> id.
    links: HashMap<String, String>,
}

impl Ids {
    /// The kept API and links (duplicates resolve the way the diff resolved them), and only
    /// the integrations inside that API.
    fn from_observed(desired: Option<&DesiredGateway>, observed: &Observed) -> Self {
        let links = observed
            .kept(ResourceKind::VpcLink)
            .map(|l| (l.resource.name.clone(), l.id.clone()))
            .collect();
        let Some(api) = desired.and_then(|d| observed.find(ResourceKind::Api, &d.name)) else {
            return Ids {
                links,
                ..Ids::default()
            };
        };
        Ids {
            api: Some(api.id.clone()),
            integrations: observed
                .children(&api.id, ResourceKind::Integration)
                .map(|i| (i.resource.name.clone(), i.id.clone()))
                .collect(),
            links,
        }
    }
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        client: &'a Client,
        progress: &'a dyn Progress,
        owner: &'a Ownership,
        desired: Option<&'a DesiredGateway>,
        observed: &Observed,
    ) -> Self {
        Context {
            client,
            progress,
            owner,
            desired,
            ids: Ids::from_observed(desired, observed),
        }
    }

    /// The desired gateway, which every change but a deletion needs.
    fn desired(&self, change: &Change) -> Result<&'a DesiredGateway, ProviderError> {
        self.desired.ok_or_else(|| {
            ProviderError::Unexpected(format!(
                "a plan without a desired gateway asks to {:?} {}",
                change.action, change.kind
            ))
        })
    }

    /// The id of the API the changes go into: observed, or created earlier in this run.
    fn api_id(&self) -> Result<&str, ProviderError> {
        required(&self.ids.api, "the API")
    }

    /// Applies `plan` in the order given, stopping at the first failure.
    pub(crate) async fn apply(&mut self, plan: &Plan) -> Result<(), ProviderError> {
        for change in &plan.changes {
            match change.kind {
                ResourceKind::VpcLink => link::apply(self, change).await?,
                ResourceKind::Api => api::apply(self, change).await?,
                ResourceKind::Integration => integration::apply(self, change).await?,
                ResourceKind::Route => route::apply(self, change).await?,
                ResourceKind::Stage => stage::apply(self, change).await?,
                ResourceKind::DomainName => domain::apply_domain(self, change).await?,
                ResourceKind::ApiMapping => domain::apply_mapping(self, change).await?,
                other @ (ResourceKind::Resource
                | ResourceKind::Method
                | ResourceKind::Deployment) => {
                    return Err(ProviderError::Unexpected(format!(
                        "the HTTP API provider does not manage {other} resources"
                    )));
                }
            }
            tracing::info!("{change}");
        }
        Ok(())
    }
}

/// Creates are sent once: an unknown outcome is settled by observing again (aws_calls::CreateOnce).
fn create_once() -> aws_sdk_apigatewayv2::config::Builder {
    aws_sdk_apigatewayv2::Config::builder().retry_classifier(aws_calls::CreateOnce)
}

fn required<'a>(value: &'a Option<String>, what: &str) -> Result<&'a str, ProviderError> {
    value
        .as_deref()
        .ok_or_else(|| ProviderError::Unexpected(format!("no id known for {what}")))
}

/// The parent a child is deleted through: it comes with the change, never from a look-up by
/// id (a stage's id is its name, the same in every API).
fn parent_api(change: &Change) -> Result<&str, ProviderError> {
    required(&change.parent, "the API of the resource to delete")
}

/// The id of the resource a change updates or deletes.
fn change_id<'a>(change: &'a Change, what: &str) -> Result<&'a str, ProviderError> {
    required(&change.id, what)
}

/// A deletion whose target is already gone (a concurrent or interrupted run) reached its goal.
fn gone_is_done(result: Result<(), AwsError>) -> Result<(), ProviderError> {
    match result {
        Err(error) if !error.is_not_found() => Err(error.into()),
        Ok(()) | Err(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests;
