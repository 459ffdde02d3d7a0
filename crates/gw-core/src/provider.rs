//! The trait a gateway kind implements, and the resource view it shares with [`crate::diff`].

use crate::{AwsError, DesiredGateway, GatewayKind, Ownership, Plan, ResourceKind};
use async_trait::async_trait;
use serde::Serialize;
use std::collections::BTreeMap;

/// A resource as the diff sees it: a kind, a name unique within its kind for this gateway, and
/// the attributes that matter for convergence (compared as strings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resource {
    pub kind: ResourceKind,
    pub name: String,
    pub attributes: BTreeMap<String, String>,
}

impl Resource {
    pub fn new(kind: ResourceKind, name: impl Into<String>) -> Self {
        Self {
            kind,
            name: name.into(),
            attributes: BTreeMap::new(),
        }
    }

    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.attributes.insert(key.to_string(), value.into());
        self
    }

    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).map(String::as_str)
    }
}

/// A resource found in AWS, with its id and the id of the resource it lives in (an API for a
/// route), so that a plan can be applied without looking it up again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObservedResource {
    #[serde(flatten)]
    pub resource: Resource,
    pub id: String,
    pub parent_id: Option<String>,
    /// When AWS made it (milliseconds since the epoch), where AWS says. Settles duplicates: see
    /// [`ObservedResource::seniority`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_millis: Option<i64>,
}

impl ObservedResource {
    /// The order in which one of several same-named resources is kept: the oldest first, then
    /// the lowest id; an unknown age counts as the youngest. Every run, whoever made the
    /// duplicates, computes the same order from the same AWS answers.
    pub fn seniority(&self) -> (i64, &str) {
        (self.created_millis.unwrap_or(i64::MAX), self.id.as_str())
    }
}

/// Everything a provider found that this cluster owns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Observed {
    pub resources: Vec<ObservedResource>,
}

impl Observed {
    pub fn of_kind(&self, kind: ResourceKind) -> impl Iterator<Item = &ObservedResource> {
        self.resources
            .iter()
            .filter(move |r| r.resource.kind == kind)
    }

    /// The resource of this kind and name that every run keeps when there are several: the
    /// most senior ([`ObservedResource::seniority`]). Meant for top-level resources (APIs, VPC
    /// links, domain names); children are looked up within their parent with [`Self::children`].
    /// The name does not count for a kind the gateway has one of (its API, its VPC link:
    /// [`ResourceKind::is_one_per_gateway`]), as in [`crate::diff`].
    pub fn find(&self, kind: ResourceKind, name: &str) -> Option<&ObservedResource> {
        self.of_kind(kind)
            .filter(|r| kind.is_one_per_gateway() || r.resource.name == name)
            .min_by(|a, b| a.seniority().cmp(&b.seniority()))
    }

    /// Gives the kept resource of a kind the gateway has one of (its API, its VPC link:
    /// [`ResourceKind::is_one_per_gateway`]) the name `up` gives it, `cortex-<cluster>`,
    /// whatever AWS calls it: an adopted gateway keeps the name it was made with. Providers call
    /// it before rendering references to the resource ([`Self::reference`]: an integration's
    /// VPC link, a usage plan's API), so that those compare equal to the desired ones, which
    /// name it so; and `apply`, looking it up by the desired name, finds it.
    pub fn name_kept(&mut self, kind: ResourceKind, owner: &Ownership) {
        if !kind.is_one_per_gateway() {
            return;
        }
        let kept = self
            .resources
            .iter_mut()
            .filter(|r| r.resource.kind == kind)
            .min_by(|a, b| a.seniority().cmp(&b.seniority()));
        if let Some(kept) = kept {
            let desired = format!("cortex-{}", owner.cluster());
            if kept.resource.name != desired {
                let aws_name = std::mem::replace(&mut kept.resource.name, desired);
                kept.resource
                    .attributes
                    .insert(crate::attr::AWS_NAME.to_string(), aws_name);
            }
        }
    }

    /// The kept resource of a kind whatever its name (the gateway's one API).
    pub fn primary(&self, kind: ResourceKind) -> Option<&ObservedResource> {
        self.of_kind(kind)
            .min_by(|a, b| a.seniority().cmp(&b.seniority()))
    }

    /// Whether `resource` is the one of its kind and name (of its kind, for a kind the gateway
    /// has one of) that is kept.
    pub fn is_kept(&self, resource: &ObservedResource) -> bool {
        self.find(resource.resource.kind, &resource.resource.name)
            .is_some_and(|kept| kept.id == resource.id)
    }

    /// How a reference to the resource with this id is shown (an integration's VPC link): its
    /// name when it is the kept one, `name (id)` when it is a duplicate, so that what uses a
    /// duplicate differs from the desired state and is moved onto the kept one.
    pub fn reference(&self, kind: ResourceKind, id: &str) -> Option<String> {
        let found = self.find_id(kind, id)?;
        Some(if self.is_kept(found) {
            found.resource.name.clone()
        } else {
            format!("{} ({id})", found.resource.name)
        })
    }

    /// [`Self::reference`] for every resource of a kind: id -> how references show it.
    pub fn references(&self, kind: ResourceKind) -> std::collections::HashMap<String, String> {
        self.of_kind(kind)
            .filter_map(|r| Some((r.id.clone(), self.reference(kind, &r.id)?)))
            .collect()
    }

    /// The kept resource of each name of a kind (the one kept, for a kind the gateway has one
    /// of).
    pub fn kept(&self, kind: ResourceKind) -> impl Iterator<Item = &ObservedResource> {
        self.of_kind(kind).filter(move |r| self.is_kept(r))
    }

    /// The children of one kind living in `parent_id` (an API's stages, routes, ...).
    pub fn children<'a>(
        &'a self,
        parent_id: &'a str,
        kind: ResourceKind,
    ) -> impl Iterator<Item = &'a ObservedResource> {
        self.of_kind(kind)
            .filter(move |r| r.parent_id.as_deref() == Some(parent_id))
    }

    pub fn find_id(&self, kind: ResourceKind, id: &str) -> Option<&ObservedResource> {
        self.of_kind(kind).find(|r| r.id == id)
    }

    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    /// The CloudFormation stack that owns some of these resources: providers put the value of
    /// [`crate::STACK_TAG`] among the attributes of what carries it, the API, the VPC link or
    /// the custom domain name (the diff ignores it, since no desired resource names it). Such a
    /// gateway is the stack's to change, not ours.
    pub fn stack(&self) -> Option<&str> {
        self.resources
            .iter()
            .find_map(|r| r.resource.attribute(crate::STACK_TAG))
    }
}

/// The gateway a provider manages, once it exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GatewayInfo {
    pub kind: GatewayKind,
    pub id: String,
    pub name: String,
    pub stage: String,
    /// Base URL clients call; API endpoints are appended to it.
    pub invoke_url: String,
    /// The custom domain mapped to the stage, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<CustomDomain>,
}

/// What `doctor` checks in a gateway, as its provider reads it from what it observed: typed,
/// so that no reader outside the provider depends on its attribute keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Health {
    /// Where the integrations send requests: `http(s)://host[:port]/...` URLs, or load
    /// balancer listener ARNs (private HTTP API integrations).
    pub targets: Vec<String>,
    /// The gateway's VPC links.
    pub vpc_links: Vec<LinkHealth>,
}

impl Health {
    /// The targets of the integrations among `observed` (their [`crate::attr::URI`]), with the
    /// VPC links as the provider reads them.
    pub fn new(observed: &Observed, vpc_links: Vec<LinkHealth>) -> Self {
        Health {
            targets: observed
                .of_kind(ResourceKind::Integration)
                .filter_map(|i| i.resource.attribute(crate::attr::URI))
                .map(str::to_string)
                .collect(),
            vpc_links,
        }
    }
}

/// A VPC link as `doctor` sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkHealth {
    pub name: String,
    pub id: String,
    /// AWS's status: `AVAILABLE`, `PENDING`, `INACTIVE`, `FAILED` ...
    pub status: String,
    /// Whether requests can pass through it (AVAILABLE, or INACTIVE: AWS reactivates it when
    /// traffic resumes).
    pub usable: bool,
}

/// A custom domain in front of a gateway, and the DNS record that makes it reachable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CustomDomain {
    pub name: String,
    /// `https://<name>`: the stable URL, the stage mapped at its root.
    pub url: String,
    pub dns_record: DnsRecord,
}

/// The DNS record the user must create for a custom domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DnsRecord {
    pub name: String,
    /// `CNAME` or `A (alias)`.
    pub kind: String,
    pub target: Option<String>,
    pub hosted_zone_id: Option<String>,
    /// Set when AWS did not report the target or hosted zone: says so and how to find them.
    pub note: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The desired gateway cannot be built by this provider (yet).
    #[error("{0}")]
    Unsupported(String),
    /// An AWS call failed; its `Display` says what to do about it, and
    /// [`AwsError::is_unsettled`] whether observing again may get past it.
    #[error(transparent)]
    Aws(Box<AwsError>),
    /// Something other than one AWS call leaves AWS in a state that a fresh observation may
    /// settle (a VPC link another run is deleting). The caller observes again and plans what
    /// is still missing.
    #[error("{operation} did not complete: {message}")]
    Unsettled {
        operation: &'static str,
        message: String,
    },
    /// An operation failed in a way the message explains (a VPC link that FAILED, a wait that
    /// timed out), with what to do next.
    #[error("{0}")]
    Failed(String),
    /// AWS answered something we cannot work with (a missing id, an unexpected shape).
    #[error("unexpected answer from AWS: {0}")]
    Unexpected(String),
}

impl From<AwsError> for ProviderError {
    fn from(error: AwsError) -> Self {
        ProviderError::Aws(Box::new(error))
    }
}

impl ProviderError {
    /// Whether observing again and re-planning may get past this failure.
    pub fn is_unsettled(&self) -> bool {
        match self {
            ProviderError::Aws(error) => error.is_unsettled(),
            ProviderError::Unsettled { .. } => true,
            _ => false,
        }
    }
}

/// A gateway kind. The binary holds providers as `Box<dyn GatewayProvider>`, one per
/// [`GatewayKind`]; ARCHITECTURE.md, "Adding a gateway kind", lists the rest of what a new kind
/// takes.
///
/// The split keeps the decision pure: [`GatewayProvider::desired_resources`] and
/// [`crate::diff`] compute the plan without AWS, so plans are testable and printable; only
/// [`GatewayProvider::observe`] and [`GatewayProvider::apply`] talk to AWS.
#[async_trait]
pub trait GatewayProvider: Send + Sync {
    /// The gateway kind this provider serves.
    fn kind(&self) -> GatewayKind;

    /// Refuses, with a message saying what to do instead, a gateway this provider cannot build.
    fn check_supported(&self, desired: &DesiredGateway) -> Result<(), ProviderError>;

    /// The resources the desired gateway consists of, parents before children.
    fn desired_resources(&self, desired: &DesiredGateway) -> Vec<Resource>;

    /// Says, in the `detail` of the changes of `plan`, how `apply` makes those it does not make
    /// one call each (REST: the API's content, put as one document); the changes and their
    /// order stay the diff's, so what is printed is what runs. Nothing by default.
    fn annotate(&self, _plan: &mut Plan) {}

    /// Reads what this cluster owns (by tags, never by name alone). Resources without both
    /// ownership tags, and children of such resources, are never returned.
    async fn observe(&self, owner: &Ownership) -> Result<Observed, ProviderError>;

    /// Applies `plan` in order, reporting each change through [`crate::Progress`] as it is
    /// made (`applying`, then `applied` with its result and duration). `desired` is `None` when
    /// removing everything. Stops at the first failure: what was applied stays, and re-running
    /// plans only what is left.
    async fn apply(
        &self,
        owner: &Ownership,
        desired: Option<&DesiredGateway>,
        observed: &Observed,
        plan: &Plan,
    ) -> Result<(), ProviderError>;

    /// The existing gateway, if `observed` holds one.
    fn gateway_info(&self, observed: &Observed, region: &str) -> Option<GatewayInfo>;

    /// What `doctor` checks, read from `observed`.
    fn health(&self, observed: &Observed) -> Health;
}
