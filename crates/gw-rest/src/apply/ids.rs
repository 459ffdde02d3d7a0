//! The ids `apply` needs along the way: those observed, then those of what it creates.

use super::{Context, required};
use crate::observe::{PAGE_SIZE, ROOT_ID_ATTRIBUTE};
use crate::resources::CURRENT_DEPLOYMENT;
use aws_calls::AwsResultExt;
use gw_core::{DesiredGateway, Observed, ProviderError, ResourceKind};
use std::collections::{HashMap, HashSet};

/// Ids known while applying: observed ones, then those of resources created along the way.
#[derive(Default)]
pub(super) struct Ids {
    pub api: Option<String>,
    pub root: Option<String>,
    /// Resource path -> id.
    pub resources: HashMap<String, String>,
    /// VPC link name -> id.
    pub links: HashMap<String, String>,
    /// The deployment the stage should serve.
    pub deployment: Option<String>,
    /// Stages that exist in our API.
    pub stages: HashSet<String>,
    /// Methods deleted in this run (their integrations went with them).
    pub deleted_methods: HashSet<String>,
}

impl Ids {
    pub(super) fn from_observed(desired: Option<&DesiredGateway>, observed: &Observed) -> Self {
        let mut ids = Ids::default();
        for link in observed.kept(ResourceKind::VpcLink) {
            ids.links
                .insert(link.resource.name.clone(), link.id.clone());
        }
        let Some(api) = desired.and_then(|d| observed.find(ResourceKind::Api, &d.name)) else {
            return ids;
        };
        ids.api = Some(api.id.clone());
        ids.root = api
            .resource
            .attribute(ROOT_ID_ATTRIBUTE)
            .map(str::to_string);
        let ours = |kind| observed.children(&api.id, kind);
        for resource in ours(ResourceKind::Resource) {
            ids.resources
                .insert(resource.resource.name.clone(), resource.id.clone());
        }
        for stage in ours(ResourceKind::Stage) {
            ids.stages.insert(stage.resource.name.clone());
        }
        ids.deployment = ours(ResourceKind::Deployment)
            .find(|d| d.resource.name == CURRENT_DEPLOYMENT)
            .map(|d| d.id.clone());
        ids
    }

    /// The API's id, once observed or created.
    pub(super) fn api(&self) -> Result<String, ProviderError> {
        required(&self.api, "the API").map(str::to_string)
    }

    /// The id of the resource at `path`: the root, one observed, or one created in this run.
    /// The root's id is read from AWS when neither observing nor creating the API told it.
    pub(super) async fn resource(
        &mut self,
        ctx: &Context<'_>,
        path: &str,
    ) -> Result<String, ProviderError> {
        if path != "/" {
            return self.resources.get(path).cloned().ok_or_else(|| {
                ProviderError::Unexpected(format!("no id known for the resource {path}"))
            });
        }
        if let Some(root) = &self.root {
            return Ok(root.clone());
        }
        let api_id = self.api()?;
        let mut listing = ctx
            .client
            .get_resources()
            .rest_api_id(&api_id)
            .into_paginator()
            .page_size(PAGE_SIZE)
            .items()
            .send();
        while let Some(resource) = listing.try_next().await.aws("GetResources")? {
            if let (Some("/"), Some(id)) = (resource.path(), resource.id()) {
                self.root = Some(id.to_string());
                return Ok(id.to_string());
            }
        }
        Err(ProviderError::Unexpected(format!(
            "REST API {api_id} has no root resource"
        )))
    }
}
