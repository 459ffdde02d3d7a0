"""Convergence you can trust (issue 7): lost answers and duplicates.

Lost answers: the proxy (support/awsproxy.py, AWS's conflict rules on) forwards the first call
of one create operation, lets the emulator do the work, and answers the client with a 500 or a
reset instead ("after the effect"). `up` must not make a second one: it exits 0 (or exits 1
saying to run it again, and the second `up` exits 0), and then, read back with boto3, there is
exactly one owned API, one VPC link (internal), one stage, no unrouted integration or duplicate
route/resource, the create reached AWS exactly as often as the plan asked for it, and a
following `plan` is empty.

Duplicates made by hand with boto3 (a second tagged API with the same name; a second tagged VPC
link with the integrations moved onto the newer one): `up` keeps the oldest (then the lowest
id), moves integrations onto the surviving link before deleting the other, removes the rest,
and never confuses the stage of one API with the stage of the other.

HTTP APIs and VPC links v2 live in moto, REST APIs and VPC links v1 in LocalStack (an account
per test); every CLI call goes through a proxy in front of the API Gateway emulator.
"""

from __future__ import annotations

import time

import pytest

from chaos import (PATH_BY_ID, RUN_AGAIN, Cluster, converged, plan, read_state, run_cli, seed_cluster,
                   survivor)

pytestmark = pytest.mark.shared_region

# (path, operation whose first answer is lost, kind of the plan's change it makes, or None when
# its count is not checked)
LOST = [
    ("http-internet-facing", "CreateApi", "api"),
    ("http-internet-facing", "CreateIntegration", "integration"),
    ("http-internet-facing", "CreateRoute", "route"),
    ("http-internet-facing", "CreateStage", "stage"),
    ("http-internal", "CreateVpcLink", "vpc-link"),
    ("rest-internet-facing", "CreateRestApi", "api"),
    # The API's content, one document: an overwrite repeated is the same API (not counted).
    ("rest-internet-facing", "PutRestApi", None),
    # A deployment is a snapshot in the API's history, found again only through the stage that
    # serves it: a second one after a lost answer is history, not a duplicate (plan empty and one
    # stage are still asserted).
    ("rest-internet-facing", "CreateDeployment", None),
    ("rest-internet-facing", "CreateStage", "stage"),
    ("rest-internal", "CreateVpcLink", "vpc-link"),
    ("rest-internal", "PutRestApi", None),
]


def first_call_of(op: str):
    """An `ops` predicate for `AwsProxy.faults`: true for the first call of `op` only."""
    fired: list[str] = []

    def pick(name: str) -> bool:
        if name == op and not fired:
            fired.append(name)
            return True
        return False

    return pick


def effective(proxy, op: str) -> int:
    """Calls of `op` the emulator carried out: answered 2xx, or faulted after the effect."""
    return sum(1 for c in proxy.snapshot() if c.op == op and (
        (c.faulted or "").endswith(":after") or (not c.faulted and 200 <= c.status < 300)))


def up_until_converged(c: Cluster, env: dict) -> list:
    """`up`; once more when it exited 1 saying to run it again. Returns the runs."""
    runs = [run_cli(c, "up", "--yes", env=env)]
    if runs[0].code == 1 and RUN_AGAIN in runs[0].stderr:
        runs.append(run_cli(c, "up", "--yes", env=env))
    return runs


def assert_one_gateway(c: Cluster, runs: list, proxy) -> None:
    history = "\n\n".join(r.describe() for r in runs)
    assert runs[-1].code == 0, f"up did not converge; calls {proxy.ops()}\n{history}"
    state = read_state(c)
    problems = state.one_gateway_problems(c.path)
    assert not problems, f"{problems}\nstate {state.summary()}\ncalls {proxy.ops()}\n{history}"
    p = plan(c)
    assert converged(p), f"plan after up is not empty\n{p.describe()}\nstate {state.summary()}\n{history}"


@pytest.mark.parametrize("kind", ["500", "reset"])
@pytest.mark.parametrize("path_id,op,change_kind", LOST, ids=[f"{p}-{o}" for p, o, _ in LOST])
def test_lost_answer_to_a_create(path_id, op, change_kind, kind, region, account, tmp_path, aws_proxy):
    path = PATH_BY_ID[path_id]
    c = seed_cluster(path, region, account, tmp_path / "ws", decoys=False)
    planned = plan(c)
    assert planned.code == 0, planned.describe()
    wanted = sum(1 for ch in planned.changes if ch["action"] == "create" and ch["kind"] == change_kind)

    proxy = aws_proxy(path.upstream, "gateway")
    proxy.faults(1.0, 0, kinds=(kind,), after_share=1.0, ops=first_call_of(op))
    env = c.env(proxy.url)
    runs = up_until_converged(c, env)
    counts = proxy.fault_counts()
    assert counts.get("faulted") == 1 and counts.get(f"{kind}:after") == 1, \
        f"the fault did not fire: {counts}, calls {proxy.ops()}"
    assert_one_gateway(c, runs, proxy)
    if change_kind is not None:
        # Not blindly retried: made exactly as often as planned, the lost one included.
        made = effective(proxy, op)
        assert made == wanted, (f"{op} reached AWS {made} times, the plan asked for {wanted}: the lost "
                                f"answer was retried blindly; calls {proxy.ops()}")


# ---------------------------------------------------------------------------
# Duplicates made by hand
# ---------------------------------------------------------------------------

def http_api_tags(c: Cluster, api_id: str) -> dict:
    return c.apigw2.get_api(ApiId=api_id).get("Tags") or {}


def make_http_api(c: Cluster, tags: dict | None, stage: bool = True) -> str:
    api = c.apigw2.create_api(Name=f"cortex-{c.name}", ProtocolType="HTTP", **({"Tags": tags} if tags else {}))
    if stage:
        c.apigw2.create_stage(ApiId=api["ApiId"], StageName="$default", AutoDeploy=True, **({"Tags": tags} if tags else {}))
    return api["ApiId"]


def make_rest_api(c: Cluster, tags: dict | None) -> str:
    # REGIONAL, as cortex-net makes them (LocalStack ignores a later endpoint type change).
    return c.apigw1.create_rest_api(name=f"cortex-{c.name}", endpointConfiguration={"types": ["REGIONAL"]},
                                    **({"tags": tags} if tags else {}))["id"]


def tag_rest(c: Cluster, what: str, ident: str, tags: dict) -> None:
    c.apigw1.tag_resource(resourceArn=f"arn:aws:apigateway:{c.region}::/{what}/{ident}", tags=tags)


def tag_http(c: Cluster, what: str, ident: str, tags: dict) -> None:
    c.apigw2.tag_resource(ResourceArn=f"arn:aws:apigateway:{c.region}::/{what}/{ident}", Tags=tags)


def owner_tags(c: Cluster) -> dict:
    return {"cortex.dev/cluster-name": c.name, "managed-by": "cortex-net"}


def hand_made_rest_gateway(c: Cluster, tags: dict, link_id: str | None = None) -> str:
    """A REST API like cortex-net makes one (by boto3): /{proxy+} with ANY forwarded to the load
    balancer (through `link_id` if given), a deployment and the stage `dev`."""
    api = make_rest_api(c, tags)
    root = c.apigw1.get_resources(restApiId=api)["items"][0]["id"]
    proxy_res = c.apigw1.create_resource(restApiId=api, parentId=root, pathPart="{proxy+}")["id"]
    dns = c.seeded["load_balancer"]["dns_name"]
    for rid, uri in ((root, f"http://{dns}/"), (proxy_res, f"http://{dns}/{{proxy}}")):
        c.apigw1.put_method(restApiId=api, resourceId=rid, httpMethod="ANY", authorizationType="NONE",
                            **({"requestParameters": {"method.request.path.proxy": True}} if rid == proxy_res else {}))
        extra = {"connectionType": "VPC_LINK", "connectionId": link_id} if link_id else {}
        c.apigw1.put_integration(restApiId=api, resourceId=rid, httpMethod="ANY", type="HTTP_PROXY",
                                 integrationHttpMethod="ANY", uri=uri, **extra,
                                 **({"requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"}}
                                    if rid == proxy_res else {}))
    dep = c.apigw1.create_deployment(restApiId=api)["id"]
    c.apigw1.create_stage(restApiId=api, stageName="dev", deploymentId=dep)
    return api


def owned_api_ids(c: Cluster) -> list[str]:
    return sorted(a.id for a in read_state(c).of(c.path.kind))


def api_created(c: Cluster, api_id: str) -> str:
    if c.path.kind == "http":
        return c.apigw2.get_api(ApiId=api_id)["CreatedDate"].isoformat()
    return c.apigw1.get_rest_api(restApiId=api_id)["createdDate"].isoformat()


def expected_api(c: Cluster, ids: list[str]) -> str:
    return survivor(ids, lambda i: api_created(c, i), lambda i: i)


@pytest.mark.parametrize("path_id", ["http-internet-facing", "rest-internet-facing"])
def test_newer_duplicate_api_is_removed_and_the_working_one_kept(path_id, region, account, tmp_path, aws_proxy):
    """A second API with our name and tags, made after ours (as a lost CreateApi answer or a
    concurrent run leaves it): `up` keeps the oldest, removes the other, and the stage of the
    kept API survives (the issue: the stage found by name in the wrong API was deleted)."""
    path = PATH_BY_ID[path_id]
    c = seed_cluster(path, region, account, tmp_path / "ws", decoys=False)
    proxy = aws_proxy(path.upstream, "gateway")
    env = c.env(proxy.url)
    first = run_cli(c, "up", "--yes", env=env)
    assert first.code == 0, first.describe()
    [kept] = owned_api_ids(c)
    time.sleep(1.1)  # the emulators date APIs to the second
    tags = http_api_tags(c, kept) if path.kind == "http" else \
        c.apigw1.get_rest_api(restApiId=kept).get("tags")
    extra = make_http_api(c, tags) if path.kind == "http" else make_rest_api(c, tags)
    if path.kind == "rest":
        root = c.apigw1.get_resources(restApiId=extra)["items"][0]["id"]
        c.apigw1.put_method(restApiId=extra, resourceId=root, httpMethod="ANY", authorizationType="NONE")
        c.apigw1.put_integration(restApiId=extra, resourceId=root, httpMethod="ANY", type="MOCK")
        dep = c.apigw1.create_deployment(restApiId=extra)["id"]
        c.apigw1.create_stage(restApiId=extra, stageName="dev", deploymentId=dep)
    assert expected_api(c, [kept, extra]) == kept
    assert owned_api_ids(c) == sorted([kept, extra])

    runs = up_until_converged(c, env)
    assert_one_gateway(c, runs, proxy)
    assert owned_api_ids(c) == [kept], f"kept {owned_api_ids(c)}, expected the oldest {kept}"
    out = runs[-1].json or {}
    gw = out.get("gateway") or {}
    assert gw.get("id") in (None, kept), f"up printed the gateway of another API: {gw}"


@pytest.mark.parametrize("path_id", ["http-internet-facing", "rest-internet-facing"])
def test_older_empty_duplicate_wins_deterministically(path_id, region, account, tmp_path, aws_proxy):
    """The oldest API is the one every run keeps, even when it is the empty one: `up` builds the
    gateway in it and removes the newer, complete one."""
    path = PATH_BY_ID[path_id]
    c = seed_cluster(path, region, account, tmp_path / "ws", decoys=False)
    proxy = aws_proxy(path.upstream, "gateway")
    env = c.env(proxy.url)
    if path.kind == "http":
        # Made first but not yet tagged, so `up` does not see it; tagged as ours afterwards.
        older = make_http_api(c, None, stage=False)
        time.sleep(1.1)
        first = run_cli(c, "up", "--yes", env=env)
        assert first.code == 0, first.describe()
        [newer] = owned_api_ids(c)
        tag_http(c, "apis", older, http_api_tags(c, newer))
    else:
        # LocalStack lists a REST API with the tags it was created with only (TagResource does
        # not show in GetRestApis): the older one is made empty and tagged, the newer one by hand
        # with a resource, a method, a deployment and the stage.
        older = make_rest_api(c, owner_tags(c))
        time.sleep(1.1)
        newer = hand_made_rest_gateway(c, owner_tags(c))
    assert newer != older
    assert owned_api_ids(c) == sorted([older, newer])
    assert expected_api(c, [older, newer]) == older

    runs = up_until_converged(c, env)
    assert_one_gateway(c, runs, proxy)
    assert owned_api_ids(c) == [older], f"kept {owned_api_ids(c)}, expected the oldest {older}"
    # Every run agrees: another `up` changes nothing.
    again = run_cli(c, "up", "--yes", env=env)
    assert again.code == 0 and again.changes == [], again.describe()


def _integration_links_http(c: Cluster, api_id: str) -> list:
    return [i.get("ConnectionId") for i in c.apigw2.get_integrations(ApiId=api_id)["Items"]]


def _rest_methods(c: Cluster, api_id: str) -> list[tuple[str, str]]:
    out = []
    for r in c.apigw1.get_resources(restApiId=api_id, embed=["methods"])["items"]:
        for verb in (r.get("resourceMethods") or {}):
            if verb != "OPTIONS":
                out.append((r["id"], verb))
    return out


def _integration_links_rest(c: Cluster, api_id: str) -> list:
    return [c.apigw1.get_integration(restApiId=api_id, resourceId=rid, httpMethod=verb).get("connectionId")
            for rid, verb in _rest_methods(c, api_id)]


@pytest.mark.parametrize("path_id", ["http-internal", "rest-internal"])
def test_duplicate_vpc_link_integrations_move_to_the_survivor(path_id, region, account, tmp_path, aws_proxy):
    """A second tagged VPC link, made later, and every integration moved onto it by hand (the issue:
    the diff kept the first-listed link and planned to delete the one in use; AWS refused, and
    every later `up` failed). `up` keeps the oldest link (v1 links carry no date: the lowest id),
    moves the integrations onto it first, then deletes the other."""
    path = PATH_BY_ID[path_id]
    c = seed_cluster(path, region, account, tmp_path / "ws", decoys=False)
    proxy = aws_proxy(path.upstream, "gateway")
    env = c.env(proxy.url)
    first = run_cli(c, "up", "--yes", env=env)
    assert first.code == 0, first.describe()
    state = read_state(c)
    [link] = state.links
    [api] = state.of(path.kind)
    time.sleep(1.1)
    if path.kind == "http":
        orig = c.apigw2.get_vpc_link(VpcLinkId=link.id)
        second = c.apigw2.create_vpc_link(Name=orig["Name"], SubnetIds=orig["SubnetIds"],
                                          SecurityGroupIds=orig.get("SecurityGroupIds") or [],
                                          Tags=orig.get("Tags") or {})["VpcLinkId"]
        for i in c.apigw2.get_integrations(ApiId=api.id)["Items"]:
            c.apigw2.update_integration(ApiId=api.id, IntegrationId=i["IntegrationId"], ConnectionId=second)
        assert set(_integration_links_http(c, api.id)) == {second}
    else:
        orig = c.apigw1.get_vpc_link(vpcLinkId=link.id)
        tags = c.apigw1.get_tags(resourceArn=f"arn:aws:apigateway:{c.region}::/vpclinks/{link.id}")["tags"]
        second = c.apigw1.create_vpc_link(name=orig["name"], targetArns=orig["targetArns"])["id"]
        tag_rest(c, "vpclinks", second, tags)  # LocalStack drops tags given at create
        for rid, verb in _rest_methods(c, api.id):
            c.apigw1.update_integration(restApiId=api.id, resourceId=rid, httpMethod=verb, patchOperations=[
                {"op": "replace", "path": "/connectionId", "value": second}])
        assert set(_integration_links_rest(c, api.id)) == {second}
    links = read_state(c).links
    assert sorted(l.id for l in links) == sorted([link.id, second]), links
    expected = survivor(links, lambda l: l.created, lambda l: l.id).id

    runs = up_until_converged(c, env)
    assert_one_gateway(c, runs, proxy)
    state = read_state(c)
    assert [l.id for l in state.links] == [expected], \
        f"kept links {[l.id for l in state.links]}, expected {expected} (oldest, then lowest id)"
    [api_after] = state.of(path.kind)
    used = _integration_links_http(c, api_after.id) if path.kind == "http" else _integration_links_rest(c, api_after.id)
    assert set(used) == {expected}, f"integrations use {used}, expected {expected}"
    # The link in use was never asked to go while something referenced it (AWS's rule, enforced
    # by the proxy: a refusal is recorded as faulted "aws-rule:vpc-link-in-use").
    refused = [x.op for x in proxy.snapshot() if x.faulted == "aws-rule:vpc-link-in-use"]
    assert not refused, f"DeleteVpcLink refused while in use: {proxy.ops()}"


@pytest.mark.parametrize("path_id", ["http-internal", "rest-internal"])
def test_duplicate_apis_and_links_together(path_id, region, account, tmp_path, aws_proxy):
    """What a concurrent run leaves: two complete gateways (API, stage, link each) for one cluster.
    `up` ends with the oldest API and the oldest link, the other of each removed, `plan` empty."""
    path = PATH_BY_ID[path_id]
    c = seed_cluster(path, region, account, tmp_path / "ws", decoys=False)
    proxy = aws_proxy(path.upstream, "gateway")
    env = c.env(proxy.url)
    assert run_cli(c, "up", "--yes", env=env).code == 0
    state1 = read_state(c)
    [api1] = state1.of(path.kind)
    [link1] = state1.links
    time.sleep(1.1)
    if path.kind == "rest":
        # A second gateway made by hand: LocalStack cannot hide and re-tag a REST API (tags from
        # TagResource/UntagResource do not show in GetRestApis).
        orig = c.apigw1.get_vpc_link(vpcLinkId=link1.id)
        link_tags = c.apigw1.get_tags(resourceArn=f"arn:aws:apigateway:{c.region}::/vpclinks/{link1.id}")["tags"]
        link2_id = c.apigw1.create_vpc_link(name=orig["name"], targetArns=orig["targetArns"])["id"]
        tag_rest(c, "vpclinks", link2_id, link_tags)
        api2_id = hand_made_rest_gateway(c, c.apigw1.get_rest_api(restApiId=api1.id)["tags"], link2_id)
        _check_duplicates_resolved(c, path, env, proxy, api1.id, api2_id)
        return
    # A second complete gateway: hide the first (untag API and link), run up, tag it back.
    api_tags = http_api_tags(c, api1.id)
    link_tags = c.apigw2.get_vpc_link(VpcLinkId=link1.id)["Tags"]
    for what, ident in (("apis", api1.id), ("vpclinks", link1.id)):
        c.apigw2.untag_resource(ResourceArn=f"arn:aws:apigateway:{c.region}::/{what}/{ident}",
                                TagKeys=["managed-by"])
    second = run_cli(c, "up", "--yes", env=env)
    assert second.code == 0, second.describe()
    state2 = read_state(c)
    [api2] = state2.of(path.kind)
    [link2] = state2.links
    assert api2.id != api1.id and link2.id != link1.id
    tag_http(c, "apis", api1.id, api_tags)
    tag_http(c, "vpclinks", link1.id, link_tags)
    _check_duplicates_resolved(c, path, env, proxy, api1.id, api2.id)


def _check_duplicates_resolved(c: Cluster, path, env: dict, proxy, api1: str, api2: str) -> None:
    both = read_state(c)
    assert len(both.of(path.kind)) == 2 and len(both.links) == 2, both.summary()
    want_api = expected_api(c, [api1, api2])
    want_link = survivor(both.links, lambda l: l.created, lambda l: l.id).id

    runs = up_until_converged(c, env)
    assert_one_gateway(c, runs, proxy)
    final = read_state(c)
    assert [a.id for a in final.of(path.kind)] == [want_api], final.summary()
    assert [l.id for l in final.links] == [want_link], final.summary()
    assert final.of(path.kind)[0].stages == [path.stage], final.summary()
