//! Applies a plan to apigatewayv2 in the plan's order (which is the order of execution:
//! [`gw_core::diff`] decided it). Each resource kind has its own module.
//!
//! Changes of one kind in one phase that do not depend on each other (the routes, once the
//! integration exists; their deletions; the deletions of integrations) are sent side by side,
//! ([`beside`]); every other change is sent alone, in order, after its token from the account's
//! budget ([`aws_calls::Quotas`]).

mod api;
mod authorizer;
mod beside;
mod domain;
mod integration;
mod link;
mod route;
mod stage;

use aws_calls::Quotas;
use aws_sdk_apigatewayv2::Client;
use gw_core::{
    Action, AwsError, Change, DesiredGateway, Observed, Ownership, Plan, Progress, ProviderError,
    Resource, ResourceKind,
};
use std::collections::HashMap;

#[cfg(test)]
use beside::IN_FLIGHT;

/// Everything one `apply` works with: the client, who owns what it makes, the desired gateway
/// and the ids known so far.
pub(crate) struct Context<'a> {
    client: &'a Client,
    progress: &'a dyn Progress,
    quotas: &'a Quotas,
    owner: &'a Ownership,
    /// `None` when removing everything.
    desired: Option<&'a DesiredGateway>,
    ids: Ids,
    /// The kept API's stages as observed, by name: what a stage update changes from.
    stages: HashMap<String, Resource>,
    /// The kept API's routes as observed, by id: what a route update changes from.
    routes: HashMap<String, Resource>,
}

/// Ids known while applying: observed ones, then those of resources created along the way.
#[derive(Debug, Default)]
struct Ids {
    api: Option<String>,
    /// Integration name -> id, inside the kept API only.
    integrations: HashMap<String, String>,
    /// Authorizer name -> id, inside the kept API only.
    authorizers: HashMap<String, String>,
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
        let names = |kind| {
            observed
                .children(&api.id, kind)
                .map(|child| (child.resource.name.clone(), child.id.clone()))
                .collect()
        };
        Ids {
            api: Some(api.id.clone()),
            integrations: names(ResourceKind::Integration),
            authorizers: names(ResourceKind::Authorizer),
            links,
        }
    }
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        provider: &'a crate::HttpApiProvider,
        owner: &'a Ownership,
        desired: Option<&'a DesiredGateway>,
        observed: &Observed,
    ) -> Self {
        Context {
            client: &provider.client,
            progress: provider.progress.as_ref(),
            quotas: &provider.quotas,
            owner,
            desired,
            ids: Ids::from_observed(desired, observed),
            stages: kept_children(desired, observed, ResourceKind::Stage)
                .map(|stage| (stage.resource.name.clone(), stage.resource.clone()))
                .collect(),
            routes: kept_children(desired, observed, ResourceKind::Route)
                .map(|route| (route.id.clone(), route.resource.clone()))
                .collect(),
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

    /// Applies `plan` in the order given, stopping at the first failure, and reports each change
    /// sent (its result and duration) to the provider's [`Progress`]. A run of changes that
    /// [`beside::side_by_side`] allows goes out concurrently.
    pub(crate) async fn apply(&mut self, plan: &Plan) -> Result<(), ProviderError> {
        let mut rest = plan.changes.as_slice();
        while let Some(first) = rest.first() {
            let together = rest
                .iter()
                .take_while(|c| beside::side_by_side(first, c))
                .count();
            if together == 0 {
                // The wait for the budget's token is part of what the change took.
                let progress = self.progress;
                let alone = async {
                    self.quotas.acquire(&operation(first)).await;
                    self.apply_one(first).await
                };
                progress.reported(first, alone).await?;
                rest = &rest[1..];
            } else {
                self.apply_together(&rest[..together]).await?;
                rest = &rest[together..];
            }
        }
        Ok(())
    }

    async fn apply_one(&mut self, change: &Change) -> Result<(), ProviderError> {
        match change.kind {
            ResourceKind::VpcLink => link::apply(self, change).await,
            ResourceKind::Api => api::apply(self, change).await,
            ResourceKind::Integration => integration::apply(self, change).await,
            ResourceKind::Authorizer => authorizer::apply(self, change).await,
            // Routes always go through `apply_together`, even one alone.
            ResourceKind::Route => route::apply(self, change).await,
            ResourceKind::Stage => stage::apply(self, change).await,
            ResourceKind::DomainName => domain::apply_domain(self, change).await,
            ResourceKind::ApiMapping => domain::apply_mapping(self, change).await,
            other @ (ResourceKind::Resource
            | ResourceKind::Method
            | ResourceKind::Deployment
            | ResourceKind::ApiKey
            | ResourceKind::UsagePlan) => Err(ProviderError::Unexpected(format!(
                "the HTTP API provider does not manage {other} resources"
            ))),
        }
    }
}

/// The children of one kind of the API the changes go into, as observed.
fn kept_children<'a>(
    desired: Option<&DesiredGateway>,
    observed: &'a Observed,
    kind: ResourceKind,
) -> impl Iterator<Item = &'a gw_core::ObservedResource> {
    let api = desired.and_then(|d| observed.find(ResourceKind::Api, &d.name));
    api.into_iter()
        .flat_map(move |api| observed.children(&api.id, kind))
}

/// The API Gateway operation a change is sent as, for the account's budget: `CreateRoute`,
/// `UpdateIntegration`, `DeleteApi` ... (a replace updates, or deletes and creates: one token
/// either way, as only the shared rate applies to them).
fn operation(change: &Change) -> String {
    let verb = match change.action {
        Action::Create => "Create",
        Action::Update | Action::Replace => "Update",
        Action::Delete => "Delete",
    };
    let noun = match change.kind {
        ResourceKind::VpcLink => "VpcLink",
        ResourceKind::Api => "Api",
        ResourceKind::Integration => "Integration",
        ResourceKind::Route => "Route",
        ResourceKind::Stage => "Stage",
        ResourceKind::DomainName => "DomainName",
        ResourceKind::ApiMapping => "ApiMapping",
        ResourceKind::Authorizer => "Authorizer",
        ResourceKind::ApiKey => "ApiKey",
        ResourceKind::UsagePlan => "UsagePlan",
        ResourceKind::Resource | ResourceKind::Method | ResourceKind::Deployment => "",
    };
    format!("{verb}{noun}")
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
