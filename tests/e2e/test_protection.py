"""Protecting the public endpoints (issue 10), end to end: API keys and usage plans on REST APIs
(LocalStack enforces keys on requests through the gateway), IAM on REST methods, a JWT
authorizer, IAM routes, throttles and access logs on HTTP APIs (moto), each read back with boto3
after `up`; a converged `up` that writes nothing; changes applied as the smallest set of
changes; `down` leaving no owned API, key or plan and every decoy key, plan and log group.

AWS's rules that the emulators skip hold through the proxies (support/protection_rules.py):
a usage plan may name only a stage that exists, a plan listing a stage cannot be deleted, REST
logging needs the account's CloudWatch role. Every CLI run here goes through a `Recorder`'s
proxies, so the order AWS needs (the stage before the plan naming it, the plan letting go of
the stage before the stage or API goes) is asserted on the recorded calls, and a refusal by a
rule is a failure.

LocalStack starts every account with a CloudWatch role set (AWS: none); the access log test
removes it first, in its own account."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest

from conftest import ENDPOINT, LOCALSTACK, MOTO_PROXY, account_env, api_spec, change_set, invoke
from support.gateways import assert_decoys_intact, assert_owned, run_json, v1_links
from support.hosts import map_host
from support.protection import (Logs, Recorder, assert_rest_decoys_intact, first, json_format_keys,
                                make_rest_decoys, method_settings, methods, owned_keys, owned_plans,
                                plan_key_ids)

pytestmark = pytest.mark.shared_region

ISSUER = "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_e2eProtect"
# The fields every access log line carries (gw_core::ACCESS_LOG_FORMAT; REST lines add the API
# key's id, HTTP APIs have none).
LOG_FIELDS = {"requestId", "ip", "method", "path", "status", "latencyMs"}


def rest_settings() -> dict:
    return {
        "gateway": {"type": "rest", "auth": "api_key", "throttle": {"rate": 100, "burst": 200}},
        "apis": {"iris": {"throttle": {"rate": 5, "burst": 10}}},
        "api_keys": [{"name": "partner-a"}, {"name": "partner-b", "value_env": "PARTNER_B_KEY"}],
        "usage_plans": [{"name": "partners", "throttle": {"rate": 10, "burst": 20},
                         "quota": {"limit": 1000, "period": "day"}, "keys": ["partner-a", "partner-b"]}],
    }


def rest_workspace(seed, workspace, backend, scheme: str, settings: dict | None = None):
    """A seeded cluster whose load balancer's name resolves to the backend inside LocalStack,
    with two Cortex APIs (iris, bert) and the given settings."""
    seeded = seed(scheme=scheme, port=backend.port)
    map_host(seeded["load_balancer"]["dns_name"])
    ws = workspace(seeded["cluster"], seeded["region"], api_load_balancer_scheme=scheme)
    ws.write_apis([api_spec("iris", "/iris"), api_spec("bert", "/bert")])
    ws.write_settings(settings or rest_settings())
    return seeded, ws


def the_rest_api(rest, cluster: str) -> dict:
    apis = rest.owned_rest_apis(cluster)
    assert len(apis) == 1, f"expected one owned REST API for {cluster}: {apis}"
    return apis[0]


def stage_pairs(plan: dict) -> list[tuple[str, str]]:
    return [(s["apiId"], s["stage"]) for s in plan.get("apiStages") or []]


def throttle_of(settings: dict) -> tuple[float, int]:
    return settings.get("throttlingRateLimit"), settings.get("throttlingBurstLimit")


def assert_key_guards(api_id: str, backend, good: list[str], bad: list[str]) -> dict[str, int]:
    """Requests through LocalStack to /iris/predict: 403 without a key and with each bad key,
    not 403 with each good key, which reach the backend. {what: status} for the report."""
    seen: dict[str, int] = {}
    status, _, body = invoke(api_id, "dev", "/iris/predict")
    seen["no key"] = status
    assert status == 403, f"a request without a key got {status}: {body[:200]!r}"
    for i, key in enumerate(bad):
        status, _, body = invoke(api_id, "dev", "/iris/predict", headers={"x-api-key": key})
        seen[f"bad key {i}"] = status
        assert status == 403, f"a request with a key that is not valid got {status}: {body[:200]!r}"
    for i, key in enumerate(good):
        before = len(backend.received("GET", "/iris/predict"))
        status, _, body = invoke(api_id, "dev", "/iris/predict", query=f"k={i}", headers={"x-api-key": key})
        seen[f"good key {i}"] = status
        assert status == 200, f"a request with a valid key got {status}: {body[:200]!r}"
        assert len(backend.received("GET", "/iris/predict")) == before + 1, "the keyed request did not arrive"
    print(f"requests through LocalStack to {api_id}/dev/iris/predict: {seen}")
    return seen


@pytest.mark.parametrize("scheme", ["internet-facing", "internal"])
def test_rest_api_keys_guard_requests_and_go_with_down(cli, aws, rest, account, seed, workspace, backend,
                                                      aws_proxy, scheme):
    seeded, ws = rest_workspace(seed, workspace, backend, scheme)
    cluster = seeded["cluster"]
    decoys = make_rest_decoys(rest, cluster)
    partner_b = f"pb-{uuid.uuid4().hex}"  # AWS wants at least 20 characters
    rec = Recorder(aws_proxy, ENDPOINT, LOCALSTACK)
    env = account_env(account, PARTNER_B_KEY=partner_b, **rec.env)

    up = run_json(cli, ws, "up", "--yes", env=env, apis=True).ok()
    assert {("create", "api-key"), ("create", "usage-plan")} <= change_set(up.json), up.json
    assert partner_b not in up.stdout + up.stderr, "a key's value was printed"
    api = the_rest_api(rest, cluster)
    if scheme == "internal":  # requests below go through the API's private integrations
        (link,) = v1_links(rest, cluster)
        proxy_path = rest.resources(api["id"])["/iris/{proxy+}"]
        integration = rest.integration(api["id"], proxy_path["id"], "ANY")
        assert (integration.get("connectionType"), integration.get("connectionId")) == ("VPC_LINK", link["id"])

    keys = owned_keys(rest, cluster)
    assert set(keys) == {"partner-a", "partner-b"}, keys
    for name, key in keys.items():
        assert key["enabled"] is True, key
        assert_owned(key.get("tags"), cluster, f"API key {name}")
    assert keys["partner-b"]["value"] == partner_b, "the key's value is not the one from PARTNER_B_KEY"
    assert len(keys["partner-a"]["value"]) >= 20 and keys["partner-a"]["value"] != partner_b

    plans = owned_plans(rest, cluster)
    assert set(plans) == {"partners"}, plans
    plan = plans["partners"]
    assert_owned(plan.get("tags"), cluster, "usage plan")
    assert stage_pairs(plan) == [(api["id"], "dev")], plan
    assert (plan["throttle"]["rateLimit"], plan["throttle"]["burstLimit"]) == (10, 20), plan
    assert (plan["quota"]["limit"], plan["quota"]["period"]) == (1000, "DAY"), plan
    assert plan_key_ids(rest, plan["id"]) == {keys["partner-a"]["id"], keys["partner-b"]["id"]}

    found = methods(rest, api["id"])
    assert any(k.startswith("/iris") for k in found) and any(k.startswith("/bert") for k in found), found
    assert all(m.get("apiKeyRequired") is True for m in found.values()), found
    settings = method_settings(rest, api["id"])
    assert throttle_of(settings["*/*"]) == (100, 200), settings
    iris = {k: v for k, v in settings.items() if "iris" in k}
    assert iris and all(throttle_of(v) == (5, 10) for v in iris.values()), settings
    assert not [k for k in settings if "bert" in k], "bert has no throttle of its own"

    assert_key_guards(api["id"], backend, good=[partner_b, keys["partner-a"]["value"]],
                      bad=[f"not-a-key-{uuid.uuid4().hex}", decoys["values"]["partner-a"]])

    # AWS's order: the stage exists before a plan names it; keys and plan before binding them.
    ops = rec.ok_ops()
    assert first(ops, "CreateStage") < first(ops, "CreateUsagePlan") < first(ops, "CreateUsagePlanKey"), ops
    assert first(ops, "CreateApiKey") < first(ops, "CreateUsagePlanKey"), ops
    assert rec.refused() == []

    rec.clear()
    again = run_json(cli, ws, "up", "--yes", env=env, apis=True).ok()
    assert again.json["changes"] == [], again.describe()
    assert rec.writes() == [], f"a converged up wrote: {rec.writes()}"

    listed = run_json(cli, ws, "keys", "list", env=env, apis=True).ok()
    assert sorted(k["name"] for k in listed.json) == ["partner-a", "partner-b"], listed.json
    assert partner_b not in listed.stdout and keys["partner-a"]["value"] not in listed.stdout
    shown = cli("-a", str(ws.apis_file), "keys", "show", "partner-b", cwd=ws.root, env=env).ok()
    assert partner_b in shown.stdout, shown.describe()
    # `endpoints` says, per API, what guards it.
    guards = {e["api"]: e.get("protection") for e in run_json(cli, ws, "endpoints", env=env, apis=True).ok().json}
    assert guards["iris"] == {"auth": "api_key", "api_key_required": True, "throttle": {"rate": 5, "burst": 10}}, guards
    assert guards["bert"]["throttle"] == {"rate": 100, "burst": 200} and guards["bert"]["api_key_required"], guards
    status = run_json(cli, ws, "status", env=env, apis=True).ok().json
    assert {e["api"]: e.get("protection") for e in status["endpoints"]} == guards, status

    rec.clear()
    down = run_json(cli, ws, "down", "--yes", env=env, apis=True).ok()
    assert {("delete", "api-key"), ("delete", "usage-plan"), ("delete", "api")} <= change_set(down.json)
    assert rest.owned_rest_apis(cluster) == [] and owned_keys(rest, cluster) == {} and owned_plans(rest, cluster) == {}
    if scheme == "internal":
        assert v1_links(rest, cluster) == []
    # AWS's order: the plan lets go of the stage (or goes) before the stage or the API goes.
    ops = rec.ok_ops()
    released, gone = first(ops, "UpdateUsagePlan", "DeleteUsagePlan"), first(ops, "DeleteStage", "DeleteRestApi")
    assert released is not None and gone is not None and released < gone, ops
    assert rec.refused() == [], rec.refused()
    assert_rest_decoys_intact(rest, decoys)
    assert_decoys_intact(aws, seeded)
    assert run_json(cli, ws, "down", "--yes", env=env, apis=True).ok().json["changes"] == []


def test_rest_changes_are_the_smallest_set(cli, rest, account, seed, workspace, backend, aws_proxy):
    """A tighter throttle is one stage update, a tighter usage plan one plan update; a rotated key has a new id and value, the old one
    is gone and refused, the plan holds the new one; switching an API's auth from api_key to
    none changes its methods (and the deployment that publishes them), nothing else."""
    settings = rest_settings()
    seeded, ws = rest_workspace(seed, workspace, backend, "internet-facing", settings)
    cluster = seeded["cluster"]
    partner_b = f"pb-{uuid.uuid4().hex}"
    rec = Recorder(aws_proxy, ENDPOINT, LOCALSTACK)
    env = account_env(account, PARTNER_B_KEY=partner_b, **rec.env)
    run_json(cli, ws, "up", "--yes", env=env, apis=True).ok()
    api = the_rest_api(rest, cluster)

    # A tighter stage throttle.
    settings["gateway"]["throttle"] = {"rate": 50, "burst": 100}
    ws.write_settings(settings)
    plan = run_json(cli, ws, "plan", env=env, apis=True).ok()
    assert [(c["action"], c["kind"]) for c in plan.json["changes"]] == [("update", "stage")], plan.json
    rec.clear()
    run_json(cli, ws, "up", "--yes", env=env, apis=True).ok()
    assert rec.writes() == ["UpdateStage"], rec.writes()
    stage_settings = method_settings(rest, api["id"])
    assert throttle_of(stage_settings["*/*"]) == (50, 100), stage_settings
    assert all(throttle_of(v) == (5, 10) for k, v in stage_settings.items() if "iris" in k), stage_settings

    # A tighter usage plan: one plan update.
    settings["usage_plans"][0]["throttle"] = {"rate": 5, "burst": 10}
    settings["usage_plans"][0]["quota"] = {"limit": 500, "period": "week"}
    ws.write_settings(settings)
    plan = run_json(cli, ws, "plan", env=env, apis=True).ok()
    assert [(c["action"], c["kind"]) for c in plan.json["changes"]] == [("update", "usage-plan")], plan.json
    rec.clear()
    run_json(cli, ws, "up", "--yes", env=env, apis=True).ok()
    assert rec.writes() == ["UpdateUsagePlan"], rec.writes()
    partners = owned_plans(rest, cluster)["partners"]
    assert (partners["throttle"]["rateLimit"], partners["throttle"]["burstLimit"]) == (5, 10), partners
    assert (partners["quota"]["limit"], partners["quota"]["period"]) == (500, "WEEK"), partners

    # A key rotated.
    old = owned_keys(rest, cluster)["partner-a"]
    rec.clear()
    cli("-a", str(ws.apis_file), "keys", "rotate", "partner-a", "--yes", cwd=ws.root, env=env).ok()
    keys = owned_keys(rest, cluster)
    new = keys["partner-a"]
    assert new["id"] != old["id"] and new["value"] != old["value"], (old, new)
    assert old["id"] not in {k["id"] for k in rest.client.get_api_keys(limit=500)["items"]}, "the old key is left"
    plan_id = owned_plans(rest, cluster)["partners"]["id"]
    assert plan_key_ids(rest, plan_id) == {new["id"], keys["partner-b"]["id"]}
    # Only the key changes, and its holders keep a working key throughout: the new key is in the
    # plan before the old one goes.
    ops = rec.ok_ops()
    assert set(rec.writes()) <= {"CreateApiKey", "CreateUsagePlanKey", "DeleteUsagePlanKey", "DeleteApiKey",
                                 "TagResource"}, rec.writes()
    assert first(ops, "CreateApiKey") < first(ops, "CreateUsagePlanKey") < first(ops, "DeleteApiKey"), ops
    assert rec.refused() == []
    assert_key_guards(api["id"], backend, good=[new["value"]], bad=[old["value"]])
    assert run_json(cli, ws, "up", "--yes", env=env, apis=True).ok().json["changes"] == []

    # iris: api_key -> none.
    settings["apis"]["iris"]["auth"] = "none"
    ws.write_settings(settings)
    plan = run_json(cli, ws, "plan", env=env, apis=True).ok()
    changes = plan.json["changes"]
    assert {c["kind"] for c in changes} <= {"method", "deployment", "stage"}, changes
    changed_methods = [c for c in changes if c["kind"] == "method"]
    assert changed_methods and all("iris" in c["name"] for c in changed_methods), changes
    rec.clear()
    run_json(cli, ws, "up", "--yes", env=env, apis=True).ok()
    assert not [op for op in rec.writes() if "ApiKey" in op or "UsagePlan" in op], rec.writes()
    found = methods(rest, api["id"])
    assert all(m.get("apiKeyRequired") is False for k, m in found.items() if k.startswith("/iris")), found
    assert all(m.get("apiKeyRequired") is True for k, m in found.items() if k.startswith("/bert")), found
    assert invoke(api["id"], "dev", "/iris/predict")[0] == 200
    assert invoke(api["id"], "dev", "/bert/predict")[0] == 403
    run_json(cli, ws, "down", "--yes", env=env, apis=True).ok()
    assert owned_keys(rest, cluster) == {} and owned_plans(rest, cluster) == {}


def test_rest_iam_methods(cli, rest, account, seed, workspace, aws_proxy):
    """auth: iam on a REST API: every method is AWS_IAM (LocalStack does not check signatures on
    requests, so this is read back only); per-API `none` overrides it."""
    seeded = seed(decoys=False)
    ws = workspace(seeded["cluster"], seeded["region"])
    ws.write_apis([api_spec("iris", "/iris"), api_spec("bert", "/bert")])
    ws.write_settings({"gateway": {"type": "rest", "auth": "iam"}, "apis": {"bert": {"auth": "none"}}})
    rec = Recorder(aws_proxy, ENDPOINT, LOCALSTACK)
    env = account_env(account, **rec.env)
    run_json(cli, ws, "up", "--yes", env=env, apis=True).ok()
    api = the_rest_api(rest, seeded["cluster"])
    found = methods(rest, api["id"])
    iris = {k: m["authorizationType"] for k, m in found.items() if k.startswith("/iris")}
    bert = {k: m["authorizationType"] for k, m in found.items() if k.startswith("/bert")}
    assert iris and set(iris.values()) == {"AWS_IAM"}, found
    assert bert and set(bert.values()) == {"NONE"}, found
    assert not any(m.get("apiKeyRequired") for m in found.values()), found
    rec.clear()
    assert run_json(cli, ws, "up", "--yes", env=env, apis=True).ok().json["changes"] == []
    assert rec.writes() == []
    run_json(cli, ws, "down", "--yes", env=env, apis=True).ok()
    assert rest.owned_rest_apis(seeded["cluster"]) == []


def test_rest_access_logs_need_the_accounts_cloudwatch_role(cli, rest, account, region, seed, workspace,
                                                           aws_proxy):
    """Without the account's CloudWatch role, `up` changes nothing and says how to set it (exit
    1); with it, the stage's access logs go to the configured group in the documented format;
    `down` leaves the group (the user's) and every decoy group alone."""
    seeded = seed(decoys=False)
    cluster = seeded["cluster"]
    ws = workspace(cluster, region)
    ws.write_apis([api_spec("iris", "/iris")])
    logs = Logs(ENDPOINT, region)
    group = logs.create(f"/cortex/{cluster}/access-{uuid.uuid4().hex[:6]}")
    log_decoys = logs.make_decoys(cluster)
    destination = logs.arn(group, account)
    ws.write_settings({"gateway": {"type": "rest", "access_logs": {"destination_arn": destination}}})
    # A new AWS account has no role; LocalStack's accounts start with one.
    rest.client.update_account(patchOperations=[{"op": "remove", "path": "/cloudwatchRoleArn"}])
    rec = Recorder(aws_proxy, ENDPOINT, LOCALSTACK)
    env = account_env(account, **rec.env)

    refused = run_json(cli, ws, "up", "--yes", env=env, apis=True).fails(1)
    said = refused.stderr + refused.stdout
    print(f"up without the CloudWatch role, exit {refused.code}: {refused.stderr.strip()}")
    assert "cloudwatchRoleArn" in said or "CloudWatch" in said, refused.describe()
    assert "update-account" in said or "UpdateAccount" in said, refused.describe()
    assert rec.writes() == [], f"`up` wrote before saying the role is missing: {rec.writes()}"
    assert rec.refused() == [], "cortex-net sent the logging change instead of checking the role first"
    assert "GetAccount" in [c.op for c in rec.calls()], "the role was not read"
    assert rest.owned_rest_apis(cluster) == []

    role = f"arn:aws:iam::{account}:role/apigateway-cloudwatch-logs"
    rest.client.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn", "value": role}])
    rec.clear()
    run_json(cli, ws, "up", "--yes", env=env, apis=True).ok()
    assert "UpdateAccount" not in rec.writes(), "cortex-net changed the account-wide setting"
    api = the_rest_api(rest, cluster)
    access = rest.client.get_stage(restApiId=api["id"], stageName="dev").get("accessLogSettings") or {}
    assert access.get("destinationArn") == destination, access
    assert json_format_keys(access["format"]) == LOG_FIELDS | {"apiKeyId"}, access
    assert json.loads(access["format"])["apiKeyId"] == "$context.identity.apiKeyId", access
    assert rec.refused() == []
    rec.clear()
    assert run_json(cli, ws, "up", "--yes", env=env, apis=True).ok().json["changes"] == []
    assert rec.writes() == []

    run_json(cli, ws, "down", "--yes", env=env, apis=True).ok()
    assert rest.owned_rest_apis(cluster) == []
    assert logs.exists(group), "down deleted the user's log group"
    logs.assert_intact(log_decoys)


def test_http_jwt_iam_throttles_access_logs(cli, aws, region, seed, workspace, aws_proxy):
    """An HTTP API with a JWT authorizer (scopes on one API), IAM on another, the stage's and
    one API's throttles and access logs, read back; converged; a tighter throttle is one stage
    update; an auth switch (iam -> none) changes that API's routes only; `down` leaves no API
    and every log group."""
    seeded = seed()
    cluster = seeded["cluster"]
    ws = workspace(cluster, region)
    ws.write_apis([api_spec("iris", "/iris"), api_spec("bert", "/bert")])
    logs = Logs(ENDPOINT, region)
    group = logs.create(f"/cortex/{cluster}/access-{uuid.uuid4().hex[:6]}")
    log_decoys = logs.make_decoys(cluster)
    destination = logs.arn(group, "123456789012")
    settings = {
        "gateway": {"type": "http", "auth": "jwt", "jwt": {"issuer": ISSUER, "audiences": ["app-client"]},
                    "throttle": {"rate": 100, "burst": 200}, "access_logs": {"destination_arn": destination}},
        "apis": {"iris": {"scopes": ["iris/read"], "throttle": {"rate": 5, "burst": 10}}, "bert": {"auth": "iam"}},
    }
    ws.write_settings(settings)
    rec = Recorder(aws_proxy, ENDPOINT, LOCALSTACK)
    env = rec.env

    up = run_json(cli, ws, "up", "--yes", env=env, apis=True).ok()
    assert ("create", "authorizer") in change_set(up.json), up.json
    (api,) = aws.owned_apis(cluster)
    api_id = api["ApiId"]
    # moto lists no authorizers (GetAuthorizers): read through the session proxy, which answers it.
    v2 = boto3.client("apigatewayv2", endpoint_url=MOTO_PROXY, region_name=region)
    (jwt,) = v2.get_authorizers(ApiId=api_id)["Items"]
    assert jwt["AuthorizerType"] == "JWT" and jwt["Name"] == "jwt", jwt
    assert jwt["JwtConfiguration"] == {"Issuer": ISSUER, "Audience": ["app-client"]}, jwt
    assert jwt["IdentitySource"] == ["$request.header.Authorization"], jwt
    routes = aws.routes_by_key(api_id)
    assert any("/iris" in k for k in routes) and any("/bert" in k for k in routes), routes
    for key, route in routes.items():
        if "/iris" in key:
            assert route.get("AuthorizationType") == "JWT" and route.get("AuthorizerId") == jwt["AuthorizerId"], route
            assert route.get("AuthorizationScopes") == ["iris/read"], route
        elif "/bert" in key:
            assert route.get("AuthorizationType") == "AWS_IAM", route
            assert not route.get("AuthorizationScopes"), route
    (stage,) = aws.stages(api_id)
    default = stage["DefaultRouteSettings"]
    assert (default.get("ThrottlingRateLimit"), default.get("ThrottlingBurstLimit")) == (100, 200), stage
    per_route = stage.get("RouteSettings") or {}
    iris = {k: v for k, v in per_route.items() if "/iris" in k}
    assert iris and all((v.get("ThrottlingRateLimit"), v.get("ThrottlingBurstLimit")) == (5, 10)
                        for v in iris.values()), per_route
    assert not [k for k in per_route if "/bert" in k], per_route
    assert stage["AccessLogSettings"]["DestinationArn"] == destination, stage
    assert json_format_keys(stage["AccessLogSettings"]["Format"]) == LOG_FIELDS, stage
    assert json.loads(stage["AccessLogSettings"]["Format"])["requestId"] == "$context.requestId", stage
    assert rec.refused() == []

    rec.clear()
    assert run_json(cli, ws, "up", "--yes", env=env, apis=True).ok().json["changes"] == []
    assert rec.writes() == [], f"a converged up wrote: {rec.writes()}"
    for command in ("endpoints", "status"):
        out = run_json(cli, ws, command, env=env, apis=True).ok().json
        guards = {e["api"]: e.get("protection") for e in (out if command == "endpoints" else out["endpoints"])}
        assert guards == {"iris": {"auth": "jwt", "scopes": ["iris/read"], "api_key_required": False,
                                   "throttle": {"rate": 5, "burst": 10}},
                          "bert": {"auth": "iam", "api_key_required": False,
                                   "throttle": {"rate": 100, "burst": 200}}}, (command, out)

    # A tighter stage throttle: one stage update.
    settings["gateway"]["throttle"] = {"rate": 50, "burst": 100}
    ws.write_settings(settings)
    plan = run_json(cli, ws, "plan", env=env, apis=True).ok()
    assert [(c["action"], c["kind"]) for c in plan.json["changes"]] == [("update", "stage")], plan.json
    rec.clear()
    run_json(cli, ws, "up", "--yes", env=env, apis=True).ok()
    assert rec.writes() == ["UpdateStage"], rec.writes()
    (stage,) = aws.stages(api_id)
    assert (stage["DefaultRouteSettings"]["ThrottlingRateLimit"], stage["DefaultRouteSettings"]["ThrottlingBurstLimit"]) \
        == (50, 100), stage
    assert all(v.get("ThrottlingRateLimit") == 5 for k, v in stage["RouteSettings"].items() if "/iris" in k), stage

    # bert: iam -> none, its routes only.
    settings["apis"]["bert"]["auth"] = "none"
    ws.write_settings(settings)
    plan = run_json(cli, ws, "plan", env=env, apis=True).ok()
    changes = plan.json["changes"]
    assert changes and all(c["kind"] == "route" and c["action"] == "update" and "/bert" in c["name"]
                           for c in changes), changes
    rec.clear()
    run_json(cli, ws, "up", "--yes", env=env, apis=True).ok()
    assert set(rec.writes()) == {"UpdateRoute"}, rec.writes()
    routes = aws.routes_by_key(api_id)
    assert all(r.get("AuthorizationType") == "NONE" for k, r in routes.items() if "/bert" in k), routes
    assert all(r.get("AuthorizationType") == "JWT" for k, r in routes.items() if "/iris" in k), routes

    # No JWT anywhere: iris's routes off the authorizer first, then the authorizer (AWS refuses
    # to delete one a route uses; the proxy's rule says so).
    settings["gateway"]["auth"] = "none"
    del settings["gateway"]["jwt"], settings["apis"]["iris"]["scopes"]
    ws.write_settings(settings)
    rec.clear()
    up = run_json(cli, ws, "up", "--yes", env=env, apis=True).ok()
    assert change_set(up.json) == {("update", "route"), ("delete", "authorizer")}, up.json
    ops = rec.ok_ops()
    assert first(ops, "UpdateRoute") < first(ops, "DeleteAuthorizer"), ops
    assert rec.refused() == [], rec.refused()
    assert v2.get_authorizers(ApiId=api_id)["Items"] == []
    routes = aws.routes_by_key(api_id)
    assert all(r.get("AuthorizationType") == "NONE" for r in routes.values()), routes

    run_json(cli, ws, "down", "--yes", env=env, apis=True).ok()
    assert aws.owned_apis(cluster) == []
    assert logs.exists(group), "down deleted the user's log group"
    logs.assert_intact(log_decoys)
    assert_decoys_intact(aws, seeded)
