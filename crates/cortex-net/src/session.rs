//! One command's session: the configuration, AWS, and the gateway providers. Plans towards a
//! goal over every provider (the selected kind converges, the others remove what they own),
//! applies, and settles.
//!
//! What a command reads before it plans is independent: the certificate checks, the load
//! balancer's discovery and every provider's observation. They go side by side ([`survey`]);
//! when several fail, the error is the one a sequential run would have met first (a
//! certificate, the load balancer, the desired gateway, then the providers in kind order), so
//! messages and exit codes do not depend on which answer came back first.

use crate::aws::{self, AwsOptions};
use crate::certificates;
use crate::cli::{Cli, OutputFormat};
use crate::configuration;
use crate::desired;
use crate::error::CliError;
use crate::progress::{Applied, Made};
use crate::registry;
use crate::settle::{self, Converging};
use futures_util::future::join_all;
use gw_core::{
    Change, DesiredGateway, GatewayInfo, GatewayKind, GatewayProvider, Observed, Ownership, Plan,
};
use lb_discovery::{Discovery, LoadBalancer};
use netconf::Config;
use std::future::Future;
use std::sync::Arc;
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
        let made = std::sync::Arc::new(crate::progress::Made::default());
        let shared = registry::Shared {
            progress: crate::progress::reporter(cli.output == OutputFormat::Text, made.clone()),
            quotas: std::sync::Arc::new(aws_calls::Quotas::api_gateway()),
            key_values: config
                .settings
                .protection
                .api_keys
                .iter()
                .any(|key| key.value.is_some()),
        };
        let mut gateways = Gateways::new(
            config.settings.gateway.r#type,
            Ownership::new(&config.cluster.cluster_name),
            |kind| registry::provider(kind, &sdk, shared.clone()),
        );
        gateways.made = made;
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
    async fn check_certificates(&self) -> Result<(), CliError> {
        let checked = certificates::check_all(&self.sdk, &self.config, &self.region).await?;
        certificates::enforce(&checked)
    }

    /// The cluster's API load balancer: the configured one, else the one its tags name.
    pub(crate) async fn load_balancer(&self) -> Result<LoadBalancer, CliError> {
        let lb = self.find_load_balancer().await?;
        self.warn_if_unclaimed(&lb);
        Ok(lb)
    }

    async fn find_load_balancer(&self) -> Result<LoadBalancer, CliError> {
        let cluster = &self.config.cluster.cluster_name;
        Ok(match &self.config.settings.load_balancer {
            Some(name_or_arn) => self.discovery.lookup(cluster, name_or_arn).await?,
            None => self.discovery.discover(cluster).await?,
        })
    }

    fn warn_if_unclaimed(&self, lb: &LoadBalancer) {
        if !lb.owned_by_cluster {
            tracing::warn!(
                "load balancer {} carries no tags of cluster {}; using it because it was named explicitly",
                lb.name,
                self.config.cluster.cluster_name
            );
        }
    }

    /// What `up` converges to: the configuration in front of `lb`.
    pub(crate) fn configured(&self, lb: &LoadBalancer) -> Result<Goal, CliError> {
        let desired = desired::build(&self.config, &self.region, lb)?;
        Ok(Goal::Configured(Box::new(desired)))
    }

    /// The load balancer, the configured gateway in front of it and the plan towards it, from
    /// one observation by every provider. With [`Certificates::Enforced`] the configured
    /// certificates are checked too, and one that cannot be used stops the command. The reads
    /// go side by side ([`survey`]).
    pub(crate) async fn survey(
        &self,
        certificates: Certificates,
    ) -> Result<Surveyed<'_>, CliError> {
        let checks = async {
            match certificates {
                Certificates::Enforced => self.check_certificates().await,
                Certificates::Unchecked => Ok(()),
            }
        };
        let surveyed = survey(&self.gateways, checks, self.find_load_balancer(), |lb| {
            self.configured(lb)
        })
        .await?;
        self.warn_if_unclaimed(&surveyed.lb);
        Ok(surveyed)
    }

    /// The load balancer and every provider's observation, read side by side, each result as it
    /// came (`doctor` turns failures into failed checks).
    pub(crate) async fn read_all(
        &self,
    ) -> (
        Result<LoadBalancer, CliError>,
        Result<Vec<Observation<'_>>, CliError>,
    ) {
        tokio::join!(self.load_balancer(), self.gateways.observe())
    }

    /// The selected kind's gateway as it exists now.
    pub(crate) async fn gateway(&self) -> Result<Option<GatewayInfo>, CliError> {
        let provider = self.gateways.selected();
        let observed = provider.observe(self.owner()).await?;
        Ok(provider.gateway_info(&observed, &self.region))
    }
}

/// Whether a survey checks the configured certificates (`plan`, `up`) or not (`status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Certificates {
    Enforced,
    Unchecked,
}

/// What a command reads before it plans, and the plan.
pub(crate) struct Surveyed<'g> {
    pub(crate) lb: LoadBalancer,
    pub(crate) goal: Goal,
    pub(crate) steps: Vec<Step<'g>>,
}

/// Runs `checks`, finds the load balancer (`lb`) and observes every provider side by side, then
/// plans towards the goal `goal` makes of the load balancer. Errors in the order a sequential
/// run meets them: `checks`, `lb`, `goal`, the selected kind's support for it, then the
/// providers' observations in kind order.
pub(crate) async fn survey<'g>(
    gateways: &'g Gateways,
    checks: impl Future<Output = Result<(), CliError>>,
    lb: impl Future<Output = Result<LoadBalancer, CliError>>,
    goal: impl FnOnce(&LoadBalancer) -> Result<Goal, CliError>,
) -> Result<Surveyed<'g>, CliError> {
    let (checked, lb, observed) = tokio::join!(checks, lb, gateways.observe());
    checked?;
    let lb = lb?;
    let goal = goal(&lb)?;
    let steps = gateways.plan_from(&goal, observed)?;
    Ok(Surveyed { lb, goal, steps })
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

/// What one provider found.
pub(crate) struct Observation<'a> {
    provider: &'a dyn GatewayProvider,
    observed: Observed,
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
/// applied on the way (with its result and duration).
pub(crate) struct Settled<'s> {
    pub(crate) steps: Vec<Step<'s>>,
    pub(crate) applied: Vec<Applied>,
}

impl Settled<'_> {
    /// The configured kind's gateway as the last observation, the one that planned nothing,
    /// found it: what `up` reports, with no read of its own (C1).
    pub(crate) fn gateway(&self, region: &str) -> Option<GatewayInfo> {
        let step = configured_step(&self.steps)?;
        step.provider.gateway_info(&step.observed, region)
    }
}

/// The provider of every gateway kind, one of them selected by `gateway.type`, and the cluster's
/// ownership tags. Knows nothing of the SDK: tests drive it with fake providers.
pub(crate) struct Gateways {
    selected: Box<dyn GatewayProvider>,
    others: Vec<Box<dyn GatewayProvider>>,
    owner: Ownership,
    /// The first pause after an unsettled failure ([`settle::PAUSE_UNIT`]).
    pause_unit: Duration,
    /// The changes the providers' progress reported made (the session's reporter keeps them).
    made: Arc<Made>,
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
            made: Arc::default(),
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

    /// Every provider's observation, read side by side, in [`GatewayKind`] order. When several
    /// fail, the error is the first provider's in that order.
    pub(crate) async fn observe(&self) -> Result<Vec<Observation<'_>>, CliError> {
        let all = self.all();
        let found = join_all(all.iter().map(|provider| provider.observe(&self.owner))).await;
        all.into_iter()
            .zip(found)
            .map(|(provider, observed)| {
                Ok(Observation {
                    provider,
                    observed: observed?,
                })
            })
            .collect()
    }

    /// Refuses a desired gateway the selected kind cannot build.
    fn check_supported(&self, goal: &Goal) -> Result<(), CliError> {
        if let Goal::Configured(desired) = goal
            && !desired.routes.is_empty()
        {
            self.selected.check_supported(desired)?;
        }
        Ok(())
    }

    /// The plan towards `goal` from a fresh observation by every provider: the selected kind
    /// converges to the desired gateway, every other kind removes what it owns (a switch from
    /// `http` to `rest` replaces the gateway).
    pub(crate) async fn plan_towards(&self, goal: &Goal) -> Result<Vec<Step<'_>>, CliError> {
        self.check_supported(goal)?;
        self.plan_from(goal, self.observe().await)
    }

    /// The plan towards `goal` from `observed` ([`Gateways::observe`]); a goal the selected
    /// kind cannot build is refused before a failed observation is reported.
    pub(crate) fn plan_from<'g>(
        &'g self,
        goal: &Goal,
        observed: Result<Vec<Observation<'g>>, CliError>,
    ) -> Result<Vec<Step<'g>>, CliError> {
        self.check_supported(goal)?;
        let desired = match goal {
            Goal::Configured(desired) => Some(desired.as_ref()),
            Goal::Removed => None,
        };
        let steps = observed?
            .into_iter()
            .map(|Observation { provider, observed }| {
                let desired = desired.filter(|_| provider.kind() == self.selected.kind());
                let wanted = desired
                    .map(|desired| provider.desired_resources(desired))
                    .unwrap_or_default();
                let mut plan = gw_core::diff(&wanted, &observed);
                provider.annotate(&mut plan);
                Step {
                    provider,
                    desired: desired.cloned(),
                    plan,
                    observed,
                }
            })
            .collect();
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
        refuse_stack_owned(&self.owner, goal, &steps)?;
        let towards = Towards {
            gateways: self,
            goal,
        };
        let (steps, applied) = settle::settle_with(&towards, steps).await?;
        Ok(Settled { steps, applied })
    }
}

/// Refuses `up` and `down` (exit 1, before any change) when a CloudFormation stack owns what
/// they would change: the gateway was deployed from `cortex-net export`, and only CloudFormation
/// may update or delete it.
pub(crate) fn refuse_stack_owned(
    owner: &Ownership,
    goal: &Goal,
    steps: &[Step<'_>],
) -> Result<(), CliError> {
    let Some(stack) = steps.iter().find_map(|step| step.observed.stack()) else {
        return Ok(());
    };
    let way = match goal {
        Goal::Configured(_) => format!(
            "update the stack (`aws cloudformation update-stack --stack-name {stack}` with a \
             fresh `cortex-net export`)"
        ),
        Goal::Removed => {
            format!("delete the stack (`aws cloudformation delete-stack --stack-name {stack}`)")
        }
    };
    Err(CliError::failed(format!(
        "the gateway of cluster {} belongs to CloudFormation stack {stack} (tag {}): cortex-net \
         does not change what a stack owns. Use CloudFormation instead: {way}",
        owner.cluster(),
        gw_core::STACK_TAG,
    )))
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

    fn made(&self) -> Vec<(Change, Duration)> {
        self.gateways.made.take()
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
    async fn up_and_down_refuse_a_gateway_a_cloudformation_stack_owns() {
        let mut stacked = api("r1", "/");
        stacked.resource = stacked.resource.with(gw_core::STACK_TAG, "cortex-fleet");
        let (gateways, log) = gateways(GatewayKind::Rest, Vec::new(), vec![stacked]);
        for (goal, way) in [
            (
                configured(GatewayKind::Rest),
                "update-stack --stack-name cortex-fleet",
            ),
            (Goal::Removed, "delete-stack --stack-name cortex-fleet"),
        ] {
            let steps = gateways.plan_towards(&goal).await.expect("planned");
            let Err(refused) = gateways.settle(&goal, steps).await else {
                panic!("a stack's gateway was changed");
            };
            assert_eq!(refused.exit_code(), crate::error::EXIT_FAILURE);
            let message = refused.to_string();
            assert!(
                message.contains("CloudFormation stack cortex-fleet"),
                "{message}"
            );
            assert!(message.contains(way), "{message}");
        }
        let calls = taken(&log);
        assert!(!calls.iter().any(|c| c.starts_with("apply")), "{calls:?}");
    }

    #[tokio::test]
    async fn a_stack_made_vpc_link_or_domain_name_is_the_stacks_too() {
        let mut stacked_link = link("l1", VpcLinkVersion::V2);
        stacked_link.resource = stacked_link.resource.with(gw_core::STACK_TAG, "links");
        let stacked_domain = observed(
            Resource::new(ResourceKind::DomainName, "api.example.com")
                .with(gw_core::STACK_TAG, "domains"),
            "api.example.com",
        );
        for (stacked, stack) in [(stacked_link, "links"), (stacked_domain, "domains")] {
            let http = vec![api("h1", "/"), stacked];
            let (gateways, log) = gateways(GatewayKind::Http, http, Vec::new());
            let steps = gateways
                .plan_towards(&Goal::Removed)
                .await
                .expect("planned");
            let Err(refused) = gateways.settle(&Goal::Removed, steps).await else {
                panic!("the gateway of stack {stack} was removed");
            };
            let message = refused.to_string();
            assert!(
                message.contains(&format!("CloudFormation stack {stack}")),
                "{message}"
            );
            let calls = taken(&log);
            assert!(!calls.iter().any(|c| c.starts_with("apply")), "{calls:?}");
        }
    }

    #[tokio::test]
    async fn a_gateway_without_the_stack_tag_is_ours_to_change() {
        let (gateways, _log) = gateways(GatewayKind::Rest, Vec::new(), vec![api("r1", "/")]);
        let steps = gateways
            .plan_towards(&Goal::Removed)
            .await
            .expect("planned");
        assert!(steps.iter().all(|s| s.observed.stack().is_none()));
        gateways
            .settle(&Goal::Removed, steps)
            .await
            .expect("removed");
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
        let applied: Vec<String> = settled
            .applied
            .iter()
            .map(|a| a.change.name.clone())
            .collect();
        assert_eq!(
            applied.len(),
            3,
            "the lost create is made again: {applied:?}"
        );
        assert_eq!(settled.applied[2].change.kind, ResourceKind::VpcLink);
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

    /// A read that logs its start, answers after one turn of the scheduler, and logs its end.
    async fn logged<T>(log: &Log, name: &str, answer: Result<T, CliError>) -> Result<T, CliError> {
        log.lock().expect("lock").push(name.to_string());
        tokio::task::yield_now().await;
        log.lock().expect("lock").push(format!("{name} done"));
        answer
    }

    fn lb() -> LoadBalancer {
        crate::testing::load_balancer(
            gw_core::Scheme::InternetFacing,
            gw_core::LoadBalancerKind::Network,
        )
    }

    #[tokio::test]
    async fn a_survey_starts_every_read_before_any_ends_and_observes_each_kind_once() {
        let (gateways, log) = gateways(GatewayKind::Http, vec![api("h1", "/")], Vec::new());
        let surveyed = survey(
            &gateways,
            logged(&log, "certificates", Ok(())),
            logged(&log, "discover", Ok(lb())),
            |_| Ok(configured(GatewayKind::Http)),
        )
        .await
        .unwrap_or_else(|e| panic!("surveyed: {e}"));
        let calls = taken(&log);
        let at = |call: &str| calls.iter().position(|c| c == call).expect(call);
        for started in ["certificates", "discover", "observe http", "observe rest"] {
            for ended in ["certificates done", "discover done"] {
                assert!(
                    at(started) < at(ended),
                    "{started} after {ended}: {calls:?}"
                );
            }
        }
        let observations = calls.iter().filter(|c| c.starts_with("observe")).count();
        assert_eq!(observations, 2, "one per kind: {calls:?}");
        assert!(merged(&surveyed.steps).is_empty());
        assert_eq!(surveyed.lb.name, "api-lb");
        assert!(matches!(surveyed.goal, Goal::Configured(_)));
    }

    /// The error of a survey in which `failing` reads fail (all providers failing to observe,
    /// the selected one refusing the goal, when named).
    async fn survey_error(failing: &[&str]) -> CliError {
        let fails = |what: &str| failing.contains(&what);
        let mut http = FakeProvider::new(GatewayKind::Http, Vec::new());
        let mut rest = FakeProvider::new(GatewayKind::Rest, Vec::new());
        if fails("observe") {
            http = http.failing_to_observe("http observation");
            rest = rest.failing_to_observe("rest observation");
        } else if fails("observe rest") {
            rest = rest.failing_to_observe("rest observation");
        }
        if fails("supported") {
            http = http.refusing("unsupported");
        }
        let (gateways, _) = with_fakes(GatewayKind::Http, http, rest);
        let answer = |what: &str| {
            if fails(what) {
                Err(CliError::invalid(what))
            } else {
                Ok(())
            }
        };
        let checks = async { answer("certificates") };
        let lb = async { answer("load balancer").map(|()| lb()) };
        let goal = |_: &LoadBalancer| answer("goal").map(|()| configured(GatewayKind::Http));
        match survey(&gateways, checks, lb, goal).await {
            Ok(_) => panic!("{failing:?} fail, the survey did not"),
            Err(error) => error,
        }
    }

    #[tokio::test]
    async fn a_survey_reports_the_failure_a_sequential_run_meets_first() {
        let all = [
            "certificates",
            "load balancer",
            "goal",
            "supported",
            "observe",
        ];
        for (at, expected) in [
            (0, "certificates"),
            (1, "load balancer"),
            (2, "goal"),
            (3, "unsupported"),
            (4, "http observation"),
        ] {
            let error = survey_error(&all[at..]).await;
            assert_eq!(error.to_string(), expected, "failing: {:?}", &all[at..]);
        }
        let error = survey_error(&["observe rest"]).await;
        assert_eq!(error.to_string(), "rest observation");
        assert_eq!(error.exit_code(), crate::EXIT_FAILURE);
        assert_eq!(
            survey_error(&["supported", "observe"]).await.exit_code(),
            crate::EXIT_INVALID_INPUT,
            "an unsupported gateway is invalid input, whatever AWS answered"
        );
    }

    #[tokio::test]
    async fn up_reports_the_gateway_of_the_settled_observation_and_reads_nothing_more() {
        let (gateways, log) = with_fakes(
            GatewayKind::Http,
            FakeProvider::new(GatewayKind::Http, Vec::new()).losing_creates(1),
            FakeProvider::new(GatewayKind::Rest, Vec::new()),
        );
        let goal = configured(GatewayKind::Http);
        let steps = gateways.plan_towards(&goal).await.expect("planned");
        let settled = gateways.settle(&goal, steps).await.expect("converged");
        let calls = taken(&log);
        let observed: Vec<&str> = calls
            .iter()
            .map(|c| match c.split_whitespace().next() {
                Some("observe") => c.as_str(),
                _ => "apply",
            })
            .collect();
        assert_eq!(
            observed,
            [
                "observe http",
                "observe rest",
                "apply",
                "observe http",
                "observe rest",
                "apply",
                "observe http",
                "observe rest"
            ],
            "one observation per kind and round: {calls:?}"
        );
        let gateway = settled.gateway("us-east-1").expect("a gateway");
        assert!(
            taken(&log).is_empty(),
            "reporting the gateway reads nothing"
        );
        assert_eq!(
            gateway.id, "http-1",
            "the API made in the second round, which only the settled observation saw"
        );
    }

    #[test]
    fn each_goal_names_the_command_to_run_again() {
        assert_eq!(configured(GatewayKind::Rest).command(), "up");
        assert_eq!(Goal::Removed.command(), "down");
    }
}
