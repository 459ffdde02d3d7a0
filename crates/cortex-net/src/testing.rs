//! Test fixtures of the binary crate: configurations loaded through netconf from YAML files, a
//! load balancer, and a fake gateway provider that keeps its "AWS" in memory and records calls.

use async_trait::async_trait;
use gw_core::{
    Action, DesiredGateway, GatewayInfo, GatewayKind, GatewayProvider, Health, Observed,
    ObservedResource, Ownership, Plan, ProviderError, Resource, ResourceKind,
};
use gw_core::{LoadBalancerKind, Scheme};
use lb_discovery::{Listener, LoadBalancer};
use netconf::{Config, LoadOptions};
use std::sync::{Arc, Mutex};

/// A minimal cluster.yaml: cluster `prod` in us-east-1.
pub const CLUSTER: &str = "cluster_name: prod\nregion: us-east-1\n";

/// Loads a configuration as the CLI would, from these files (cortex.yaml and cortex-net.yaml
/// only when given) and an empty environment.
pub fn config(cluster: &str, apis: Option<&str>, settings: Option<&str>) -> Config {
    let dir = tempfile::tempdir().expect("temporary directory");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("write a test file");
        path
    };
    let mut options = LoadOptions::new(write("cluster.yaml", cluster));
    options.apis_file = apis.map(|text| write("cortex.yaml", text));
    options.settings_file = settings.map(|text| write("cortex-net.yaml", text));
    match netconf::load_with_env(&options, Vec::new()) {
        Ok(loaded) => loaded.config,
        Err(error) => panic!("the test configuration is invalid:\n{error}"),
    }
}

/// Cortex's API load balancer `api-lb`, listening on 80 and 443.
pub fn load_balancer(scheme: Scheme, kind: LoadBalancerKind) -> LoadBalancer {
    let listener = |port| Listener {
        arn: Some(format!(
            "arn:aws:elasticloadbalancing:us-east-1:1:listener/{port}"
        )),
        port,
        protocol: "TCP".into(),
    };
    LoadBalancer {
        name: "api-lb".into(),
        arn: Some(gw_core::testing::LB_ARN.into()),
        dns_name: gw_core::testing::DNS_NAME.into(),
        scheme,
        kind,
        vpc_id: Some("vpc-1".into()),
        subnets: vec!["subnet-1".into()],
        security_groups: Vec::new(),
        listeners: vec![listener(80), listener(443)],
        state: Some("active".into()),
        owned_by_cluster: true,
    }
}

/// A gateway provider whose AWS is a list in memory. Its gateway is one API named after the
/// desired gateway, carrying the routes as an attribute, and the VPC link when one is wanted.
/// Every call is recorded in [`FakeProvider::calls`], shared with the test.
pub struct FakeProvider {
    kind: GatewayKind,
    state: Mutex<Vec<ObservedResource>>,
    /// Creates whose answer is lost before they take effect: AWS stays without them.
    lost_creates: Mutex<usize>,
    /// What every observation fails with, if anything.
    failing_observe: Option<String>,
    /// Why `check_supported` refuses every desired gateway, if it does.
    unsupported: Option<String>,
    pub calls: Arc<Mutex<Vec<String>>>,
}

impl FakeProvider {
    /// A provider of `kind` whose AWS already holds `existing`.
    pub fn new(kind: GatewayKind, existing: Vec<ObservedResource>) -> Self {
        Self {
            kind,
            state: Mutex::new(existing),
            lost_creates: Mutex::new(0),
            failing_observe: None,
            unsupported: None,
            calls: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// Every observation fails with `message`.
    pub fn failing_to_observe(mut self, message: &str) -> Self {
        self.failing_observe = Some(message.into());
        self
    }

    /// Every desired gateway is refused as unsupported, for `reason`.
    pub fn refusing(mut self, reason: &str) -> Self {
        self.unsupported = Some(reason.into());
        self
    }

    /// Records into `calls` (shared by several fakes: one log, in call order).
    pub fn logging_to(mut self, calls: &Arc<Mutex<Vec<String>>>) -> Self {
        self.calls = calls.clone();
        self
    }

    /// The first `count` creates do not take effect (an answer lost on the way).
    pub fn losing_creates(self, count: usize) -> Self {
        *self.lost_creates.lock().expect("lock") = count;
        self
    }

    fn record(&self, call: String) {
        self.calls.lock().expect("lock").push(call);
    }

    fn create(&self, resource: Resource) {
        let mut lost = self.lost_creates.lock().expect("lock");
        if *lost > 0 {
            *lost -= 1;
            return;
        }
        let mut state = self.state.lock().expect("lock");
        let id = format!("{}-{}", self.kind, state.len() + 1);
        state.push(observed(resource, &id));
    }

    fn apply_one(&self, wanted: &[Resource], change: &gw_core::Change) {
        let desired = wanted
            .iter()
            .find(|r| r.kind == change.kind && r.name == change.name);
        let remove = |id: &Option<String>| {
            self.state
                .lock()
                .expect("lock")
                .retain(|r| Some(&r.id) != id.as_ref());
        };
        match change.action {
            Action::Create => self.create(desired.cloned().expect("created from the desired")),
            Action::Update => {
                let mut state = self.state.lock().expect("lock");
                let found = state.iter_mut().find(|r| Some(&r.id) == change.id.as_ref());
                if let (Some(found), Some(desired)) = (found, desired) {
                    found.resource.attributes = desired.attributes.clone();
                }
            }
            Action::Replace => {
                remove(&change.id);
                self.create(desired.cloned().expect("replaced by the desired"));
            }
            Action::Delete => remove(&change.id),
        }
    }
}

/// A resource as AWS holds it, with this id.
pub fn observed(resource: Resource, id: &str) -> ObservedResource {
    ObservedResource {
        resource,
        id: id.into(),
        parent_id: None,
        created_millis: Some(1),
    }
}

#[async_trait]
impl GatewayProvider for FakeProvider {
    fn kind(&self) -> GatewayKind {
        self.kind
    }

    fn check_supported(&self, _: &DesiredGateway) -> Result<(), ProviderError> {
        match &self.unsupported {
            Some(reason) => Err(ProviderError::Unsupported(reason.clone())),
            None => Ok(()),
        }
    }

    fn desired_resources(&self, desired: &DesiredGateway) -> Vec<Resource> {
        let mut resources = Vec::new();
        if let Some(link) = &desired.vpc_link {
            resources.push(
                Resource::new(ResourceKind::VpcLink, &link.name)
                    .with("version", link.version.to_string()),
            );
        }
        let routes: Vec<&str> = desired
            .routes
            .iter()
            .map(|r| r.path.as_deref().unwrap_or("/"))
            .collect();
        if !routes.is_empty() {
            resources.push(
                Resource::new(ResourceKind::Api, &desired.name).with("routes", routes.join(" ")),
            );
        }
        resources
    }

    /// Records the call, then answers after a pause (one turn of the scheduler), as a call over
    /// the network would: observations run side by side record their starts first.
    async fn observe(&self, _: &Ownership) -> Result<Observed, ProviderError> {
        self.record(format!("observe {}", self.kind));
        tokio::task::yield_now().await;
        if let Some(message) = &self.failing_observe {
            return Err(ProviderError::Failed(message.clone()));
        }
        Ok(Observed {
            resources: self.state.lock().expect("lock").clone(),
        })
    }

    async fn apply(
        &self,
        _: &Ownership,
        desired: Option<&DesiredGateway>,
        _: &Observed,
        plan: &Plan,
    ) -> Result<(), ProviderError> {
        let wanted = desired
            .map(|d| self.desired_resources(d))
            .unwrap_or_default();
        for change in &plan.changes {
            self.record(format!("apply {} {change}", self.kind));
            self.apply_one(&wanted, change);
        }
        Ok(())
    }

    fn gateway_info(&self, observed: &Observed, region: &str) -> Option<GatewayInfo> {
        let api = observed.primary(ResourceKind::Api)?;
        Some(GatewayInfo {
            kind: self.kind,
            id: api.id.clone(),
            name: api.resource.name.clone(),
            stage: self.kind.default_stage().into(),
            invoke_url: format!("https://{}.execute-api.{region}.amazonaws.com", api.id),
            domain: None,
        })
    }

    fn health(&self, observed: &Observed) -> Health {
        Health {
            targets: Vec::new(),
            vpc_links: vpclink::health(observed),
        }
    }
}
