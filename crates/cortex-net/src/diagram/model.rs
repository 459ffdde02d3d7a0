//! The architecture as a graph, built without AWS calls from what a command already read: the
//! configuration, the load balancer, and (live) the selected provider's observation, its
//! gateway and the plan. Both renderers draw this graph and nothing else, so what one shows the
//! other shows too.
//!
//! A node is drifted when the plan would change something it stands for: `up` would create,
//! update, replace or delete it (or something inside it: a route's methods, a stage).

use gw_core::{
    Action, Change, DesiredGateway, GatewayInfo, Observed, Plan, ResourceKind, RouteSpec, Scheme,
    attr,
};
use lb_discovery::LoadBalancer;
use netconf::{ApiGateway, Config};

/// What a node stands for; it also decides the column it is drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum NodeKind {
    Clients,
    Domain,
    Gateway,
    Route,
    VpcLink,
    LoadBalancer,
    CortexApi,
}

impl NodeKind {
    /// The spelling renderers put in the output (`data-kind`, Mermaid classes).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            NodeKind::Clients => "clients",
            NodeKind::Domain => "domain",
            NodeKind::Gateway => "gateway",
            NodeKind::Route => "route",
            NodeKind::VpcLink => "vpc-link",
            NodeKind::LoadBalancer => "load-balancer",
            NodeKind::CortexApi => "cortex-api",
        }
    }
}

/// One box of the diagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    /// Unique within the diagram, made of `[a-z0-9_]` only (safe as an XML id and a Mermaid id).
    pub(crate) id: String,
    pub(crate) kind: NodeKind,
    /// The lines of text shown in the box, first line the title.
    pub(crate) lines: Vec<String>,
    /// The planned changes this node stands for (empty: in sync, or not compared).
    pub(crate) drift: Vec<String>,
}

impl Node {
    fn new(id: impl Into<String>, kind: NodeKind, lines: Vec<String>) -> Self {
        Self {
            id: id.into(),
            kind,
            lines,
            drift: Vec::new(),
        }
    }

    pub(crate) fn is_drifted(&self) -> bool {
        !self.drift.is_empty()
    }
}

/// One arrow: requests flow from `from` to `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Edge {
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) label: String,
}

/// The whole picture.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Diagram {
    pub(crate) title: String,
    pub(crate) nodes: Vec<Node>,
    pub(crate) edges: Vec<Edge>,
}

impl Diagram {
    fn add(&mut self, node: Node) {
        self.nodes.push(node);
    }

    fn link(&mut self, from: &str, to: &str, label: impl Into<String>) {
        self.edges.push(Edge {
            from: from.to_string(),
            to: to.to_string(),
            label: label.into(),
        });
    }

    fn node_mut(&mut self, id: &str) -> Option<&mut Node> {
        self.nodes.iter_mut().find(|node| node.id == id)
    }

    pub(crate) fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|node| node.id == id)
    }
}

pub(crate) const CLIENTS: &str = "clients";
pub(crate) const DOMAIN: &str = "domain";
pub(crate) const GATEWAY: &str = "gateway";
pub(crate) const VPC_LINK: &str = "vpc_link";
pub(crate) const LOAD_BALANCER: &str = "load_balancer";

/// What AWS holds, for a live diagram: the selected kind's observation and gateway, and the
/// plan towards the configuration (the selected kind's, then the other kinds' removals).
pub(crate) struct Live<'a> {
    pub(crate) observed: &'a Observed,
    pub(crate) gateway: Option<&'a GatewayInfo>,
    pub(crate) plan: &'a Plan,
    /// What the other gateway kinds still own and `up` would remove.
    pub(crate) others: &'a Plan,
}

/// Everything a diagram is drawn from.
pub(crate) struct Sources<'a> {
    pub(crate) config: &'a Config,
    pub(crate) lb: &'a LoadBalancer,
    /// Whether `lb` is a stand-in drawn from the configuration (discovery failed).
    pub(crate) lb_placeholder: bool,
    pub(crate) desired: &'a DesiredGateway,
    /// `None` for `--planned`.
    pub(crate) live: Option<Live<'a>>,
}

/// Builds the graph. Columns: clients, custom domain, gateway, its routes, VPC link, load
/// balancer, Cortex APIs.
pub(crate) fn build(sources: &Sources<'_>) -> Diagram {
    let desired = sources.desired;
    let mut diagram = Diagram {
        title: title(sources),
        ..Diagram::default()
    };
    diagram.add(Node::new(
        CLIENTS,
        NodeKind::Clients,
        vec!["clients".into(), "(internet)".into()],
    ));
    diagram.add(load_balancer_node(sources.lb, sources.lb_placeholder));
    let has_gateway = !desired.routes.is_empty() || sources.live.as_ref().is_some_and(has_drift);
    if has_gateway {
        add_gateway(&mut diagram, sources);
    }
    add_cortex_apis(&mut diagram, sources, has_gateway);
    if let Some(live) = &sources.live {
        mark_drift(&mut diagram, desired, live);
    }
    diagram
}

fn has_drift(live: &Live<'_>) -> bool {
    !live.plan.is_empty() || !live.others.is_empty()
}

fn title(sources: &Sources<'_>) -> String {
    let when = match sources.live {
        Some(_) => "live",
        None => "planned",
    };
    format!(
        "cortex-net: cluster {} ({}, {when})",
        sources.config.cluster.cluster_name, sources.desired.region
    )
}

fn load_balancer_node(lb: &LoadBalancer, placeholder: bool) -> Node {
    let listeners: Vec<String> = lb
        .listeners
        .iter()
        .map(|l| format!("{} {}", l.protocol, l.port))
        .collect();
    let mut lines = vec![
        format!("load balancer {}", lb.name),
        format!("{}, {}", lb.kind, lb.scheme),
        format!("listeners: {}", or_none(&listeners.join(", "))),
    ];
    if placeholder {
        lines.push("not discovered: drawn from cluster.yaml".into());
    }
    Node::new(LOAD_BALANCER, NodeKind::LoadBalancer, lines)
}

fn or_none(text: &str) -> &str {
    if text.is_empty() { "none" } else { text }
}

/// The domain, the gateway, its routes and the VPC link, with the edges between them.
fn add_gateway(diagram: &mut Diagram, sources: &Sources<'_>) {
    let desired = sources.desired;
    let gateway = sources.live.as_ref().and_then(|live| live.gateway);
    let entry = match &desired.domain {
        Some(domain) => {
            diagram.add(Node::new(
                DOMAIN,
                NodeKind::Domain,
                domain_lines(&domain.name, gateway),
            ));
            diagram.link(CLIENTS, DOMAIN, format!("https://{}", domain.name));
            diagram.link(
                DOMAIN,
                GATEWAY,
                format!("mapping to stage {}", desired.stage),
            );
            None
        }
        None => Some(match gateway {
            Some(info) => info.invoke_url.clone(),
            None => "invoke URL".to_string(),
        }),
    };
    diagram.add(Node::new(
        GATEWAY,
        NodeKind::Gateway,
        gateway_lines(sources, gateway),
    ));
    if let Some(label) = entry {
        diagram.link(CLIENTS, GATEWAY, label);
    }
    let target = match &desired.vpc_link {
        Some(link) => {
            let status = sources.live.as_ref().map(|live| link_status(live.observed));
            diagram.add(Node::new(
                VPC_LINK,
                NodeKind::VpcLink,
                vec![
                    format!("VPC link {} ({})", link.name, link.version),
                    format!("status {}", status.unwrap_or_else(|| "made by up".into())),
                ],
            ));
            diagram.link(VPC_LINK, LOAD_BALANCER, "private integration");
            VPC_LINK
        }
        None => LOAD_BALANCER,
    };
    for (index, route) in desired.routes.iter().enumerate() {
        let id = route_id(index);
        diagram.add(Node::new(&id, NodeKind::Route, route_lines(route)));
        diagram.link(GATEWAY, &id, "");
        diagram.link(&id, target, forward_label(target));
    }
}

fn forward_label(target: &str) -> &'static str {
    if target == VPC_LINK {
        "through the VPC link"
    } else {
        "HTTP_PROXY over the internet"
    }
}

fn route_id(index: usize) -> String {
    format!("route_{}", index + 1)
}

fn domain_lines(name: &str, gateway: Option<&GatewayInfo>) -> Vec<String> {
    let mut lines = vec![format!("custom domain {name}")];
    if let Some(domain) = gateway.and_then(|info| info.domain.as_ref()) {
        let record = &domain.dns_record;
        lines.push(format!(
            "DNS {} -> {}",
            record.kind,
            record.target.as_deref().unwrap_or("(not yet known)")
        ));
    }
    lines
}

fn gateway_lines(sources: &Sources<'_>, info: Option<&GatewayInfo>) -> Vec<String> {
    let desired = sources.desired;
    let kind = sources.config.settings.gateway.r#type;
    let mut lines = vec![format!("{} {}", kind.label(), desired.name)];
    match info {
        Some(info) => {
            lines.push(format!("id {}, stage {}", info.id, info.stage));
            lines.push(info.invoke_url.clone());
        }
        None if sources.live.is_some() => {
            lines.push(format!("stage {}", desired.stage));
            lines.push("not found in AWS".into());
        }
        None => lines.push(format!("stage {}", desired.stage)),
    }
    if kind == gw_core::GatewayKind::Rest {
        lines.push(format!("endpoint {}", desired.endpoint_type));
    }
    if let Some(throttle) = &desired.protection.throttle {
        lines.push(format!("throttle {throttle}"));
    }
    if desired.protection.jwt.is_some() {
        lines.push("JWT authorizer jwt".into());
    }
    let protection = &desired.protection;
    if !protection.api_keys.is_empty() {
        lines.push(format!(
            "API keys: {}, usage plans: {}",
            protection.api_keys.len(),
            protection.usage_plans.len()
        ));
    }
    if protection.access_log.is_some() {
        lines.push("access log".into());
    }
    if desired.cors.is_some() {
        lines.push("CORS answered by the gateway".into());
    }
    lines
}

fn route_lines(route: &RouteSpec) -> Vec<String> {
    let mut lines = vec![match &route.path {
        Some(path) => format!("ANY {path}"),
        None => "ANY /{proxy+}".to_string(),
    }];
    let protection = &route.protection;
    if protection.auth != gw_core::Auth::None {
        let mut auth = format!("auth {}", protection.auth);
        if !protection.scopes.is_empty() {
            auth.push_str(&format!(" ({})", protection.scopes.join(", ")));
        }
        lines.push(auth);
    }
    if let Some(throttle) = &protection.throttle {
        lines.push(format!("throttle {throttle}"));
    }
    lines
}

fn link_status(observed: &Observed) -> String {
    observed
        .primary(ResourceKind::VpcLink)
        .and_then(|link| link.resource.attribute(attr::STATUS))
        .unwrap_or("not found in AWS")
        .to_string()
}

/// The Cortex APIs behind the load balancer: each API of the API file, or one catch-all.
/// APIs at `api_gateway: none` (or every API, without a gateway) are reached directly.
fn add_cortex_apis(diagram: &mut Diagram, sources: &Sources<'_>, has_gateway: bool) {
    let config = sources.config;
    let mut direct = false;
    match &config.apis {
        None => {
            diagram.add(Node::new(
                "api_all",
                NodeKind::CortexApi,
                vec!["Cortex APIs".into(), "every endpoint (/*)".into()],
            ));
            diagram.link(LOAD_BALANCER, "api_all", "/*");
            direct = !has_gateway;
        }
        Some(apis) => {
            for (index, api) in apis.iter().enumerate() {
                let id = format!("api_{}", index + 1);
                let through_gateway = has_gateway && api.api_gateway == ApiGateway::Public;
                let mut lines = vec![format!("{} ({})", api.name, api.kind), api.endpoint.clone()];
                if !through_gateway {
                    lines.push("api_gateway: none".into());
                    direct = true;
                }
                diagram.add(Node::new(&id, NodeKind::CortexApi, lines));
                diagram.link(LOAD_BALANCER, &id, api.endpoint.clone());
            }
        }
    }
    if direct {
        let label = match sources.lb.scheme {
            Scheme::Internal => "direct, from inside the VPC",
            Scheme::InternetFacing => "direct, no gateway",
        };
        diagram.link(CLIENTS, LOAD_BALANCER, label);
    }
}

/// Marks every node a planned change stands for; a route the plan would delete, which the
/// configuration does not have, is drawn as a drifted node of its own.
fn mark_drift(diagram: &mut Diagram, desired: &DesiredGateway, live: &Live<'_>) {
    for change in &live.plan.changes {
        let target = node_of(change, desired, diagram);
        let target = match target {
            Some(id) => id,
            None => add_unconfigured_route(diagram, change),
        };
        if let Some(node) = diagram.node_mut(&target) {
            node.drift.push(change.to_string());
        }
    }
    if !live.others.is_empty()
        && let Some(gateway) = diagram.node_mut(GATEWAY)
    {
        gateway.drift.extend(
            live.others
                .changes
                .iter()
                .map(|change| format!("{change} (another gateway kind)")),
        );
    }
}

/// The node a change belongs to; `None` for a route or method of no configured API.
fn node_of(change: &Change, desired: &DesiredGateway, diagram: &Diagram) -> Option<String> {
    let present = |id: &str| diagram.node(id).map(|_| id.to_string());
    let fallback = || present(GATEWAY);
    match change.kind {
        ResourceKind::VpcLink => present(VPC_LINK).or_else(fallback),
        ResourceKind::DomainName | ResourceKind::ApiMapping => present(DOMAIN).or_else(fallback),
        ResourceKind::Route | ResourceKind::Method | ResourceKind::Resource => {
            match route_of(&change.name, &desired.routes) {
                Some(index) => present(&route_id(index)),
                None if change.action == Action::Delete
                    && change.kind != ResourceKind::Resource =>
                {
                    None
                }
                None => fallback(),
            }
        }
        ResourceKind::Integration => route_of(&change.name, &desired.routes)
            .and_then(|index| present(&route_id(index)))
            .or_else(fallback),
        _ => fallback(),
    }
}

fn add_unconfigured_route(diagram: &mut Diagram, change: &Change) -> String {
    let id = format!("unconfigured_{}", diagram.nodes.len() + 1);
    diagram.add(Node::new(
        &id,
        NodeKind::Route,
        vec![change.name.clone(), "not in the configuration".into()],
    ));
    diagram.link(GATEWAY, &id, "");
    id
}

/// Which route a resource named like `ANY /iris/{proxy+}`, `OPTIONS /iris` or `/iris` serves:
/// the route whose path is the longest prefix of the resource's path (by whole segments); the
/// catch-all serves `/` and `/{proxy+}`.
pub(crate) fn route_of(name: &str, routes: &[RouteSpec]) -> Option<usize> {
    let path = name.split_whitespace().last()?;
    routes
        .iter()
        .enumerate()
        .filter_map(|(index, route)| match &route.path {
            Some(prefix) => {
                let serves = path == prefix
                    || path
                        .strip_prefix(prefix.as_str())
                        .is_some_and(|rest| rest.starts_with('/'));
                serves.then_some((prefix.len(), index))
            }
            None => (path == "/" || path == "/{proxy+}").then_some((0, index)),
        })
        .max_by_key(|(length, _)| *length)
        .map(|(_, index)| index)
}
