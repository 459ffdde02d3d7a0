"""Shared steps of the gateway tests: running the CLI with JSON output, finding what cortex-net
owns, checking that decoys survived."""

from __future__ import annotations

from typing import Any


def run_json(cli, ws, command: str, *extra: str, env: dict | None = None, apis: bool = False):
    """`cortex-net [-a cortex.yaml] -o json <command> ...` in the workspace."""
    args = ["-a", str(ws.apis_file)] if apis else []
    return cli(*args, "-o", "json", command, *extra, cwd=ws.root, env=env)


def is_owned(tags: dict | None, cluster: str) -> bool:
    tags = tags or {}
    return tags.get("cortex.dev/cluster-name") == cluster and tags.get("managed-by") == "cortex-net"


def assert_owned(tags: dict | None, cluster: str, what: str) -> None:
    assert is_owned(tags, cluster), f"{what} lacks cortex-net's ownership tags for {cluster}: {tags}"


def v2_links(aws, cluster: str) -> list[dict]:
    """apigatewayv2 VPC links (moto) named like cortex-net names them, or tagged for the cluster."""
    return [link for link in aws.apigw.get_vpc_links().get("Items", [])
            if link.get("Name") == f"cortex-{cluster}" or is_owned(link.get("Tags"), cluster)]


def v1_links(rest, cluster: str) -> list[dict]:
    """apigateway (REST) VPC links (LocalStack) named or tagged for the cluster."""
    out = []
    for link in rest.vpc_links():
        tags = link.get("tags") or rest.vpc_link_tags(link["id"])
        if link.get("name") == f"cortex-{cluster}" or is_owned(tags, cluster):
            out.append({**link, "tags": tags})
    return out


def lb_exists(aws, name: str) -> bool:
    """Asked by name: a shared region holds more load balancers than one page lists."""
    try:
        return bool(aws.elbv2.describe_load_balancers(Names=[name])["LoadBalancers"])
    except aws.elbv2.exceptions.LoadBalancerNotFoundException:
        return False


def assert_decoys_intact(aws, seeded: dict) -> None:
    """The seed's decoys (and the cluster's own load balancer) are still there."""
    if seeded["load_balancer"].get("arn"):
        assert lb_exists(aws, seeded["load_balancer"]["name"]), "the cluster's load balancer is gone"
    else:
        assert seeded["load_balancer"]["name"] in aws.classic_lb_names(), "the cluster's load balancer is gone"
    decoys = seeded.get("decoys")
    if not decoys:
        return
    lbs = {n for n in (decoys["other_cluster_lb"]["name"], decoys["untagged_lb"]["name"]) if lb_exists(aws, n)}
    assert decoys["other_cluster_lb"]["name"] in lbs, "the other cluster's load balancer is gone"
    assert decoys["untagged_lb"]["name"] in lbs, "the untagged load balancer is gone"
    foreign = decoys["foreign_api"]["id"]
    assert aws.apigw.get_api(ApiId=foreign)["ApiId"] == foreign, "the foreign HTTP API was deleted"
    assert aws.api_tags(foreign) == {"owner": "someone-else"}, "the foreign HTTP API was re-tagged"


def lines_with(text: str, *words: str) -> list[str]:
    return [line for line in text.splitlines() if all(w in line for w in words)]


def first_index(ops: list[str], op: str, default: Any = None):
    return ops.index(op) if op in ops else default


def last_index(ops: list[str], op: str, default: Any = None):
    return len(ops) - 1 - ops[::-1].index(op) if op in ops else default
