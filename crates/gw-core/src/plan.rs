//! Plans are data: a list of typed changes, shown to the user before anything is applied.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    /// An attribute AWS cannot change in place differs ([`ResourceKind::fixed_attributes`]):
    /// the provider deletes and creates it, or refuses with the way out.
    Replace,
    Delete,
}

/// Every kind of resource a provider manages. The declaration order is the order of creation;
/// [`ResourceKind::deletion_rank`] gives the order of deletion, which AWS dictates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    VpcLink,
    DomainName,
    Api,
    Integration,
    /// An HTTP API's JWT authorizer, which routes reference.
    Authorizer,
    Route,
    Resource,
    Method,
    Stage,
    Deployment,
    ApiMapping,
    /// A REST API key: account-wide, owned by tags, attached to usage plans.
    ApiKey,
    /// A REST usage plan: binds keys to the stage with a throttle and a quota. Its changes
    /// run with the rollout (AWS refuses a plan naming a stage that does not exist yet).
    UsagePlan,
}

impl ResourceKind {
    /// Lower goes first. Mappings before the API they point at, routes before the integrations
    /// they target, the API before the VPC link its integrations use (AWS refuses to delete a
    /// VPC link still referenced), the domain name last.
    pub fn deletion_rank(self) -> u8 {
        match self {
            // A usage plan lets go of the stage before the stage or the API goes.
            ResourceKind::ApiMapping | ResourceKind::UsagePlan => 0,
            ResourceKind::Route | ResourceKind::Method => 1,
            // An authorizer after the routes that reference it.
            ResourceKind::Resource | ResourceKind::Authorizer => 2,
            ResourceKind::Integration => 3,
            ResourceKind::Stage => 4,
            ResourceKind::Deployment => 5,
            ResourceKind::Api => 6,
            ResourceKind::VpcLink => 7,
            ResourceKind::DomainName => 8,
            // Keys last: the usage plans that held them are gone by then.
            ResourceKind::ApiKey => 9,
        }
    }

    /// The attributes AWS cannot change in place: a difference in one makes the diff plan a
    /// [`Action::Replace`] instead of an update.
    pub fn fixed_attributes(self) -> &'static [&'static str] {
        use crate::attr;
        match self {
            ResourceKind::VpcLink => &[
                attr::VERSION,
                attr::SUBNETS,
                attr::SECURITY_GROUPS,
                attr::TARGETS,
            ],
            ResourceKind::Api => &[attr::PROTOCOL],
            ResourceKind::ApiMapping => &[attr::STAGE],
            // AWS cannot change a key's value: a new value is a new key.
            ResourceKind::ApiKey => &[attr::VALUE],
            ResourceKind::DomainName
            | ResourceKind::Integration
            | ResourceKind::Route
            | ResourceKind::Resource
            | ResourceKind::Method
            | ResourceKind::Stage
            | ResourceKind::Deployment
            | ResourceKind::Authorizer
            | ResourceKind::UsagePlan => &[],
        }
    }

    /// Whether changes to this kind roll the API out (the deployment, the stage, the custom
    /// domain's mapping): they run after the API's content has been created and trimmed, so
    /// that a new deployment snapshots the API without what was just removed.
    pub fn is_rollout(self) -> bool {
        matches!(
            self,
            ResourceKind::Deployment
                | ResourceKind::Stage
                | ResourceKind::ApiMapping
                | ResourceKind::UsagePlan
        )
    }

    /// Whether a gateway has one resource of this kind (its API, its VPC link): found by its
    /// ownership tags and matched by kind, whatever its name, so that a gateway made by hand
    /// and adopted keeps the name it was made with. Of several, the most senior is kept.
    pub fn is_one_per_gateway(self) -> bool {
        matches!(self, ResourceKind::Api | ResourceKind::VpcLink)
    }

    /// Whether a deletion of this kind trims the API's content (or unmaps it), and so runs
    /// before the rollout: mappings, routes, methods, resources, integrations.
    pub fn is_trimmed_before_rollout(self) -> bool {
        self.deletion_rank() <= ResourceKind::Integration.deletion_rank()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::VpcLink => "vpc-link",
            ResourceKind::DomainName => "domain-name",
            ResourceKind::Api => "api",
            ResourceKind::Integration => "integration",
            ResourceKind::Route => "route",
            ResourceKind::Resource => "resource",
            ResourceKind::Method => "method",
            ResourceKind::Stage => "stage",
            ResourceKind::Deployment => "deployment",
            ResourceKind::ApiMapping => "api-mapping",
            ResourceKind::Authorizer => "authorizer",
            ResourceKind::ApiKey => "api-key",
            ResourceKind::UsagePlan => "usage-plan",
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `detail` of a deletion that AWS carries out by deleting the API it lives in.
pub const GOES_WITH_API: &str = "goes with its API";

/// One change to one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub action: Action,
    pub kind: ResourceKind,
    /// The resource's name within its parent (an API name, a route key, a stage name).
    pub name: String,
    /// AWS id of the existing resource, for updates and deletions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The id of the resource it lives in (a route's API, a mapping's domain name), for
    /// updates and deletions: ids such as stage names are only unique within their parent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// What differs, for updates and replacements (`uri: old -> new`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = match self.action {
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
        };
        write!(f, "{sign} {} {}", self.kind, self.name)?;
        if let Some(id) = &self.id {
            write!(f, " ({id})")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

/// An ordered list of changes, in the order they are applied (what is printed is what runs):
/// 1. creations, updates and replacements of the API's content, parents before children;
/// 2. deletions of mappings and of the API's content ([`ResourceKind::is_trimmed_before_rollout`]),
///    in [`ResourceKind::deletion_rank`] order;
/// 3. the rollout ([`ResourceKind::is_rollout`]): deployment, stage, mapping;
/// 4. the other deletions (stages, deployments, the API, the VPC link, the domain name).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub changes: Vec<Change>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    pub fn len(&self) -> usize {
        self.changes.len()
    }

    pub fn count(&self, action: Action) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }

    /// Appends another plan (e.g. removal of another gateway kind's resources).
    pub fn extend(&mut self, other: Plan) {
        self.changes.extend(other.changes);
    }

    /// Whether `change` is done by AWS when the API it lives in is deleted by this plan: listed,
    /// so that the plan shows everything that goes, but never sent.
    pub fn goes_with_parent(&self, change: &Change) -> bool {
        change.action == Action::Delete
            && change.kind != ResourceKind::Api
            && change.parent.as_deref().is_some_and(|parent| {
                self.changes.iter().any(|c| {
                    c.action == Action::Delete
                        && c.kind == ResourceKind::Api
                        && c.id.as_deref() == Some(parent)
                })
            })
    }

    /// The changes to send to AWS: all but those that go with their API.
    pub fn executable(&self) -> Plan {
        Plan {
            changes: self
                .changes
                .iter()
                .filter(|c| !self.goes_with_parent(c))
                .cloned()
                .collect(),
        }
    }

    /// "2 to create, 1 to update, 0 to delete" (", 1 to replace" when there is one, and how many
    /// deletions go with their API when some do).
    pub fn summary(&self) -> String {
        let replace = match self.count(Action::Replace) {
            0 => String::new(),
            n => format!(", {n} to replace"),
        };
        let implied = self
            .changes
            .iter()
            .filter(|c| self.goes_with_parent(c))
            .count();
        let with_api = match implied {
            0 => String::new(),
            n => format!(" ({n} of them with their API)"),
        };
        format!(
            "{} to create, {} to update, {} to delete{with_api}{replace}",
            self.count(Action::Create),
            self.count(Action::Update),
            self.count(Action::Delete)
        )
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("No changes: AWS already matches the configuration.");
        }
        for change in &self.changes {
            writeln!(f, "  {change}")?;
        }
        write!(f, "Plan: {}.", self.summary())
    }
}
