"""REST API gateways (`gateway.type: rest`) on LocalStack, proven by requests through the gateway.

LocalStack proxies `<LocalStack>/_aws/execute-api/<id>/<stage>/<path>` to the integration URI's
host; the load balancer's DNS name is mapped to 127.0.0.1 in LocalStack's hosts file
(support/hosts.py) and the seeded listener uses the port of a stand-in backend
(support/backend.py), so the requests arrive there. Each test uses an account of its own.

The CLI puts the API's content as one OpenAPI document (PutRestApi). LocalStack drops the
private integrations' `connectionType`, `connectionId` and `integrationTarget` from it, AWS keeps
them: every proxy completes the import in LocalStack from the document, and the session proxy's
integration-target rule keeps the target (support/awsproxy.py), so a VPC link v2 integration is
read through it."""

from __future__ import annotations

import json

import pytest

from conftest import LOCALSTACK_PROXY, SESSION_PROXIES, Rest, account_env, api_spec, assert_changes_shape, invoke
from support.gateways import assert_decoys_intact, assert_owned, run_json, v1_links, v2_links
from support.hosts import map_host

pytestmark = pytest.mark.shared_region


def rest_cluster(seed, workspace, backend, *, scheme="internet-facing", settings=None, decoys=True):
    seeded = seed(scheme=scheme, port=backend.port, decoys=decoys)
    map_host(seeded["load_balancer"]["dns_name"])
    ws = workspace(seeded["cluster"], seeded["region"], api_load_balancer_scheme=scheme)
    gateway = {"type": "rest", **((settings or {}).get("gateway") or {})}
    ws.write_settings({**(settings or {}), "gateway": gateway})
    return seeded, ws


def the_rest_api(rest, cluster: str) -> dict:
    apis = rest.owned_rest_apis(cluster)
    assert len(apis) == 1, f"expected one owned REST API for {cluster}, got {apis}"
    api = apis[0]
    assert api["name"] == f"cortex-{cluster}", api
    assert_owned(api.get("tags"), cluster, "REST API")
    return api


def assert_proxy_integration(integ: dict, uri: str, *, link_id: str | None = None):
    assert integ["type"] == "HTTP_PROXY", integ
    assert integ["uri"] == uri, integ
    if link_id is None:
        assert integ.get("connectionType", "INTERNET") == "INTERNET", integ
    else:
        assert integ.get("connectionType") == "VPC_LINK", integ
        assert integ.get("connectionId") == link_id, integ


def assert_catch_all(rest, api_id: str, base: str, *, link_id: str | None = None):
    res = rest.resources(api_id)
    assert "/{proxy+}" in res and "/" in res, sorted(res)
    proxy_res = res["/{proxy+}"]
    assert "ANY" in (proxy_res.get("resourceMethods") or {}), proxy_res
    integ = rest.integration(api_id, proxy_res["id"], "ANY")
    assert_proxy_integration(integ, f"{base}/{{proxy}}", link_id=link_id)
    assert integ.get("requestParameters") == {
        "integration.request.path.proxy": "method.request.path.proxy"}, integ
    # The root is forwarded too.
    root = res["/"]
    assert "ANY" in (root.get("resourceMethods") or {}), root
    root_integ = rest.integration(api_id, root["id"], "ANY")
    assert root_integ["type"] == "HTTP_PROXY" and root_integ["uri"].startswith(base), root_integ
    if link_id is not None:
        assert root_integ.get("connectionId") == link_id, root_integ


def as_aws_keeps_it(rest: Rest) -> Rest:
    """The same account and region read through the session proxy: integrations carry the
    `integrationTarget` AWS keeps (LocalStack drops it)."""
    return Rest(rest.region, rest.account, endpoint=LOCALSTACK_PROXY)


def assert_dev_stage(rest, api_id: str, stage: str = "dev") -> str:
    stages = {s["stageName"]: s for s in rest.stages(api_id)}
    assert list(stages) == [stage], stages
    assert stages[stage].get("deploymentId"), stages[stage]
    return stages[stage]["deploymentId"]


def assert_requests_arrive(backend, api_id: str, stage: str = "dev", prefix: str = ""):
    """GET with a query and POST with a JSON body and a query reach the backend unchanged."""
    status, _, body = invoke(api_id, stage, f"{prefix}/iris/predict", query="a=1&b=two")
    assert status == 200, (status, body)
    got = backend.received("GET", f"{prefix}/iris/predict")
    assert got and got[-1].query == {"a": ["1"], "b": ["two"]}, [vars(r) for r in backend.requests]

    payload = {"sepal_length": 5.2, "label": "süß"}
    data = json.dumps(payload).encode()
    status, _, body = invoke(api_id, stage, f"{prefix}/iris", method="POST", body=data, query="debug=true",
                             headers={"Content-Type": "application/json"})
    assert status == 200, (status, body)
    got = backend.received("POST", f"{prefix}/iris")
    assert got, [vars(r) for r in backend.requests]
    assert got[-1].query == {"debug": ["true"]}, vars(got[-1])
    assert got[-1].json() == payload, vars(got[-1])
    assert json.loads(body)["path"] == f"{prefix}/iris", body


def test_rest_internet_facing_up_invoke_converge_redeploy_down(cli, aws, rest, account, seed, workspace, backend):
    seeded, ws = rest_cluster(seed, workspace, backend)
    cluster, dns = seeded["cluster"], seeded["load_balancer"]["dns_name"]
    env = account_env(account)

    plan = run_json(cli, ws, "plan", env=env).ok()
    kinds = {(c["action"], c["kind"]) for c in assert_changes_shape(plan.json, "plan")}
    assert {("create", k) for k in ("api", "resource", "method", "integration", "deployment", "stage")} <= kinds
    assert rest.owned_rest_apis(cluster) == [], "plan changed something"

    r = run_json(cli, ws, "up", "--yes", env=env).ok()
    # The plan says how its content changes run: together, as the API's document.
    content = [c for c in r.json["changes"] if c["kind"] in ("resource", "method", "integration")]
    assert content and all("(PutRestApi)" in (c.get("detail") or "") for c in content), content
    api = the_rest_api(rest, cluster)
    gw = r.json["gateway"]
    assert (gw["kind"], gw["id"], gw["stage"]) == ("rest", api["id"], "dev"), gw
    assert gw["invoke_url"] == f"https://{api['id']}.execute-api.{seeded['region']}.amazonaws.com/dev", gw
    assert api.get("endpointConfiguration", {}).get("types") == ["REGIONAL"], api
    assert_catch_all(rest, api["id"], f"http://{dns}:{backend.port}")
    first_deployment = assert_dev_stage(rest, api["id"])
    deployments = len(rest.deployments(api["id"]))

    assert_requests_arrive(backend, api["id"])
    status, _, _ = invoke(api["id"], "dev", "")
    assert status == 200 and backend.received("GET", "/"), [vars(x) for x in backend.requests]

    # Converged: no changes, and no new deployment.
    assert run_json(cli, ws, "up", "--yes", env=env).ok().json["changes"] == []
    assert len(rest.deployments(api["id"])) == deployments, "a converged up deployed again"
    assert assert_dev_stage(rest, api["id"]) == first_deployment

    # cortex.yaml: per-API resources; adding an API deploys exactly once more.
    ws.write_apis([api_spec("iris", "/iris")])
    run_json(cli, ws, "up", "--yes", env=env, apis=True).ok()
    n1 = len(rest.deployments(api["id"]))
    assert n1 == deployments + 1, (deployments, n1)
    ws.write_apis([api_spec("iris", "/iris"), api_spec("bert", "/bert")])
    run_json(cli, ws, "up", "--yes", env=env, apis=True).ok()
    assert len(rest.deployments(api["id"])) == n1 + 1, "adding an API must create exactly one deployment"
    paths = set(rest.resources(api["id"]))
    assert {"/iris", "/iris/{proxy+}", "/bert", "/bert/{proxy+}"} <= paths, paths
    assert "/{proxy+}" not in paths, paths
    status, _, _ = invoke(api["id"], "dev", "/bert/x/y", query="q=1")
    assert status == 200 and backend.received("GET", "/bert/x/y"), [vars(x) for x in backend.requests]
    assert run_json(cli, ws, "up", "--yes", env=env, apis=True).ok().json["changes"] == []
    assert len(rest.deployments(api["id"])) == n1 + 1

    d = run_json(cli, ws, "down", "--yes", env=env, apis=True).ok()
    assert ("delete", "api") in {(c["action"], c["kind"]) for c in d.json["changes"]}
    assert rest.owned_rest_apis(cluster) == []
    assert_decoys_intact(aws, seeded)


def test_rest_cors_preflight(cli, rest, account, seed, workspace, backend):
    seeded, ws = rest_cluster(seed, workspace, backend, settings={"gateway": {"cors": True}}, decoys=False)
    run_json(cli, ws, "up", "--yes", env=account_env(account)).ok()
    api = the_rest_api(rest, seeded["cluster"])
    status, headers, body = invoke(api["id"], "dev", "/iris/predict", method="OPTIONS", headers={
        "Origin": "https://app.example.com", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert 200 <= status < 300, (status, headers, body)
    assert headers.get("access-control-allow-origin") in ("*", "https://app.example.com"), headers
    # Requests still arrive.
    assert_requests_arrive(backend, api["id"])


def test_rest_internal_v1_link_up_invoke_down(cli, aws, rest, account, seed, workspace, backend):
    seeded, ws = rest_cluster(seed, workspace, backend, scheme="internal")
    cluster, lb = seeded["cluster"], seeded["load_balancer"]
    env = account_env(account)
    r = run_json(cli, ws, "up", "--yes", env=env).ok()
    assert ("create", "vpc-link") in {(c["action"], c["kind"]) for c in r.json["changes"]}, r.json
    links = v1_links(rest, cluster)
    assert len(links) == 1, links
    link = links[0]
    assert_owned(link["tags"], cluster, "VPC link v1")
    assert link.get("targetArns") == [lb["arn"]], link
    assert v2_links(aws, cluster) == [], "a v2 link was made for a REST API asking for v1"
    api = the_rest_api(rest, cluster)
    assert_catch_all(rest, api["id"], f"http://{lb['dns_name']}:{backend.port}", link_id=link["id"])
    assert_dev_stage(rest, api["id"])
    assert_requests_arrive(backend, api["id"])

    deployments = len(rest.deployments(api["id"]))
    assert run_json(cli, ws, "up", "--yes", env=env).ok().json["changes"] == []
    assert len(rest.deployments(api["id"])) == deployments
    assert len(v1_links(rest, cluster)) == 1

    run_json(cli, ws, "down", "--yes", env=env).ok()
    assert rest.owned_rest_apis(cluster) == [] and v1_links(rest, cluster) == []
    assert_decoys_intact(aws, seeded)


def test_rest_internal_v2_link_up_invoke_down(cli, aws, rest, account, seed, workspace, backend):
    seeded, ws = rest_cluster(seed, workspace, backend, scheme="internal",
                              settings={"gateway": {"vpc_link": "v2"}})
    cluster, lb = seeded["cluster"], seeded["load_balancer"]
    env = account_env(account)
    run_json(cli, ws, "up", "--yes", env=env).ok()
    links = v2_links(aws, cluster)
    assert len(links) == 1, links
    assert_owned(links[0].get("Tags"), cluster, "VPC link v2")
    assert v1_links(rest, cluster) == [], "a v1 link was made although v2 was asked for"
    api = the_rest_api(rest, cluster)
    res = rest.resources(api["id"])
    integ = as_aws_keeps_it(rest).integration(api["id"], res["/{proxy+}"]["id"], "ANY")
    assert integ.get("connectionType") == "VPC_LINK", integ
    assert integ.get("connectionId") == links[0]["VpcLinkId"], integ
    assert integ.get("integrationTarget") == lb["arn"], integ
    assert integ["uri"].startswith(f"http://{lb['dns_name']}:{backend.port}/"), integ
    # The document named the load balancer (integrationTarget) beside the link, for each path.
    targets = SESSION_PROXIES["localstack"].integration_targets()
    assert {(api["id"], res[p]["id"], "ANY") for p in ("/", "/{proxy+}")} <= set(targets), targets
    assert_requests_arrive(backend, api["id"])

    assert run_json(cli, ws, "up", "--yes", env=env).ok().json["changes"] == []
    d = run_json(cli, ws, "down", "--yes", env=env).ok()
    assert ("delete", "api") in {(c["action"], c["kind"]) for c in d.json["changes"]}, d.json
    assert not [k for k in SESSION_PROXIES["localstack"].integration_targets() if k[0] == api["id"]], \
        "DeleteRestApi left integration targets behind"
    assert rest.owned_rest_apis(cluster) == [] and v2_links(aws, cluster) == []
    assert_decoys_intact(aws, seeded)
