//! One command's session: the configuration, AWS, and the gateway providers. Plans towards a
//! goal over every provider (the selected kind converges, the others remove what they own),
//! applies, and settles.

use crate::aws::{self, AwsOptions};
use crate::certificates;
use crate::cli::{Cli, OutputFormat};
use crate::configuration;
use crate::desired;
use crate::error::CliError;
use crate::registry;
use crate::settle::{self, Converging};
use gw_core::{
    Change, DesiredGateway, GatewayInfo, GatewayKind, GatewayProvider, Observed, Ownership, Plan,
};
use lb_discovery::{Discovery, LoadBalancer};
use netconf::Config;
use std::time::Duration;

/// The configuration, AWS, and the gateway providers, for one command.
pub(crate) struct Session {
    pub(crate) config: Config,
    pub(crate) sdk: aws_config::SdkConfig,
    pub(crate) region: String,
    discovery: Discovery,
    pub(crate) gateways: Gateways,
}

impl Session {
    /// Loads the configuration (exit 2 when it is invalid), then connects.
    pub(crate) async fn open(cli: &Cli) -> Result<Self, CliError> {
        Self::connect(cli, configuration::load(cli)?.config).await
    }

    /// Loads the AWS SDK configuration and the provider of every gateway kind, the one
    /// `gateway.type` names selected.
    pub(crate) async fn connect(cli: &Cli, config: Config) -> Result<Self, CliError> {
        let sdk = aws::load(&AwsOptions {
            region: config.cluster.region.as_deref(),
            profile: cli.profile.as_deref(),
            endpoint_url: cli.endpoint_url.as_deref(),
        })
        .await?;
        let progress = crate::progress::reporter(cli.output == OutputFormat::Text);
        let quotas = std::sync::Arc::new(aws_calls::Quotas::api_gateway());
        let gateways = Gateways::new(
            config.settings.gateway.r#type,
            Ownership::new(&config.cluster.cluster_name),
            |kind| registry::provider(kind, &sdk, progress.clone(), quotas.clone()),
        );
        Ok(Self {
            region: aws::region(&sdk),
            discovery: Discovery::new(
                aws_sdk_elasticloadbalancingv2::Client::new(&sdk),
                aws_sdk_elasticloadbalancing::Client::new(&sdk),
            ),
            gateways,
            config,
            sdk,
        })
    }

    /// The tags that mark what cortex-net made for this cluster.
    pub(crate) fn owner(&self) -> &Ownership {
        &self.gateways.owner
    }

    /// Checks the configured certificates in ACM and stops, before any change, when one cannot
    /// be used.
    pub(crate) async fn check_certificates(&self) -> Result<(), CliError> {
        let checked = certificates::check_all(&self.sdk, &self.config, &self.region).await?;
        certificates::enforce(&checked)
    }

    /// The cluster's API load balancer: the configured one, else the one its tags name.
    pub(crate) async fn load_balancer(&self) -> Result<LoadBalancer, CliError> {
        let cluster = &self.config.cluster.cluster_name;
        let lb = match &self.config.settings.load_balancer {
            Some(name_or_arn) => self.discovery.lookup(cluster, name_or_arn).await?,
            None => self.discovery.discover(cluster).await?,
        };
        if !lb.owned_by_cluster {
            tracing::warn!(
                "load balancer {} carries no tags of cluster {cluster}; using it because it was named explicitly",
                lb.name
            );
        }
        Ok(lb)
    }

    /// What `up` converges to: the configuration in front of `lb`.
    pub(crate) fn configured(&self, lb: &LoadBalancer) -> Result<Goal, CliError> {
        let desired = desired::build(&self.config, &self.region, lb)?;
        Ok(Goal::Configured(Box::new(desired)))
    }

    /// The plan that makes AWS match the configuration in front of `lb`, from a fresh
    /// observation.
    pub(crate) async fn converge(&self, lb: &LoadBalancer) -> Result<Vec<Step<'_>>, CliError> {
        self.gateways.plan_towards(&self.configured(lb)?).await
    }

    /// The selected kind's gateway as it exists now.
    pub(crate) async fn gateway(&self) -> Result<Option<GatewayInfo>, CliError> {
        let provider = self.gateways.selected();
        let observed = provider.observe(self.owner()).await?;
        Ok(provider.gateway_info(&observed, &self.region))
    }
}

/// What a plan converges to.
#[derive(Debug, Clone)]
pub(crate) enum Goal {
    /// The configured gateway (`up`, `plan`, `status`, `doctor`).
    Configured(Box<DesiredGateway>),
    /// Nothing owned by the cluster (`down`).
    Removed,
}

impl Goal {
    /// The command that works towards this goal, to be run again when AWS does not converge.
    fn command(&self) -> &'static str {
        match self {
            Goal::Configured(_) => "up",
            Goal::Removed => "down",
        }
    }
}

/// One provider's share of a plan.
pub(crate) struct Step<'a> {
    pub(crate) provider: &'a dyn GatewayProvider,
    /// The desired gateway: set for the selected kind working towards [`Goal::Configured`].
    pub(crate) desired: Option<DesiredGateway>,
    pub(crate) observed: Observed,
    pub(crate) plan: Plan,
}

/// Every step's plan, in the order the steps are applied.
pub(crate) fn merged(steps: &[Step<'_>]) -> Plan {
    let mut plan = Plan::default();
    for step in steps {
        plan.extend(step.plan.clone());
    }
    plan
}

/// The step of the selected kind when working towards the configured gateway.
pub(crate) fn configured_step<'s, 'a>(steps: &'s [Step<'a>]) -> Option<&'s Step<'a>> {
    steps.iter().find(|step| step.desired.is_some())
}

/// The outcome of settling: the fresh observation that planned nothing, and every change
/// applied on the way.
pub(crate) struct Settled<'s> {
    pub(crate) steps: Vec<Step<'s>>,
    pub(crate) applied: Vec<Change>,
}

/// The provider of every gateway kind, one of them selected by `gateway.type`, and the cluster's
/// ownership tags. Knows nothing of the SDK: tests drive it with fake providers.
pub(crate) struct Gateways {
    selected: Box<dyn GatewayProvider>,
    others: Vec<Box<dyn GatewayProvider>>,
    owner: Ownership,
    /// The first pause after an unsettled failure ([`settle::PAUSE_UNIT`]).
    pause_unit: Duration,
}

impl Gateways {
    /// Asks `provider` for the provider of every kind; `selected` is the one that converges.
    pub(crate) fn new(
        selected: GatewayKind,
        owner: Ownership,
        mut provider: impl FnMut(GatewayKind) -> Box<dyn GatewayProvider>,
    ) -> Self {
        Self {
            selected: provider(selected),
            others: GatewayKind::ALL
                .iter()
                .filter(|kind| **kind != selected)
                .map(|kind| provider(*kind))
                .collect(),
            owner,
            pause_unit: settle::PAUSE_UNIT,
        }
    }

    /// The provider of the configured gateway kind.
    pub(crate) fn selected(&self) -> &dyn GatewayProvider {
        self.selected.as_ref()
    }

    /// Every provider, in [`GatewayKind`] order: the order plans are printed and applied in.
    fn all(&self) -> Vec<&dyn GatewayProvider> {
        let mut all: Vec<&dyn GatewayProvider> = self.others.iter().map(AsRef::as_ref).collect();
        all.push(self.selected.as_ref());
        all.sort_by_key(|provider| provider.kind());
        all
    }

    /// The plan towards `goal` from a fresh observation by every provider: the selected kind
    /// converges to the desired gateway, every other kind removes what it owns (a switch from
    /// `http` to `rest` replaces the gateway).
    pub(crate) async fn plan_towards(&self, goal: &Goal) -> Result<Vec<Step<'_>>, CliError> {
        let desired = match goal {
            Goal::Configured(desired) => Some(desired.as_ref()),
            Goal::Removed => None,
        };
        if let Some(desired) = desired.filter(|d| !d.routes.is_empty()) {
            self.selected.check_supported(desired)?;
        }
        let mut steps = Vec::new();
        for provider in self.all() {
            let observed = provider.observe(&self.owner).await?;
            let desired = desired.filter(|_| provider.kind() == self.selected.kind());
            let wanted = desired
                .map(|desired| provider.desired_resources(desired))
                .unwrap_or_default();
            steps.push(Step {
                provider,
                desired: desired.cloned(),
                plan: gw_core::diff(&wanted, &observed),
                observed,
            });
        }
        Ok(steps)
    }

    /// Applies each step's plan, provider by provider, in order: what AWS deletes with an API
    /// is listed in the plan but not sent ([`Plan::executable`]).
    pub(crate) async fn apply(&self, steps: &[Step<'_>]) -> Result<(), CliError> {
        for step in steps.iter().filter(|s| !s.plan.is_empty()) {
            step.provider
                .apply(
                    &self.owner,
                    step.desired.as_ref(),
                    &step.observed,
                    &step.plan.executable(),
                )
                .await?;
        }
        Ok(())
    }

    /// Applies `steps`, then observes and applies again until nothing is planned, at most
    /// [`settle::ROUNDS`] times. Ends with an error naming what did not converge otherwise.
    pub(crate) async fn settle<'s>(
        &'s self,
        goal: &Goal,
        steps: Vec<Step<'s>>,
    ) -> Result<Settled<'s>, CliError> {
        let towards = Towards {
            gateways: self,
            goal,
        };
        let (steps, applied) = settle::settle_with(&towards, steps).await?;
        Ok(Settled { steps, applied })
    }
}

/// The providers working towards one goal, as the settle rounds drive them.
struct Towards<'g, 'a> {
    gateways: &'g Gateways,
    goal: &'a Goal,
}

impl<'g> Converging for Towards<'g, '_> {
    type Steps = Vec<Step<'g>>;

    fn command(&self) -> &'static str {
        self.goal.command()
    }

    fn plan_of(&self, steps: &Self::Steps) -> Plan {
        merged(steps)
    }

    async fn apply(&self, steps: &Self::Steps) -> Result<(), CliError> {
        self.gateways.apply(steps).await
    }

    async fn plan_again(&self) -> Result<Self::Steps, CliError> {
        self.gateways.plan_towards(self.goal).await
    }

    async fn pause(&self, round: u32) {
        settle::pause(self.gateways.pause_unit, round).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{FakeProvider, observed};
    use gw_core::{Action, ObservedResource, Resource, ResourceKind, VpcLinkVersion};
    use std::sync::{Arc, Mutex};

    type Log = Arc<Mutex<Vec<String>>>;

    /// The HTTP and REST fakes, `selected` converging, every call logged in one list.
    fn gateways(
        selected: GatewayKind,
        http: Vec<ObservedResource>,
        rest: Vec<ObservedResource>,
    ) -> (Gateways, Log) {
        with_fakes(
            selected,
            FakeProvider::new(GatewayKind::Http, http),
            FakeProvider::new(GatewayKind::Rest, rest),
        )
    }

    fn with_fakes(
        selected: GatewayKind,
        http: FakeProvider,
        rest: FakeProvider,
    ) -> (Gateways, Log) {
        let log = Log::default();
        let mut fakes = vec![http.logging_to(&log), rest.logging_to(&log)];
        let mut gateways = Gateways::new(selected, Ownership::new("prod"), |kind| {
            let at = fakes
                .iter()
                .position(|fake| fake.kind() == kind)
                .expect("a fake of every kind");
            Box::new(fakes.remove(at))
        });
        gateways.pause_unit = Duration::ZERO;
        (gateways, log)
    }

    fn api(id: &str, routes: &str) -> ObservedResource {
        observed(
            Resource::new(ResourceKind::Api, "cortex-prod").with("routes", routes),
            id,
        )
    }

    fn link(id: &str, version: VpcLinkVersion) -> ObservedResource {
        let mut link = observed(
            Resource::new(ResourceKind::VpcLink, "cortex-prod")
                .with("version", version.to_string()),
            id,
        );
        link.resource = link.resource.with(gw_core::attr::STATUS, "AVAILABLE");
        link
    }

    fn configured(kind: GatewayKind) -> Goal {
        Goal::Configured(Box::new(gw_core::testing::desired(kind).build()))
    }

    fn lines(plan: &Plan) -> Vec<String> {
        plan.changes
            .iter()
            .map(|c| format!("{:?} {:?} {}", c.action, c.kind, c.name))
            .collect()
    }

    fn taken(log: &Log) -> Vec<String> {
        std::mem::take(&mut *log.lock().expect("lock"))
    }

    #[tokio::test]
    async fn switching_the_gateway_kind_removes_what_the_other_kind_owns() {
        let http = vec![api("h1", "/"), link("h2", VpcLinkVersion::V2)];
        let (gateways, log) = gateways(GatewayKind::Rest, http, Vec::new());
        let goal = configured(GatewayKind::Rest);
        let steps = gateways.plan_towards(&goal).await.expect("planned");
        let kinds: Vec<GatewayKind> = steps.iter().map(|s| s.provider.kind()).collect();
        assert_eq!(kinds, [GatewayKind::Http, GatewayKind::Rest], "kind order");
        assert!(steps[0].desired.is_none(), "the other kind only removes");
        assert_eq!(
            configured_step(&steps).map(|s| s.provider.kind()),
            Some(GatewayKind::Rest)
        );
        assert_eq!(
            lines(&merged(&steps)),
            [
                "Delete Api cortex-prod",
                "Delete VpcLink cortex-prod",
                "Create Api cortex-prod",
            ]
        );
        let settled = gateways.settle(&goal, steps).await.expect("converged");
        assert_eq!(settled.applied.len(), 3);
        let calls = taken(&log);
        let applies: Vec<&String> = calls.iter().filter(|c| c.starts_with("apply")).collect();
        assert_eq!(applies.len(), 3, "{calls:?}");
        assert!(applies[0].starts_with("apply http - api"), "{calls:?}");
        assert!(applies[2].starts_with("apply rest + api"), "{calls:?}");
        let [http, rest] = &settled.steps[..] else {
            panic!("one step per kind");
        };
        assert!(http.observed.is_empty() && http.plan.is_empty());
        assert_eq!(rest.observed.of_kind(ResourceKind::Api).count(), 1);
    }

    #[tokio::test]
    async fn what_a_lost_answer_left_undone_is_applied_in_another_round() {
        let (gateways, log) = with_fakes(
            GatewayKind::Http,
            FakeProvider::new(GatewayKind::Http, Vec::new()).losing_creates(1),
            FakeProvider::new(GatewayKind::Rest, Vec::new()),
        );
        let goal = Goal::Configured(Box::new(
            gw_core::testing::desired(GatewayKind::Http)
                .internal(VpcLinkVersion::V2)
                .apis(&[("iris", "/iris")])
                .build(),
        ));
        let steps = gateways.plan_towards(&goal).await.expect("planned");
        assert_eq!(
            lines(&merged(&steps)),
            ["Create VpcLink cortex-prod", "Create Api cortex-prod"]
        );
        let settled = gateways.settle(&goal, steps).await.expect("converged");
        let applied: Vec<String> = settled.applied.iter().map(|c| c.name.clone()).collect();
        assert_eq!(
            applied.len(),
            3,
            "the lost create is made again: {applied:?}"
        );
        assert_eq!(settled.applied[2].kind, ResourceKind::VpcLink);
        let step = configured_step(&settled.steps).expect("the selected kind's step");
        assert!(step.plan.is_empty());
        assert_eq!(step.observed.resources.len(), 2);
        let info = step
            .provider
            .gateway_info(&step.observed, "us-east-1")
            .expect("a gateway");
        assert_eq!(info.kind, GatewayKind::Http);
        let observations = taken(&log)
            .iter()
            .filter(|c| c.starts_with("observe"))
            .count();
        assert_eq!(
            observations, 6,
            "both kinds: the first plan, and after each of two rounds"
        );
    }

    #[tokio::test]
    async fn a_converged_gateway_is_not_applied_to() {
        let (gateways, log) = gateways(GatewayKind::Http, vec![api("h1", "/")], Vec::new());
        let goal = configured(GatewayKind::Http);
        let steps = gateways.plan_towards(&goal).await.expect("planned");
        assert!(merged(&steps).is_empty());
        let settled = gateways.settle(&goal, steps).await.expect("converged");
        assert!(settled.applied.is_empty());
        assert_eq!(taken(&log), ["observe http", "observe rest"]);
    }

    #[tokio::test]
    async fn a_changed_route_updates_the_api_in_place() {
        let (gateways, _) = gateways(GatewayKind::Http, vec![api("h1", "/old")], Vec::new());
        let steps = gateways
            .plan_towards(&configured(GatewayKind::Http))
            .await
            .expect("planned");
        let plan = merged(&steps);
        assert_eq!(lines(&plan), ["Update Api cortex-prod"]);
        assert_eq!(plan.changes[0].id.as_deref(), Some("h1"));
    }

    #[tokio::test]
    async fn removal_plans_every_kinds_resources_and_ends_with_nothing() {
        let (gateways, _) = gateways(
            GatewayKind::Http,
            vec![api("h1", "/")],
            vec![api("r1", "/"), link("r2", VpcLinkVersion::V1)],
        );
        let steps = gateways
            .plan_towards(&Goal::Removed)
            .await
            .expect("planned");
        assert!(steps.iter().all(|s| s.desired.is_none()));
        assert!(configured_step(&steps).is_none());
        let plan = merged(&steps);
        assert!(plan.changes.iter().all(|c| c.action == Action::Delete));
        assert_eq!(plan.len(), 3);
        let settled = gateways
            .settle(&Goal::Removed, steps)
            .await
            .expect("converged");
        assert_eq!(settled.applied.len(), 3);
        assert!(settled.steps.iter().all(|s| s.observed.is_empty()));
    }

    #[test]
    fn each_goal_names_the_command_to_run_again() {
        assert_eq!(configured(GatewayKind::Rest).command(), "up");
        assert_eq!(Goal::Removed.command(), "down");
    }
}
