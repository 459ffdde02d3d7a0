"""`cortex-net diagram`: the architecture read from the emulators (HTTP internal, REST), drift
marked after a change made behind cortex-net's back, `--planned` before `up` and offline, Mermaid,
and the examples' pictures being what the command draws.

Every SVG is parsed with xml.etree (well-formed, or the test fails) into its state: each node is a
`<g class="node">` with `id="node-<id>"`, `data-kind` and `data-drifted`, each edge a
`<g class="edge">` with `data-from` and `data-to` (crates/cortex-net/src/diagram/svg.rs)."""

from __future__ import annotations

import os
import socket
import xml.etree.ElementTree as ET

import pytest

from conftest import REPO, account_env, api_spec

SVG = "{http://www.w3.org/2000/svg}"

# Resources are told apart by their cluster's unique names and tags, and the load balancer each
# cluster has of its own: a region shared with other such tests is enough.
pytestmark = pytest.mark.shared_region


def parse(document: str) -> tuple[dict[str, dict], set[tuple[str, str]]]:
    """({node id: {kind, drifted, text}}, {(from, to)}) of an SVG the command drew."""
    root = ET.fromstring(document)
    assert root.tag == f"{SVG}svg", root.tag
    assert not list(root.iter(f"{SVG}script")), "no script"
    nodes, edges = {}, set()
    for group in root.iter(f"{SVG}g"):
        classes = (group.get("class") or "").split()
        if "node" in classes:
            node_id = group.get("id").removeprefix("node-")
            text = "\n".join("".join(t.itertext()) for t in group.iter(f"{SVG}text"))
            nodes[node_id] = {"kind": group.get("data-kind"), "drifted": group.get("data-drifted") == "true",
                              "text": text}
        elif "edge" in classes:
            edges.add((group.get("data-from"), group.get("data-to")))
    for start, end in edges:
        assert start in nodes and end in nodes, f"edge {start} -> {end} between unknown nodes {sorted(nodes)}"
    return nodes, edges


def diagram(cli, ws, *extra: str, env: dict | None = None, apis: bool = False):
    args = ["-a", str(ws.apis_file)] if apis else []
    return cli(*args, "diagram", *extra, cwd=ws.root, env=env).ok()


def drawn(cli, ws, *extra: str, env: dict | None = None, apis: bool = False):
    return parse(diagram(cli, ws, *extra, env=env, apis=apis).stdout)


def kinds(nodes: dict) -> dict[str, list[str]]:
    by_kind: dict[str, list[str]] = {}
    for node_id, node in nodes.items():
        by_kind.setdefault(node["kind"], []).append(node_id)
    return by_kind


def drifted(nodes: dict) -> set[str]:
    return {node_id for node_id, node in nodes.items() if node["drifted"]}


def test_http_internal_planned_live_drift_and_mermaid(cli, aws, seed, workspace, tmp_path):
    seeded = seed(scheme="internal", decoys=False)
    cluster, lb = seeded["cluster"], seeded["load_balancer"]
    ws = workspace(cluster, seeded["region"], api_load_balancer_scheme="internal")
    ws.write_apis([api_spec("iris", "/iris"), api_spec("batch", "/batch", gateway="none", kind="BatchAPI")])

    # --planned before up: what up would build, in front of the discovered load balancer.
    nodes, edges = drawn(cli, ws, "--planned", apis=True)
    assert aws.owned_apis(cluster) == [], "diagram changed something"
    assert f"HTTP API cortex-{cluster}" in nodes["gateway"]["text"]
    assert "status made by up" in nodes["vpc_link"]["text"]
    assert f"load balancer {lb['name']}" in nodes["load_balancer"]["text"]
    assert "not discovered" not in nodes["load_balancer"]["text"]
    assert drifted(nodes) == set(), "a planned picture compares nothing"

    # Live before up: the gateway is missing, and marked.
    nodes, _ = drawn(cli, ws, apis=True)
    assert "not found in AWS" in nodes["gateway"]["text"] and nodes["gateway"]["drifted"], nodes["gateway"]

    cli("-a", str(ws.apis_file), "-o", "json", "up", "--yes", cwd=ws.root).ok()
    api = aws.owned_apis(cluster)[0]
    out = tmp_path / "live.svg"
    diagram(cli, ws, "--out-file", str(out), apis=True)
    nodes, edges = parse(out.read_text())
    assert kinds(nodes) == {"clients": ["clients"], "gateway": ["gateway"], "route": ["route_1"],
                            "vpc-link": ["vpc_link"], "load-balancer": ["load_balancer"],
                            "cortex-api": ["api_1", "api_2"]}, nodes
    assert api["ApiId"] in nodes["gateway"]["text"], nodes["gateway"]
    assert "ANY /iris" in nodes["route_1"]["text"]
    assert "status AVAILABLE" in nodes["vpc_link"]["text"], nodes["vpc_link"]
    assert f"load balancer {lb['name']}" in nodes["load_balancer"]["text"]
    assert "internal" in nodes["load_balancer"]["text"] and "TCP 80" in nodes["load_balancer"]["text"]
    assert "iris (RealtimeAPI)" in nodes["api_1"]["text"]
    assert "api_gateway: none" in nodes["api_2"]["text"] and "api_gateway: none" not in nodes["api_1"]["text"]
    assert edges == {("clients", "gateway"), ("gateway", "route_1"), ("route_1", "vpc_link"),
                     ("vpc_link", "load_balancer"), ("load_balancer", "api_1"), ("load_balancer", "api_2"),
                     ("clients", "load_balancer")}, edges
    assert drifted(nodes) == set(), nodes

    # A route deleted by hand: its node, and only its node, is drifted.
    route = aws.routes_by_key(api["ApiId"])["ANY /iris"]
    aws.apigw.delete_route(ApiId=api["ApiId"], RouteId=route["RouteId"])
    nodes, _ = drawn(cli, ws, apis=True)
    assert drifted(nodes) == {"route_1"}, nodes
    assert "DRIFTED: up would make 1 change" in nodes["route_1"]["text"]

    mermaid = diagram(cli, ws, "--format", "mermaid", apis=True).stdout
    assert "\nflowchart LR\n" in mermaid, mermaid
    for node_id in nodes:
        assert f"\n    {node_id}" in mermaid, (node_id, mermaid)
    assert "    route_1 --> vpc_link" in mermaid or '    route_1 -->|"through the VPC link"| vpc_link' in mermaid
    assert "\n    class route_1 drifted\n" in mermaid, mermaid
    assert "<svg" not in mermaid


def test_rest_internet_facing_live_and_drift(cli, aws, rest, account, seed, workspace):
    seeded = seed(decoys=False)
    cluster = seeded["cluster"]
    ws = workspace(cluster, seeded["region"])
    ws.write_settings({"gateway": {"type": "rest"}})
    env = account_env(account)
    cli("-o", "json", "up", "--yes", cwd=ws.root, env=env).ok()
    api = rest.owned_rest_apis(cluster)[0]

    nodes, edges = drawn(cli, ws, env=env)
    assert kinds(nodes) == {"clients": ["clients"], "gateway": ["gateway"], "route": ["route_1"],
                            "load-balancer": ["load_balancer"], "cortex-api": ["api_all"]}, nodes
    assert f"REST API cortex-{cluster}" in nodes["gateway"]["text"] and api["id"] in nodes["gateway"]["text"]
    assert "stage dev" in nodes["gateway"]["text"]
    assert "ANY /{proxy+}" in nodes["route_1"]["text"]
    assert edges == {("clients", "gateway"), ("gateway", "route_1"), ("route_1", "load_balancer"),
                     ("load_balancer", "api_all")}, edges
    assert drifted(nodes) == set(), nodes

    proxy = rest.resources(api["id"])["/{proxy+}"]
    rest.client.delete_method(restApiId=api["id"], resourceId=proxy["id"], httpMethod="ANY")
    nodes, _ = drawn(cli, ws, env=env)
    assert "route_1" in drifted(nodes), nodes
    assert drifted(nodes) <= {"route_1", "gateway"}, "a redeployment is the gateway's"
    assert not {"clients", "load_balancer", "api_all"} & drifted(nodes)


def offline_env() -> dict:
    """Every AWS endpoint a closed local port: discovery fails at once, without the network."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: None for k in os.environ if k.startswith("AWS_ENDPOINT_URL")}
    env.update({"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_MAX_ATTEMPTS": "1",
                "AWS_ACCESS_KEY_ID": "offline", "AWS_SECRET_ACCESS_KEY": "offline"})
    return env


def test_planned_offline_draws_a_placeholder_load_balancer(cli, workspace):
    ws = workspace("offline", "eu-west-1", api_load_balancer_scheme="internal")
    result = diagram(cli, ws, "--planned", env=offline_env())
    assert "load balancer not discovered" in result.stderr, result.describe()
    nodes, edges = parse(result.stdout)
    assert "<the cluster's API load balancer>" in nodes["load_balancer"]["text"]
    assert "network, internal" in nodes["load_balancer"]["text"]
    assert "not discovered: drawn from cluster.yaml" in nodes["load_balancer"]["text"]
    assert ("route_1", "vpc_link") in edges and ("vpc_link", "load_balancer") in edges, edges


def test_example_pictures_are_what_the_command_draws(cli):
    examples = sorted(p.parent for p in (REPO / "examples").glob("*/cluster.yaml"))
    assert len(examples) >= 7, examples
    for example in examples:
        result = cli("-a", "cortex.yaml", "diagram", "--planned", cwd=example, env=offline_env()).ok()
        kept = (example / "architecture.svg").read_text()
        assert result.stdout == kept, f"{example.name}/architecture.svg is stale: regenerate it (README)"
        nodes, _ = parse(kept)
        assert {"clients", "load_balancer"} <= set(nodes), (example.name, nodes)
        assert "](architecture.svg)" in (example / "README.md").read_text(), example.name
