"""`plan`, `up`, `endpoints`, `status` with an HTTP API (apigatewayv2), read back through boto3."""

from __future__ import annotations

import json

from conftest import Aws, Workspace, api_spec, assert_changes_shape, change_set, invoke_url

OWNERSHIP_TAGS = ("cortex.dev/cluster-name", "managed-by")


def as_planned(applied: list[dict]) -> list[dict]:
    """`up`'s applied changes without what only applying adds (each one's result and duration)."""
    return [{k: v for k, v in c.items() if k not in ("result", "seconds")} for c in applied]


def run(cli, ws: Workspace, command: str, *extra: str, apis: bool = False):
    args = ["-a", str(ws.apis_file)] if apis else []
    return cli(*args, "-o", "json", command, *extra, cwd=ws.root)


def up(cli, ws, apis=False):
    r = run(cli, ws, "up", "--yes", apis=apis).ok()
    assert_changes_shape(r.json, "up")
    return r


def the_new_api(aws: Aws, before: set[str], cluster: str) -> dict:
    new = aws.api_ids() - before
    assert len(new) == 1, f"expected exactly one new API, got {sorted(new)}"
    api = aws.api(new.pop())
    assert api["Name"] == f"cortex-{cluster}"
    assert api["ProtocolType"] == "HTTP"
    return api


def assert_owned_tags(tags: dict, cluster: str, what: str):
    assert tags.get("cortex.dev/cluster-name") == cluster, f"{what} tags: {tags}"
    assert tags.get("managed-by") == "cortex-net", f"{what} tags: {tags}"


def assert_default_stage(aws: Aws, api_id: str, cluster: str):
    stages = aws.stages(api_id)
    assert [s["StageName"] for s in stages] == ["$default"], stages
    assert stages[0]["AutoDeploy"] is True, stages[0]
    assert_owned_tags(stages[0].get("Tags") or {}, cluster, "stage $default")


def assert_no_orphan_integrations(aws: Aws, api_id: str):
    targets = {r["Target"].split("/", 1)[1] for r in aws.routes(api_id) if r.get("Target")}
    integ_ids = {i["IntegrationId"] for i in aws.integrations(api_id)}
    assert integ_ids == targets, f"integrations {sorted(integ_ids)} vs route targets {sorted(targets)}"


def assert_proxy_integration(integ: dict, uri: str):
    """The one integration every route targets: the load balancer, with the path the client called
    (moto stores and returns RequestParameters as AWS does)."""
    assert integ["IntegrationType"] == "HTTP_PROXY", integ
    assert integ["IntegrationMethod"] == "ANY", integ
    assert integ["IntegrationUri"] == uri, integ
    assert (integ.get("RequestParameters") or {}).get("overwrite:path") == "$request.path", integ
    assert integ.get("Description") == "load-balancer", integ
    # AWS accepts only payload format 1.0 for HTTP_PROXY integrations.
    assert integ.get("PayloadFormatVersion", "1.0") == "1.0", integ


def snapshot(aws: Aws, api_id: str) -> dict:
    return {
        "routes": {r["RouteKey"]: (r["RouteId"], r.get("Target")) for r in aws.routes(api_id)},
        "integrations": {i["IntegrationId"]: i["IntegrationUri"] for i in aws.integrations(api_id)},
        "stages": [s["StageName"] for s in aws.stages(api_id)],
    }


def assert_foreign_api_untouched(aws: Aws, seeded: dict):
    foreign = seeded["decoys"]["foreign_api"]
    assert foreign["id"] in aws.api_ids(), "foreign API was deleted"
    assert aws.api(foreign["id"])["Name"] == foreign["name"]
    assert aws.api_tags(foreign["id"]) == {"owner": "someone-else"}, "foreign API tags changed"
    assert aws.routes(foreign["id"]) == [], "routes added to the foreign API"
    assert aws.integrations(foreign["id"]) == [], "integrations added to the foreign API"


# ---------------------------------------------------------------------------
# plan
# ---------------------------------------------------------------------------

def test_plan_is_read_only_and_lists_creates(cli, aws, seeded, ws):
    before = aws.apis()
    r = run(cli, ws, "plan").ok()
    changes = assert_changes_shape(r.json, "plan")
    assert {("create", "api"), ("create", "integration"), ("create", "route"), ("create", "stage")} <= \
        change_set(r.json), changes
    assert all(c["action"] == "create" for c in changes), changes
    assert aws.apis() == before, "plan changed the set of APIs"

    # up without --yes and without a terminal refuses, in text and json mode.
    r = cli("up", cwd=ws.root).fails(2)
    assert "--yes" in r.stderr, r.describe()
    r = cli("-o", "json", "up", cwd=ws.root).fails(2)
    assert "--yes" in r.stderr, r.describe()
    assert aws.apis() == before, "up without --yes created something"


# ---------------------------------------------------------------------------
# up without cortex.yaml: catch-all proxy
# ---------------------------------------------------------------------------

def test_up_creates_catch_all_http_api(cli, aws, seeded, ws):
    cluster, dns = seeded["cluster"], seeded["load_balancer"]["dns_name"]
    before = aws.api_ids()
    r = up(cli, ws)

    api = the_new_api(aws, before, cluster)
    api_id = api["ApiId"]
    assert_owned_tags(aws.api_tags(api_id), cluster, "API")
    assert api_id != seeded["decoys"]["foreign_api"]["id"], "cortex-net adopted the foreign API"

    routes = aws.routes_by_key(api_id)
    assert set(routes) == {"ANY /{proxy+}"}, sorted(routes)
    assert_proxy_integration(aws.integration_of(api_id, routes["ANY /{proxy+}"]), f"http://{dns}")
    assert_no_orphan_integrations(aws, api_id)
    assert_default_stage(aws, api_id, cluster)

    assert {("create", "api"), ("create", "integration"), ("create", "route"), ("create", "stage")} <= \
        change_set(r.json), r.json["changes"]
    gw = r.json.get("gateway") or {}
    expected_gw = {"kind": "http", "id": api_id, "invoke_url": invoke_url(api_id, aws.region)}
    assert {k: gw.get(k) for k in expected_gw} == expected_gw, r.json
    assert api["ApiEndpoint"] == invoke_url(api_id, aws.region)

    assert_foreign_api_untouched(aws, seeded)
    assert seeded["load_balancer"]["name"] in aws.lb_names()


def test_second_up_changes_nothing(cli, aws, seeded, ws):
    before = aws.api_ids()
    first = up(cli, ws)
    api_id = first.json["gateway"]["id"]
    snap = snapshot(aws, api_id)

    second = up(cli, ws)
    assert second.json["changes"] == [], second.json
    assert second.json["gateway"]["id"] == api_id
    assert aws.api_ids() - before == {api_id}
    assert snapshot(aws, api_id) == snap, "second up changed resources"

    plan = run(cli, ws, "plan").ok()
    assert assert_changes_shape(plan.json, "plan") == [], plan.json


def test_up_repairs_drift(cli, aws, seeded, ws):
    """A route deleted and an integration URI changed by hand are put back; nothing else changes."""
    dns = seeded["load_balancer"]["dns_name"]
    api_id = up(cli, ws).json["gateway"]["id"]
    route = aws.routes_by_key(api_id)["ANY /{proxy+}"]
    integ = aws.integration_of(api_id, route)
    aws.apigw.update_integration(ApiId=api_id, IntegrationId=integ["IntegrationId"],
                                 IntegrationUri="http://somewhere-else.example/{proxy}")
    aws.apigw.delete_route(ApiId=api_id, RouteId=route["RouteId"])

    plan = run(cli, ws, "plan").ok()
    assert_changes_shape(plan.json, "plan")
    assert ("create", "route") in change_set(plan.json), plan.json
    assert ("update", "integration") in change_set(plan.json) or ("create", "integration") in change_set(plan.json), \
        plan.json
    assert not {k for a, k in change_set(plan.json) if k in ("api", "stage")}, plan.json

    up(cli, ws)
    routes = aws.routes_by_key(api_id)
    assert set(routes) == {"ANY /{proxy+}"}
    assert_proxy_integration(aws.integration_of(api_id, routes["ANY /{proxy+}"]), f"http://{dns}")
    assert_no_orphan_integrations(aws, api_id)
    assert run(cli, ws, "plan").ok().json["changes"] == []


def test_replaced_load_balancer_updates_integrations(cli, aws, seeded, ws):
    """The cluster's LB is replaced (new DNS name): up repoints the integrations, keeps API and routes."""
    api_id = up(cli, ws).json["gateway"]["id"]
    routes_before = snapshot(aws, api_id)["routes"]
    aws.elbv2.delete_load_balancer(LoadBalancerArn=seeded["load_balancer"]["arn"])
    new_lb = aws.add_cluster_nlb(seeded)
    assert new_lb["dns_name"] != seeded["load_balancer"]["dns_name"]

    r = up(cli, ws)
    assert r.json["gateway"]["id"] == api_id
    assert {k for _, k in change_set(r.json)} == {"integration"}, r.json
    routes = aws.routes_by_key(api_id)
    assert_proxy_integration(aws.integration_of(api_id, routes["ANY /{proxy+}"]),
                             f"http://{new_lb['dns_name']}")
    assert snapshot(aws, api_id)["routes"] == routes_before, "routes were recreated"
    assert_no_orphan_integrations(aws, api_id)


def test_up_with_classic_elb(cli, aws, seed, workspace):
    seeded = seed(classic=True)
    ws = workspace(seeded["cluster"], seeded["region"])
    before = aws.api_ids()
    up(cli, ws)
    api = the_new_api(aws, before, seeded["cluster"])
    routes = aws.routes_by_key(api["ApiId"])
    assert set(routes) == {"ANY /{proxy+}"}
    assert_proxy_integration(aws.integration_of(api["ApiId"], routes["ANY /{proxy+}"]),
                             f"http://{seeded['load_balancer']['dns_name']}")
    assert seeded["load_balancer"]["name"] in aws.classic_lb_names()


# ---------------------------------------------------------------------------
# up with cortex.yaml: one route pair per public API
# ---------------------------------------------------------------------------

def expected_routes(endpoints: list[str]) -> set[str]:
    return {f"ANY {e}" for e in endpoints} | {f"ANY {e}/{{proxy+}}" for e in endpoints}


def assert_api_routes(aws: Aws, api_id: str, dns: str, public_endpoints: list[str]):
    """Two routes per public API, all targeting the one integration to the load balancer."""
    routes = aws.routes_by_key(api_id)
    assert set(routes) == expected_routes(public_endpoints), sorted(routes)
    integrations = aws.integrations(api_id)
    assert len(integrations) == 1, integrations
    assert {r["Target"] for r in routes.values()} == {f"integrations/{integrations[0]['IntegrationId']}"}, routes
    assert_proxy_integration(integrations[0], f"http://{dns}")
    assert_no_orphan_integrations(aws, api_id)


def test_up_with_apis_creates_per_api_routes(cli, aws, seeded, ws):
    cluster, dns = seeded["cluster"], seeded["load_balancer"]["dns_name"]
    ws.write_apis([
        api_spec("iris", "/iris"),
        api_spec("textgen", "/text/gen"),
        api_spec("private", "/private", gateway="none"),
    ])
    before = aws.api_ids()
    r = up(cli, ws, apis=True)
    api = the_new_api(aws, before, cluster)
    assert_owned_tags(aws.api_tags(api["ApiId"]), cluster, "API")
    assert_api_routes(aws, api["ApiId"], dns, ["/iris", "/text/gen"])
    assert "ANY /{proxy+}" not in aws.routes_by_key(api["ApiId"]), "catch-all route with cortex.yaml"
    assert_default_stage(aws, api["ApiId"], cluster)
    assert_foreign_api_untouched(aws, seeded)

    base = invoke_url(api["ApiId"], aws.region)
    # Through the gateway, each API says who may call it (nothing configured: anyone).
    open_to_all = {"auth": "none", "throttle": None, "api_key_required": False}
    expected = [
        {"api": "iris", "url": f"{base}/iris", "via": "api-gateway", "protection": open_to_all},
        {"api": "private", "url": f"http://{dns}/private", "via": "load-balancer"},
        {"api": "textgen", "url": f"{base}/text/gen", "via": "api-gateway", "protection": open_to_all},
    ]
    assert sorted(r.json["endpoints"], key=lambda x: x["api"]) == expected, r.json["endpoints"]
    e = run(cli, ws, "endpoints", apis=True).ok()
    assert sorted(e.json, key=lambda x: x["api"]) == expected, e.json

    again = up(cli, ws, apis=True)
    assert again.json["changes"] == [], again.json


def test_changing_apis_changes_only_what_is_needed(cli, aws, seeded, ws):
    dns = seeded["load_balancer"]["dns_name"]
    ws.write_apis([api_spec("iris", "/iris"), api_spec("textgen", "/textgen")])
    api_id = up(cli, ws, apis=True).json["gateway"]["id"]
    iris_before = {k: v for k, v in snapshot(aws, api_id)["routes"].items() if "/iris" in k}
    assert len(iris_before) == 2

    # textgen goes private, a new API appears.
    ws.write_apis([api_spec("iris", "/iris"), api_spec("textgen", "/textgen", gateway="none"),
                   api_spec("fresh", "/fresh")])
    plan = run(cli, ws, "plan", apis=True).ok()
    r = up(cli, ws, apis=True)
    assert plan.json["changes"] == as_planned(r.json["changes"]), f"plan {plan.json} vs up {r.json}"
    changes = r.json["changes"]
    kinds = {c["kind"] for c in changes}
    assert kinds <= {"route", "integration"}, changes
    route_changes = [(c["action"]) for c in changes if c["kind"] == "route"]
    assert sorted(route_changes) == ["create", "create", "delete", "delete"], changes
    assert not [c for c in changes if "iris" in c["name"]], f"iris was touched: {changes}"
    assert r.json["gateway"]["id"] == api_id

    assert_api_routes(aws, api_id, dns, ["/iris", "/fresh"])
    iris_after = {k: v for k, v in snapshot(aws, api_id)["routes"].items() if "/iris" in k}
    assert iris_after == iris_before, "iris routes were recreated"
    assert run(cli, ws, "plan", apis=True).ok().json["changes"] == []


def test_switching_from_catch_all_to_apis(cli, aws, seeded, ws):
    dns = seeded["load_balancer"]["dns_name"]
    api_id = up(cli, ws).json["gateway"]["id"]
    ws.write_apis([api_spec("iris", "/iris")])
    r = up(cli, ws, apis=True)
    assert r.json["gateway"]["id"] == api_id
    assert {k for _, k in change_set(r.json)} <= {"route", "integration"}, r.json
    assert_api_routes(aws, api_id, dns, ["/iris"])


def make_per_route_gateway(aws: Aws, cluster: str, dns: str, endpoint: str) -> tuple[str, dict[str, str]]:
    """The shape earlier versions made: an owned API whose every route has an integration of its own
    (named by its description, the route key) to the same path on the load balancer. Returns the
    API id and {route key: route id}."""
    tags = {"cortex.dev/cluster-name": cluster, "managed-by": "cortex-net"}
    api_id = aws.apigw.create_api(Name=f"cortex-{cluster}", ProtocolType="HTTP", Tags=tags)["ApiId"]
    route_ids = {}
    for key, uri in ((f"ANY {endpoint}", f"http://{dns}{endpoint}"),
                     (f"ANY {endpoint}/{{proxy+}}", f"http://{dns}{endpoint}/{{proxy}}")):
        integ = aws.apigw.create_integration(ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
                                             IntegrationUri=uri, PayloadFormatVersion="1.0", Description=key)
        route = aws.apigw.create_route(ApiId=api_id, RouteKey=key, Target=f"integrations/{integ['IntegrationId']}")
        route_ids[key] = route["RouteId"]
    aws.apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True, Tags=tags)
    return api_id, route_ids


def test_integrations_per_route_converge_to_the_shared_one(cli, aws, seeded, ws):
    """A gateway of the earlier shape: `up` makes the shared integration, moves the routes onto it
    (the same routes, retargeted) and deletes the old integrations once nothing targets them."""
    cluster, dns = seeded["cluster"], seeded["load_balancer"]["dns_name"]
    api_id, route_ids = make_per_route_gateway(aws, cluster, dns, "/iris")
    old = {i["IntegrationId"] for i in aws.integrations(api_id)}
    ws.write_apis([api_spec("iris", "/iris")])

    plan = run(cli, ws, "plan", apis=True).ok()
    changes = [(c["action"], c["kind"], c["name"]) for c in assert_changes_shape(plan.json, "plan")]
    assert changes == [
        ("create", "integration", "load-balancer"),
        ("update", "route", "ANY /iris"),
        ("update", "route", "ANY /iris/{proxy+}"),
        ("delete", "integration", "ANY /iris"),
        ("delete", "integration", "ANY /iris/{proxy+}"),
    ], plan.json

    r = up(cli, ws, apis=True)
    assert as_planned(r.json["changes"]) == plan.json["changes"], f"plan {plan.json} vs up {r.json}"
    assert r.json["gateway"]["id"] == api_id
    assert {k: v["RouteId"] for k, v in aws.routes_by_key(api_id).items()} == route_ids, "routes were recreated"
    assert_api_routes(aws, api_id, dns, ["/iris"])
    assert not old & {i["IntegrationId"] for i in aws.integrations(api_id)}, "an old integration is left"
    assert_default_stage(aws, api_id, cluster)
    assert run(cli, ws, "plan", apis=True).ok().json["changes"] == []


# ---------------------------------------------------------------------------
# Cases where no API may be created
# ---------------------------------------------------------------------------

def test_gateway_disabled_cluster_wide_creates_nothing(cli, aws, seeded, workspace):
    ws = workspace(seeded["cluster"], seeded["region"], api_gateway="disabled")
    before = aws.apis()

    # A public API is refused outright (invalid input).
    ws.write_apis([api_spec("iris", "/iris", gateway="public")])
    r = run(cli, ws, "up", "--yes", apis=True).fails(2)
    assert "not permitted because api gateway is disabled cluster-wide" in r.stderr, r.describe()
    assert aws.apis() == before

    ws.write_apis([api_spec("iris", "/iris", gateway="none"), api_spec("other", "/other", gateway="none")])
    r = run(cli, ws, "up", "--yes", apis=True).ok()
    assert assert_changes_shape(r.json, "up") == [], r.json
    assert aws.apis() == before, "up created an API although api_gateway is disabled"

    dns = seeded["load_balancer"]["dns_name"]
    e = run(cli, ws, "endpoints", apis=True).ok()
    assert sorted(e.json, key=lambda x: x["api"]) == [
        {"api": "iris", "url": f"http://{dns}/iris", "via": "load-balancer"},
        {"api": "other", "url": f"http://{dns}/other", "via": "load-balancer"},
    ], e.json


def test_internal_lb_goes_through_an_owned_vpc_link_v2(cli, aws, seed, workspace):
    seeded = seed(scheme="internal")
    cluster = seeded["cluster"]
    ws = workspace(cluster, seeded["region"], api_load_balancer_scheme="internal")
    ws.write_settings({"gateway": {"stage": "prod"}})
    before = aws.api_ids()
    r = up(cli, ws)
    kinds = {(c["action"], c["kind"]) for c in r.json["changes"]}
    assert ("create", "vpc-link") in kinds, r.json["changes"]
    api = the_new_api(aws, before, cluster)
    assert r.json["gateway"]["invoke_url"] == invoke_url(api["ApiId"], aws.region) + "/prod"

    links = [l for l in aws.apigw.get_vpc_links()["Items"] if l["Name"] == f"cortex-{cluster}"]
    assert len(links) == 1, links
    link = links[0]
    assert_owned_tags(link.get("Tags") or {}, cluster, "VPC link")
    assert sorted(link["SubnetIds"]) == sorted(seeded["subnet_ids"]), link
    assert link["SecurityGroupIds"] == [seeded["security_group_id"]], link

    integrations = aws.integrations(api["ApiId"])
    assert len(integrations) == 1, integrations
    integ = integrations[0]
    assert integ["ConnectionType"] == "VPC_LINK", integ
    assert integ["ConnectionId"] == link["VpcLinkId"], integ
    # Private integrations target the listener, and send the path the client called (AWS
    # would otherwise prepend the stage `prod`).
    assert integ["IntegrationUri"] == seeded["load_balancer"]["listener_arn"], integ
    assert (integ.get("RequestParameters") or {}).get("overwrite:path") == "$request.path", integ

    # Converged: a second run changes nothing and reuses the link.
    assert run(cli, ws, "up", "--yes").ok().json["changes"] == []
    assert len([l for l in aws.apigw.get_vpc_links()["Items"] if l["Name"] == f"cortex-{cluster}"]) == 1

    # down removes the link after the API that references it.
    d = run(cli, ws, "down", "--yes").ok()
    order = [c["kind"] for c in d.json["changes"]]
    assert order[-1] == "vpc-link" and order.index("api") < order.index("vpc-link"), order
    assert api["ApiId"] not in aws.api_ids()
    assert [l for l in aws.apigw.get_vpc_links()["Items"] if l["Name"] == f"cortex-{cluster}"] == []


def test_http_api_refuses_vpc_link_v1(cli, aws, seed, workspace):
    seeded = seed(scheme="internal")
    ws = workspace(seeded["cluster"], seeded["region"], api_load_balancer_scheme="internal")
    ws.write_settings({"gateway": {"vpc_link": "v1"}})
    before = aws.api_ids()
    r = run(cli, ws, "up", "--yes").fails(2)
    assert "v2" in r.stderr and "VPC link" in r.stderr, r.describe()
    assert aws.api_ids() == before, "something was created for an impossible combination"


def test_up_without_load_balancer_fails_and_creates_nothing(cli, aws, seed, workspace):
    seeded = seed()
    ws = workspace(seeded["cluster"] + "-none", seeded["region"])
    before = aws.apis()
    r = run(cli, ws, "up", "--yes").fails(1)
    assert "load_balancer" in r.stderr, r.describe()
    assert aws.apis() == before


# ---------------------------------------------------------------------------
# endpoints / status
# ---------------------------------------------------------------------------

def test_endpoints_and_status_without_apis(cli, aws, seeded, ws):
    r = up(cli, ws)
    api_id = r.json["gateway"]["id"]
    e = run(cli, ws, "endpoints").ok()
    expected = [{"api": None, "url": invoke_url(api_id, aws.region), "via": "api-gateway",
                 "protection": {"auth": "none", "throttle": None, "api_key_required": False}}]
    assert e.json == expected
    assert r.json["endpoints"] == expected, f"up's endpoints differ from `endpoints`: {r.json['endpoints']}"

    r = run(cli, ws, "status").ok()
    assert api_id in json.dumps(r.json), f"status does not mention API {api_id}: {r.json}"
    assert seeded["load_balancer"]["name"] in json.dumps(r.json) or \
        seeded["load_balancer"]["dns_name"] in json.dumps(r.json), f"status does not mention the LB: {r.json}"
    text = cli("status", cwd=ws.root).ok()
    assert api_id in text.stdout, text.describe()
