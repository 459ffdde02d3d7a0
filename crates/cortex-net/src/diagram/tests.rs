//! Tests of the diagram: the model from configurations, drift from plans, both renderings
//! carrying every node and edge with escaped labels, and the examples' pictures being current.

use super::model::{self, Diagram, Live, NodeKind, Sources};
use super::{mermaid, placeholder_load_balancer, planned_from, svg};
use crate::testing::{CLUSTER, config, load_balancer};
use gw_core::{Action, Change, GatewayInfo, GatewayKind, LoadBalancerKind, Observed, Plan};
use gw_core::{ResourceKind, Scheme};
use netconf::Config;
use std::path::PathBuf;

const APIS: &str = "\
- name: iris
  kind: RealtimeAPI
  networking: {endpoint: /iris}
- name: batch
  kind: BatchAPI
  networking: {endpoint: /batch, api_gateway: none}
";

const JWT: &str = "\
gateway:
  type: http
  auth: jwt
  jwt: {issuer: 'https://issuer.example.com/', audiences: [app]}
apis:
  iris: {scopes: [models/read]}
";

fn internal_cluster() -> String {
    format!("{CLUSTER}api_load_balancer_scheme: internal\n")
}

fn planned(config: &Config, scheme: Scheme) -> Diagram {
    let lb = load_balancer(scheme, LoadBalancerKind::Network);
    planned_from(config, "us-east-1", &lb, false).unwrap_or_else(|e| panic!("planned: {e}"))
}

fn kinds(diagram: &Diagram) -> Vec<NodeKind> {
    diagram.nodes.iter().map(|n| n.kind).collect()
}

fn has_edge(diagram: &Diagram, from: &str, to: &str) -> bool {
    diagram.edges.iter().any(|e| e.from == from && e.to == to)
}

#[test]
fn an_internal_http_gateway_reaches_the_load_balancer_through_its_vpc_link() {
    let config = config(&internal_cluster(), Some(APIS), Some(JWT));
    let diagram = planned(&config, Scheme::Internal);
    for kind in [
        NodeKind::Clients,
        NodeKind::Gateway,
        NodeKind::Route,
        NodeKind::VpcLink,
        NodeKind::LoadBalancer,
        NodeKind::CortexApi,
    ] {
        assert!(kinds(&diagram).contains(&kind), "{kind:?} in {diagram:#?}");
    }
    assert!(has_edge(&diagram, "clients", "gateway"));
    assert!(has_edge(&diagram, "gateway", "route_1"));
    assert!(has_edge(&diagram, "route_1", "vpc_link"));
    assert!(has_edge(&diagram, "vpc_link", "load_balancer"));
    assert!(has_edge(&diagram, "load_balancer", "api_1"));
    let route = diagram.node("route_1").expect("the iris route");
    assert_eq!(route.lines[0], "ANY /iris");
    assert_eq!(route.lines[1], "auth jwt (models/read)");
    let routes = diagram.nodes.iter().filter(|n| n.kind == NodeKind::Route);
    assert_eq!(routes.count(), 1, "batch is not published");
    let batch = diagram.node("api_2").expect("the batch API");
    assert!(batch.lines.contains(&"api_gateway: none".to_string()));
    assert!(
        has_edge(&diagram, "clients", "load_balancer"),
        "APIs at api_gateway: none are reached directly"
    );
    let link = diagram.node("vpc_link").expect("link");
    assert_eq!(
        link.lines,
        ["VPC link cortex-prod (v2)", "status made by up"]
    );
    assert!(
        diagram.nodes.iter().all(|n| !n.is_drifted()),
        "planned: no drift"
    );
}

#[test]
fn an_internet_facing_gateway_without_api_file_has_one_catch_all_and_no_link() {
    let config = config(CLUSTER, None, Some("gateway: {type: rest}\n"));
    let diagram = planned(&config, Scheme::InternetFacing);
    assert!(!kinds(&diagram).contains(&NodeKind::VpcLink));
    assert_eq!(
        diagram.node("route_1").expect("route").lines,
        ["ANY /{proxy+}"]
    );
    assert!(has_edge(&diagram, "route_1", "load_balancer"));
    assert!(has_edge(&diagram, "load_balancer", "api_all"));
    assert!(!has_edge(&diagram, "clients", "load_balancer"));
    let gateway = diagram.node("gateway").expect("gateway");
    assert_eq!(gateway.lines[0], "REST API cortex-prod");
    assert_eq!(gateway.lines[1], "stage dev");
}

#[test]
fn a_custom_domain_stands_between_clients_and_the_gateway() {
    let settings = "gateway:\n  domain: api.example.com\n  certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/abc\n";
    let config = config(CLUSTER, None, Some(settings));
    let diagram = planned(&config, Scheme::InternetFacing);
    assert!(has_edge(&diagram, "clients", "domain"));
    assert!(has_edge(&diagram, "domain", "gateway"));
    assert!(!has_edge(&diagram, "clients", "gateway"));
}

#[test]
fn without_a_gateway_every_api_is_reached_directly() {
    let cluster = format!("{CLUSTER}api_gateway: disabled\n");
    let apis = "- name: iris\n  kind: RealtimeAPI\n  networking: {api_gateway: none}\n";
    let config = config(&cluster, Some(apis), None);
    let diagram = planned(&config, Scheme::InternetFacing);
    assert_eq!(
        kinds(&diagram),
        [
            NodeKind::Clients,
            NodeKind::LoadBalancer,
            NodeKind::CortexApi
        ]
    );
    assert!(has_edge(&diagram, "clients", "load_balancer"));
}

fn change(action: Action, kind: ResourceKind, name: &str) -> Change {
    Change {
        action,
        kind,
        name: name.into(),
        id: None,
        parent: None,
        detail: None,
    }
}

/// A live diagram of the internal HTTP gateway of [`APIS`] with `plan` pending.
fn live(plan: Plan, others: Plan) -> Diagram {
    let config = config(&internal_cluster(), Some(APIS), Some(JWT));
    let lb = load_balancer(Scheme::Internal, LoadBalancerKind::Network);
    let desired = crate::desired::build(&config, "us-east-1", &lb).expect("desired");
    let link = gw_core::Resource::new(ResourceKind::VpcLink, "cortex-prod")
        .with(gw_core::attr::STATUS, "AVAILABLE");
    let observed = Observed {
        resources: vec![crate::testing::observed(link, "vl-1")],
    };
    let gateway = GatewayInfo {
        kind: GatewayKind::Http,
        id: "a1b2".into(),
        name: "cortex-prod".into(),
        stage: "$default".into(),
        invoke_url: "https://a1b2.execute-api.us-east-1.amazonaws.com".into(),
        domain: None,
    };
    model::build(&Sources {
        config: &config,
        lb: &lb,
        lb_placeholder: false,
        desired: &desired,
        live: Some(Live {
            observed: &observed,
            gateway: Some(&gateway),
            plan: &plan,
            others: &others,
        }),
    })
}

#[test]
fn a_live_diagram_shows_the_gateway_and_link_as_found_and_marks_what_the_plan_changes() {
    let plan = Plan {
        changes: vec![
            change(Action::Create, ResourceKind::Route, "ANY /iris/{proxy+}"),
            change(Action::Delete, ResourceKind::Route, "ANY /old"),
            change(Action::Update, ResourceKind::Stage, "$default"),
        ],
    };
    let diagram = live(plan, Plan::default());
    let gateway = diagram.node("gateway").expect("gateway");
    assert_eq!(gateway.lines[1], "id a1b2, stage $default");
    assert_eq!(
        gateway.lines[2],
        "https://a1b2.execute-api.us-east-1.amazonaws.com"
    );
    assert_eq!(gateway.drift, ["~ stage $default"]);
    let route = diagram.node("route_1").expect("route");
    assert_eq!(route.drift, ["+ route ANY /iris/{proxy+}"]);
    let link = diagram.node("vpc_link").expect("link");
    assert_eq!(link.lines[1], "status AVAILABLE");
    assert!(!link.is_drifted());
    let unconfigured = diagram
        .nodes
        .iter()
        .find(|n| n.lines[0] == "ANY /old")
        .expect("the route only AWS has is drawn");
    assert!(unconfigured.is_drifted());
    assert!(has_edge(&diagram, "gateway", &unconfigured.id));
    for id in ["clients", "load_balancer", "api_1", "api_2"] {
        assert!(!diagram.node(id).expect(id).is_drifted(), "{id}");
    }
}

#[test]
fn what_another_gateway_kind_still_owns_marks_the_gateway() {
    let others = Plan {
        changes: vec![change(Action::Delete, ResourceKind::Api, "cortex-prod")],
    };
    let diagram = live(Plan::default(), others);
    let gateway = diagram.node("gateway").expect("gateway");
    assert_eq!(gateway.drift, ["- api cortex-prod (another gateway kind)"]);
}

#[test]
fn changes_are_matched_to_the_route_whose_path_is_the_longest_prefix() {
    let config = config(
        CLUSTER,
        Some(
            "- {name: a, kind: RealtimeAPI, networking: {endpoint: /v1}}\n- {name: b, kind: RealtimeAPI, networking: {endpoint: /v1/b}}\n",
        ),
        None,
    );
    let routes = crate::desired::routes(&config);
    assert_eq!(model::route_of("ANY /v1/{proxy+}", &routes), Some(0));
    assert_eq!(model::route_of("ANY /v1/b", &routes), Some(1));
    assert_eq!(model::route_of("OPTIONS /v1/b/{proxy+}", &routes), Some(1));
    assert_eq!(
        model::route_of("/v1b", &routes),
        None,
        "whole segments only"
    );
    assert_eq!(model::route_of("load-balancer", &routes), None);
    let catch_all = crate::desired::routes(&config_without_apis());
    assert_eq!(model::route_of("ANY /{proxy+}", &catch_all), Some(0));
    assert_eq!(model::route_of("/", &catch_all), Some(0));
}

fn config_without_apis() -> Config {
    config(CLUSTER, None, None)
}

/// Every node (by id, kind, drift mark and every shown line) and every edge (by its ends and
/// label) of `diagram` is in both renderings.
fn assert_rendered(diagram: &Diagram) {
    let svg = svg::render(diagram);
    let mermaid = mermaid::render(diagram);
    for node in &diagram.nodes {
        let group = format!(
            r#"id="node-{}" data-kind="{}" data-drifted="{}""#,
            node.id,
            node.kind.as_str(),
            node.is_drifted()
        );
        assert!(svg.contains(&group), "{group} in {svg}");
        for line in svg::shown_lines(node) {
            assert!(svg.contains(&svg::escape(&line)), "{line} in {svg}");
            assert!(
                mermaid.contains(&mermaid::escape(&line)),
                "{line} in {mermaid}"
            );
        }
        assert!(mermaid.contains(&format!("    {}", node.id)), "{}", node.id);
    }
    for edge in &diagram.edges {
        let ends = format!(r#"data-from="{}" data-to="{}""#, edge.from, edge.to);
        assert!(svg.contains(&ends), "{ends} in {svg}");
        let arrow = if edge.label.is_empty() {
            format!("{} --> {}", edge.from, edge.to)
        } else {
            format!(
                "{} -->|\"{}\"| {}",
                edge.from,
                mermaid::escape(&edge.label),
                edge.to
            )
        };
        assert!(mermaid.contains(&arrow), "{arrow} in {mermaid}");
    }
    let groups = svg.matches(r#"<g class="node"#).count();
    assert_eq!(groups, diagram.nodes.len(), "one group per node");
    assert_eq!(
        svg.matches(r#"<g class="edge""#).count(),
        diagram.edges.len()
    );
}

#[test]
fn both_renderings_carry_every_node_and_edge_and_mark_drift() {
    let plan = Plan {
        changes: vec![change(Action::Create, ResourceKind::Route, "ANY /iris")],
    };
    let diagram = live(plan, Plan::default());
    assert_rendered(&diagram);
    let svg = svg::render(&diagram);
    assert!(svg.contains(r#"class="node drifted" id="node-route_1""#));
    assert!(svg.contains("DRIFTED: up would make 1 change<"));
    let mermaid = mermaid::render(&diagram);
    assert!(mermaid.starts_with("---\ntitle: "));
    assert!(mermaid.contains("\nflowchart LR\n"));
    assert!(mermaid.contains("    class route_1 drifted\n"), "{mermaid}");
    let planned = planned(
        &config(CLUSTER, Some(APIS), Some(JWT)),
        Scheme::InternetFacing,
    );
    assert_rendered(&planned);
    assert!(!mermaid::render(&planned).contains("    class "));
}

#[test]
fn labels_are_escaped_in_both_renderings() {
    let mut diagram = planned(&config_without_apis(), Scheme::InternetFacing);
    let hostile = "a<script>alert(\"x\")</script> & 'b' #1 `c`\u{7}\nd";
    diagram.nodes[0].lines.push(hostile.into());
    diagram.edges[0].label = hostile.into();
    assert_rendered(&diagram);
    let svg = svg::render(&diagram);
    assert!(!svg.contains("<script"), "{svg}");
    assert!(svg.contains(
        "a&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &apos;b&apos; #1 `c`\\u{7}\nd"
    ));
    let mermaid = mermaid::render(&diagram);
    assert!(
        mermaid.contains(
            "a#lt;script#gt;alert(#quot;x#quot;)#lt;/script#gt; #amp; 'b' #35;1 #96;c#96;  d"
        ),
        "{mermaid}"
    );
    for line in mermaid.lines().filter(|l| l.contains("script")) {
        let quotes = line.matches('"').count();
        assert_eq!(quotes, 2, "only the label's own quotes: {line}");
    }
}

#[test]
fn long_lines_are_cut_in_the_svg() {
    let mut diagram = planned(&config_without_apis(), Scheme::InternetFacing);
    diagram.nodes[0].lines.push("x".repeat(200));
    let svg = svg::render(&diagram);
    assert!(svg.contains(&format!("{}…", "x".repeat(63))));
    let drawn = svg.lines().filter(|line| line.starts_with("<text"));
    assert!(
        drawn.clone().all(|line| !line.contains(&"x".repeat(64))),
        "the box shows the cut line"
    );
    assert!(svg.contains(&"x".repeat(200)), "its tooltip the whole line");
}

#[test]
fn the_placeholder_takes_the_configured_scheme_and_says_it_was_not_discovered() {
    let config = config(&internal_cluster(), Some(APIS), None);
    let lb = placeholder_load_balancer(&config);
    assert_eq!(lb.scheme, Scheme::Internal);
    let diagram = planned_from(&config, "us-east-1", &lb, true).expect("planned");
    let node = diagram.node("load_balancer").expect("lb");
    assert_eq!(
        node.lines[0],
        "load balancer <the cluster's API load balancer>"
    );
    assert_eq!(node.lines[1], "network, internal");
    assert_eq!(node.lines[2], "listeners: TCP 80, TCP 443");
    assert_eq!(node.lines[3], "not discovered: drawn from cluster.yaml");
    assert!(diagram.node("vpc_link").is_some());
}

fn examples() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("examples/")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.join("cluster.yaml").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// The picture `cortex-net diagram --planned` draws offline for an example.
fn example_picture(dir: &std::path::Path) -> String {
    let mut options = netconf::LoadOptions::new(dir.join("cluster.yaml"));
    options.apis_file = Some(dir.join("cortex.yaml")).filter(|p| p.is_file());
    options.settings_file = Some(dir.join("cortex-net.yaml")).filter(|p| p.is_file());
    let config = match netconf::load_with_env(&options, Vec::new()) {
        Ok(loaded) => loaded.config,
        Err(error) => panic!("{}: {error}", dir.display()),
    };
    let region = config.cluster.region.clone().unwrap_or_default();
    let lb = placeholder_load_balancer(&config);
    let diagram = planned_from(&config, &region, &lb, true).expect("planned");
    svg::render(&diagram)
}

#[test]
fn every_example_has_its_current_picture() {
    let dirs = examples();
    assert!(dirs.len() >= 7, "{dirs:?}");
    for dir in dirs {
        let path = dir.join("architecture.svg");
        let drawn = example_picture(&dir);
        let kept = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            kept == drawn,
            "{} is not what `cortex-net diagram --planned` draws; regenerate it (README, \"Architecture diagrams\")",
            path.display()
        );
        let readme = std::fs::read_to_string(dir.join("README.md")).expect("README");
        assert!(
            readme.contains("](architecture.svg)"),
            "{} shows its picture",
            dir.display()
        );
    }
}
