"""Waiting for VPC links: PENDING for a while, FAILED, PENDING beyond the timeout.

The emulators make links AVAILABLE at once, so a proxy in front of them (support/awsproxy.py)
rewrites the GetVpcLink answers. HTTP APIs use a v2 link (moto), REST APIs a v1 link
(LocalStack)."""

from __future__ import annotations

import pytest

from conftest import ENDPOINT, LOCALSTACK, account_env
from support.gateways import lines_with, run_json, v1_links, v2_links

pytestmark = pytest.mark.shared_region

FAILED_MESSAGE = "NLB arn:aws:elasticloadbalancing:injected is not in ACTIVE state (injected by the e2e proxy)"


def internal_http(seed, workspace, aws_proxy, settings: dict | None = None):
    seeded = seed(scheme="internal", decoys=False)
    ws = workspace(seeded["cluster"], seeded["region"], api_load_balancer_scheme="internal")
    if settings:
        ws.write_settings(settings)
    proxy = aws_proxy(ENDPOINT, "moto")
    return seeded, ws, proxy, {"AWS_ENDPOINT_URL_APIGATEWAYV2": proxy.url}


def internal_rest(seed, workspace, aws_proxy, account, settings: dict | None = None):
    seeded = seed(scheme="internal", decoys=False)
    ws = workspace(seeded["cluster"], seeded["region"], api_load_balancer_scheme="internal")
    ws.write_settings({"gateway": {"type": "rest", **((settings or {}).get("gateway") or {})}})
    proxy = aws_proxy(LOCALSTACK, "localstack")
    return seeded, ws, proxy, account_env(account, AWS_ENDPOINT_URL_API_GATEWAY=proxy.url)


def assert_waited(r, proxy, cluster: str):
    r.ok()
    # Not a terminal: one log line per poll still waiting, naming the link and its status.
    waiting = lines_with(r.stderr, f"cortex-{cluster}", "PENDING")
    assert len(waiting) >= 3, f"expected >= 3 progress lines naming the link and PENDING; calls {proxy.ops()}\n{r.describe()}"
    assert "\r" not in r.stderr, "spinner output although stderr is no terminal"
    assert proxy.count("GetVpcLink") >= 4, proxy.ops()


# ---------------------------------------------------------------------------
# HTTP API, VPC link v2 (moto)
# ---------------------------------------------------------------------------

def test_http_link_pending_three_polls_then_available(cli, aws, seed, workspace, aws_proxy):
    seeded, ws, proxy, env = internal_http(seed, workspace, aws_proxy)
    cluster = seeded["cluster"]
    proxy.vpc_link_pending(3)
    r = run_json(cli, ws, "up", "--yes", env=env)
    assert_waited(r, proxy, cluster)
    links = v2_links(aws, cluster)
    assert len(links) == 1, links
    api = aws.owned_apis(cluster)
    assert len(api) == 1, api
    integ = aws.integrations(api[0]["ApiId"])
    assert [i.get("ConnectionId") for i in integ] == [links[0]["VpcLinkId"]], integ
    # The API was made only after the link was usable.
    ops = proxy.ops()
    assert ops.index("CreateApi") > max(i for i, op in enumerate(ops) if op == "GetVpcLink"), ops


def test_http_link_failed_reports_aws_message_and_builds_nothing_more(cli, aws, seed, workspace, aws_proxy):
    seeded, ws, proxy, env = internal_http(seed, workspace, aws_proxy)
    cluster = seeded["cluster"]
    proxy.vpc_link_failed(FAILED_MESSAGE)
    r = run_json(cli, ws, "up", "--yes", env=env).fails(1)
    assert FAILED_MESSAGE in r.stderr, r.describe()
    assert "FAILED" in r.stderr, r.describe()
    assert "run `cortex-net down` and `cortex-net up` again" in r.stderr, r.describe()
    # Only the link was made: no API, integration, route or stage.
    assert len(v2_links(aws, cluster)) == 1
    assert aws.owned_apis(cluster) == []
    assert [op for op in proxy.ops() if op.startswith("Create")] == ["CreateVpcLink"], proxy.ops()

    # The fault is gone (AWS would have a new link by then): a re-run finishes with the same link.
    proxy.clear_faults()
    link_id = v2_links(aws, cluster)[0]["VpcLinkId"]
    r2 = run_json(cli, ws, "up", "--yes", env=env).ok()
    assert [l["VpcLinkId"] for l in v2_links(aws, cluster)] == [link_id], "a second link was made"
    apis = aws.owned_apis(cluster)
    assert len(apis) == 1, apis
    assert [i.get("ConnectionId") for i in aws.integrations(apis[0]["ApiId"])] == [link_id]
    assert proxy.count("CreateVpcLink") == 1, proxy.ops()
    assert r2.json["changes"], r2.describe()


def test_http_link_pending_forever_times_out_then_resumes_with_the_same_link(cli, aws, seed, workspace,
                                                                             aws_proxy):
    seeded, ws, proxy, env = internal_http(seed, workspace, aws_proxy,
                                           settings={"gateway": {"vpc_link_timeout_seconds": 10}})
    cluster = seeded["cluster"]
    proxy.vpc_link_pending(None)
    r = run_json(cli, ws, "up", "--yes", env=env).fails(1)
    assert "gateway.vpc_link_timeout_seconds" in r.stderr, r.describe()
    assert "PENDING" in r.stderr, r.describe()
    assert aws.owned_apis(cluster) == []
    links = v2_links(aws, cluster)
    assert len(links) == 1, links

    proxy.clear_faults()
    run_json(cli, ws, "up", "--yes", env=env).ok()
    assert [l["VpcLinkId"] for l in v2_links(aws, cluster)] == [links[0]["VpcLinkId"]]
    assert proxy.count("CreateVpcLink") == 1, proxy.ops()
    assert len(aws.owned_apis(cluster)) == 1
    assert run_json(cli, ws, "up", "--yes", env=env).ok().json["changes"] == []


# ---------------------------------------------------------------------------
# REST API, VPC link v1 (LocalStack)
# ---------------------------------------------------------------------------

def test_rest_link_pending_three_polls_then_available(cli, aws, rest, account, seed, workspace, aws_proxy):
    seeded, ws, proxy, env = internal_rest(seed, workspace, aws_proxy, account)
    cluster = seeded["cluster"]
    proxy.vpc_link_pending(3)
    r = run_json(cli, ws, "up", "--yes", env=env)
    assert_waited(r, proxy, cluster)
    links = v1_links(rest, cluster)
    assert len(links) == 1, links
    assert len(rest.owned_rest_apis(cluster)) == 1


def test_rest_link_failed_then_timeout_then_resumes(cli, aws, rest, account, seed, workspace, aws_proxy):
    seeded, ws, proxy, env = internal_rest(seed, workspace, aws_proxy, account,
                                           settings={"gateway": {"vpc_link_timeout_seconds": 10}})
    cluster = seeded["cluster"]
    proxy.vpc_link_failed(FAILED_MESSAGE)
    r = run_json(cli, ws, "up", "--yes", env=env).fails(1)
    assert FAILED_MESSAGE in r.stderr, r.describe()
    assert "run `cortex-net down` and `cortex-net up` again" in r.stderr, r.describe()
    assert rest.owned_rest_apis(cluster) == []
    assert [op for op in proxy.ops() if op.startswith("Create")] == ["CreateVpcLink"], proxy.ops()

    proxy.vpc_link_pending(None)
    r = run_json(cli, ws, "up", "--yes", env=env).fails(1)
    assert "gateway.vpc_link_timeout_seconds" in r.stderr, r.describe()
    assert rest.owned_rest_apis(cluster) == []

    proxy.clear_faults()
    run_json(cli, ws, "up", "--yes", env=env).ok()
    assert len(v1_links(rest, cluster)) == 1
    assert proxy.count("CreateVpcLink") == 1, proxy.ops()
    assert len(rest.owned_rest_apis(cluster)) == 1
