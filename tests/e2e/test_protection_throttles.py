"""A per-API throttle taken out of the configuration (issue 10), end to end on both gateway
kinds: after `up`, the API's own throttle is gone from AWS (REST: its method settings, removed
whole with UpdateStage `remove /~1iris/ANY`; HTTP: its route settings, DeleteRouteSettings)
while the stage-wide default stays, read back with boto3; a further `up` writes nothing.

Every CLI run goes through a `Recorder`'s proxies: LocalStack 4.13.1 refuses the REST removal
path that AWS accepts, and the proxy does what AWS does (support/stage_rules.py); moto lacks
DeleteRouteSettings, which the proxy answers (support/protection_rules.py)."""

from __future__ import annotations

import pytest

from conftest import ENDPOINT, LOCALSTACK, account_env, api_spec
from support.gateways import run_json
from support.protection import Recorder, method_settings

pytestmark = pytest.mark.shared_region

STAGE_THROTTLE = {"rate": 100, "burst": 200}


def settings(kind: str, iris_throttled: bool) -> dict:
    apis = {"iris": {"throttle": {"rate": 5, "burst": 10}}} if iris_throttled else {}
    return {"gateway": {"type": kind, "throttle": STAGE_THROTTLE}, "apis": apis}


def drop_iris_throttle(cli, ws, env, rec, kind: str) -> None:
    """Removes iris's throttle from the settings: the plan is one stage update, and `up`
    applies it (each test then checks its writes), without a call AWS would refuse."""
    ws.write_settings(settings(kind, iris_throttled=False))
    plan = run_json(cli, ws, "plan", env=env, apis=True).ok().json["changes"]
    assert [(c["action"], c["kind"]) for c in plan] == [("update", "stage")], plan
    rec.clear()
    up = run_json(cli, ws, "up", "--yes", env=env, apis=True).ok().json
    assert [(c["action"], c["kind"], c["result"]) for c in up["changes"]] == [("update", "stage", "ok")], up
    assert rec.refused() == [], rec.refused()


def assert_converged(cli, ws, env, rec) -> None:
    rec.clear()
    assert run_json(cli, ws, "up", "--yes", env=env, apis=True).ok().json["changes"] == []
    assert rec.writes() == [], f"a converged up wrote: {rec.writes()}"


def test_rest_per_api_throttle_removed(cli, rest, account, seed, workspace, aws_proxy):
    seeded = seed(decoys=False)
    cluster = seeded["cluster"]
    ws = workspace(cluster, seeded["region"])
    ws.write_apis([api_spec("iris", "/iris"), api_spec("bert", "/bert")])
    ws.write_settings(settings("rest", iris_throttled=True))
    rec = Recorder(aws_proxy, ENDPOINT, LOCALSTACK)
    env = account_env(account, **rec.env)
    run_json(cli, ws, "up", "--yes", env=env, apis=True).ok()
    (api,) = rest.owned_rest_apis(cluster)
    before = method_settings(rest, api["id"])
    assert [k for k in before if "iris" in k], before

    drop_iris_throttle(cli, ws, env, rec, "rest")
    assert rec.writes() == ["UpdateStage"], rec.writes()
    removals = [c for c in rec.calls() if c.op == "UpdateStage" and c.emulated == "stage-method-setting-removed"]
    assert removals and all(200 <= c.status < 300 for c in removals), rec.calls()
    after = method_settings(rest, api["id"])
    assert not [k for k in after if "iris" in k], after
    default = after["*/*"]
    assert (default["throttlingRateLimit"], default["throttlingBurstLimit"]) == (100, 200), after
    assert_converged(cli, ws, env, rec)
    run_json(cli, ws, "down", "--yes", env=env, apis=True).ok()
    assert rest.owned_rest_apis(cluster) == []


def test_http_per_api_throttle_removed(cli, aws, region, seed, workspace, aws_proxy):
    seeded = seed(decoys=False)
    cluster = seeded["cluster"]
    ws = workspace(cluster, region)
    ws.write_apis([api_spec("iris", "/iris"), api_spec("bert", "/bert")])
    ws.write_settings(settings("http", iris_throttled=True))
    rec = Recorder(aws_proxy, ENDPOINT, LOCALSTACK)
    env = rec.env
    run_json(cli, ws, "up", "--yes", env=env, apis=True).ok()
    (api,) = aws.owned_apis(cluster)
    (stage,) = aws.stages(api["ApiId"])
    assert [k for k in stage.get("RouteSettings") or {} if "/iris" in k], stage

    drop_iris_throttle(cli, ws, env, rec, "http")
    writes = rec.writes()
    assert writes and set(writes) == {"DeleteRouteSettings"}, writes
    (stage,) = aws.stages(api["ApiId"])
    assert not [k for k in stage.get("RouteSettings") or {} if "/iris" in k], stage
    default = stage["DefaultRouteSettings"]
    assert (default.get("ThrottlingRateLimit"), default.get("ThrottlingBurstLimit")) == (100, 200), stage
    assert_converged(cli, ws, env, rec)
    run_json(cli, ws, "down", "--yes", env=env, apis=True).ok()
    assert aws.owned_apis(cluster) == []
