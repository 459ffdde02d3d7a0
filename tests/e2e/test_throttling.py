"""429 TooManyRequestsException from API Gateway: the SDK's retries carry `up` through.

A proxy in front of the emulator (support/awsproxy.py) answers the first calls of one operation
with 429, as API Gateway does under its control-plane rate limits."""

from __future__ import annotations

import pytest

from conftest import ENDPOINT, LOCALSTACK, account_env
from support.gateways import run_json

pytestmark = pytest.mark.shared_region

RETRIES = {"AWS_RETRY_MODE": "standard", "AWS_MAX_ATTEMPTS": "5"}


def assert_retried(proxy, op: str, throttled: int):
    calls = [c for c in proxy.snapshot() if c.op == op]
    statuses = [c.status for c in calls]
    assert statuses[:throttled] == [429] * throttled, statuses
    assert len(calls) > throttled and all(s < 300 for s in statuses[throttled:]), statuses


def test_http_up_survives_throttled_create_route(cli, aws, seed, workspace, aws_proxy):
    seeded = seed(decoys=False)
    cluster = seeded["cluster"]
    ws = workspace(cluster, seeded["region"])
    proxy = aws_proxy(ENDPOINT, "moto")
    proxy.throttle("CreateRoute", 2)
    r = run_json(cli, ws, "up", "--yes", env={"AWS_ENDPOINT_URL_APIGATEWAYV2": proxy.url, **RETRIES}).ok()
    assert_retried(proxy, "CreateRoute", 2)
    apis = aws.owned_apis(cluster)
    assert len(apis) == 1, apis
    assert set(aws.routes_by_key(apis[0]["ApiId"])) == {"ANY /{proxy+}"}
    assert run_json(cli, ws, "up", "--yes", env={"AWS_ENDPOINT_URL_APIGATEWAYV2": proxy.url}).ok().json["changes"] == []
    assert r.json["gateway"]["id"] == apis[0]["ApiId"]


def test_rest_up_survives_throttled_put_rest_api(cli, rest, account, seed, workspace, aws_proxy):
    seeded = seed(decoys=False)
    cluster = seeded["cluster"]
    ws = workspace(cluster, seeded["region"])
    ws.write_settings({"gateway": {"type": "rest"}})
    proxy = aws_proxy(LOCALSTACK, "localstack")
    proxy.throttle("PutRestApi", 2)
    env = account_env(account, AWS_ENDPOINT_URL_API_GATEWAY=proxy.url, **RETRIES)
    run_json(cli, ws, "up", "--yes", env=env).ok()
    assert_retried(proxy, "PutRestApi", 2)
    apis = rest.owned_rest_apis(cluster)
    assert len(apis) == 1, apis
    assert run_json(cli, ws, "up", "--yes", env=env).ok().json["changes"] == []
