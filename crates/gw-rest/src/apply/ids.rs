//! The ids `apply` needs along the way: those observed, then those of what it creates.

use super::required;
use crate::resources::CURRENT_DEPLOYMENT;
use gw_core::{DesiredGateway, Observed, ProviderError, ResourceKind};
use std::collections::{HashMap, HashSet};

/// Ids known while applying: observed ones, then those of resources created along the way.
#[derive(Default)]
pub(super) struct Ids {
    pub api: Option<String>,
    /// VPC link name -> id.
    pub links: HashMap<String, String>,
    /// The deployment the stage should serve.
    pub deployment: Option<String>,
    /// Stages that exist in our API.
    pub stages: HashSet<String>,
    /// API key name -> id (the kept key of each name, then those created or replaced).
    pub keys: HashMap<String, String>,
}

impl Ids {
    pub(super) fn from_observed(desired: Option<&DesiredGateway>, observed: &Observed) -> Self {
        let mut ids = Ids::default();
        for link in observed.kept(ResourceKind::VpcLink) {
            ids.links
                .insert(link.resource.name.clone(), link.id.clone());
        }
        for key in observed.kept(ResourceKind::ApiKey) {
            ids.keys.insert(key.resource.name.clone(), key.id.clone());
        }
        let Some(api) = desired.and_then(|d| observed.find(ResourceKind::Api, &d.name)) else {
            return ids;
        };
        ids.api = Some(api.id.clone());
        let ours = |kind| observed.children(&api.id, kind);
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
}
