"""All gateway kinds x load-balancer schemes: {http, rest} x {internet-facing, internal}, plus REST
through a VPC link v2. Each: plan (changes nothing), up, state read back, converged second up,
down, decoys untouched. HTTP APIs live in moto, REST APIs in LocalStack (an account per test).
A REST API's content is put as one OpenAPI document (PutRestApi); its private integrations are read
through proxies with the integration-target rule, as AWS keeps what the document said (LocalStack
drops the target; see support/awsproxy.py)."""

from __future__ import annotations

import pytest

from conftest import ENDPOINT, LOCALSTACK, LOCALSTACK_PROXY, Rest, account_env, assert_changes_shape, change_set
from support.awsproxy import Journal, is_read
from support.gateways import assert_decoys_intact, assert_owned, run_json, v1_links, v2_links

pytestmark = pytest.mark.shared_region

COMBINATIONS = [
    # (gateway type, scheme, vpc_link setting, expected link version)
    ("http", "internet-facing", None, None),
    ("http", "internal", None, "v2"),
    ("rest", "internet-facing", None, None),
    ("rest", "internal", None, "v1"),
    ("rest", "internal", "v2", "v2"),
]


def owned_gateways(kind: str, cluster: str, aws, rest) -> list[str]:
    if kind == "http":
        return [a["ApiId"] for a in aws.owned_apis(cluster)]
    return [a["id"] for a in rest.owned_rest_apis(cluster)]


def links(cluster: str, aws, rest) -> dict[str, list]:
    return {"v1": v1_links(rest, cluster), "v2": v2_links(aws, cluster)}


@pytest.mark.parametrize("kind,scheme,vpc_link,link_version", COMBINATIONS,
                         ids=[f"{k}-{s}" + (f"-{v}" if v else "") for k, s, v, _ in COMBINATIONS])
def test_combination(kind, scheme, vpc_link, link_version, cli, aws, rest, account, seed, workspace,
                     aws_proxy):
    seeded = seed(scheme=scheme)
    cluster, lb = seeded["cluster"], seeded["load_balancer"]
    ws = workspace(cluster, seeded["region"], api_load_balancer_scheme=scheme)
    gateway = {"type": kind}
    if vpc_link:
        gateway["vpc_link"] = vpc_link
    ws.write_settings({"gateway": gateway})
    env = account_env(account)

    # plan: a full set of creations, nothing changed.
    plan = run_json(cli, ws, "plan", env=env).ok()
    planned = change_set(plan.json)
    assert_changes_shape(plan.json, "plan")
    assert {a for a, _ in planned} == {"create"}, plan.json
    assert ("create", "api") in planned and ("create", "integration") in planned, plan.json
    assert (("create", "vpc-link") in planned) == (link_version is not None), plan.json
    assert owned_gateways(kind, cluster, aws, rest) == []
    assert links(cluster, aws, rest) == {"v1": [], "v2": []}, "plan created a link"

    # up
    r = run_json(cli, ws, "up", "--yes", env=env).ok()
    assert change_set(r.json) == planned, (plan.json, r.json)
    ids = owned_gateways(kind, cluster, aws, rest)
    assert len(ids) == 1, ids
    gw = r.json["gateway"]
    assert gw["kind"] == kind and gw["id"] == ids[0], gw
    stage = "$default" if kind == "http" else "dev"
    assert gw["stage"] == stage, gw
    suffix = "" if kind == "http" else "/dev"
    assert gw["invoke_url"] == f"https://{ids[0]}.execute-api.{seeded['region']}.amazonaws.com{suffix}", gw

    found = links(cluster, aws, rest)
    expect_counts = {"v1": 1 if link_version == "v1" else 0, "v2": 1 if link_version == "v2" else 0}
    assert {v: len(x) for v, x in found.items()} == expect_counts, found
    link_id = None
    if link_version == "v1":
        link = found["v1"][0]
        assert_owned(link["tags"], cluster, "VPC link v1")
        assert link.get("targetArns") == [lb["arn"]], link
        link_id = link["id"]
    elif link_version == "v2":
        link = found["v2"][0]
        assert_owned(link.get("Tags"), cluster, "VPC link v2")
        assert sorted(link["SubnetIds"]) == sorted(seeded["subnet_ids"]), link
        link_id = link["VpcLinkId"]

    # The integrations point at the load balancer (through the link, if any); an HTTP API has one,
    # shared by every route, that sends the path the client called.
    if kind == "http":
        integ = aws.integrations(ids[0])
        assert len(integ) == 1, integ
        for i in integ:
            assert (i.get("RequestParameters") or {}).get("overwrite:path") == "$request.path", i
            if link_id:
                assert i.get("ConnectionType") == "VPC_LINK" and i.get("ConnectionId") == link_id, i
                assert i["IntegrationUri"] == lb["listener_arn"], i
            else:
                assert i["IntegrationUri"] == f"http://{lb['dns_name']}", i
    else:
        res = rest.resources(ids[0])
        assert "/{proxy+}" in res and "/" in res, sorted(res)
        # Read as AWS keeps the API's document (the session proxy; LocalStack drops the target).
        as_aws = Rest(rest.region, rest.account, endpoint=LOCALSTACK_PROXY)
        for path in ("/", "/{proxy+}"):
            i = as_aws.integration(ids[0], res[path]["id"], "ANY")
            assert i["type"] == "HTTP_PROXY" and i["uri"].startswith(f"http://{lb['dns_name']}/"), i
            if link_id:
                assert i.get("connectionType") == "VPC_LINK" and i.get("connectionId") == link_id, i
            if link_version == "v2":  # cortex-net sent the load balancer as each integration's target
                assert i.get("integrationTarget") == lb["arn"], i
        assert [s["stageName"] for s in rest.stages(ids[0])] == ["dev"]

    # Converged: no change, and not a single write call to either emulator (every call the
    # recording proxies saw, elbv2 and ACM included, is a Describe/Get/List).
    journal = Journal()
    moto_proxy = aws_proxy(ENDPOINT, "moto", journal)
    api_proxy = aws_proxy(LOCALSTACK, "localstack")
    api_proxy.emulate_integration_target_storage(shared=True)  # the targets `up` gave, as AWS keeps them
    api_proxy.journal = journal
    converged_env = dict(env, AWS_ENDPOINT_URL=moto_proxy.url,
                         AWS_ENDPOINT_URL_API_GATEWAY=api_proxy.url)
    again = run_json(cli, ws, "up", "--yes", env=converged_env).ok()
    assert again.json["changes"] == [], again.describe()
    calls = journal.snapshot()
    ops = [c.op for c in calls]
    # Both emulators were read through the proxies, RPC calls named by their Action.
    assert "DescribeLoadBalancers" in ops, ops
    assert any(op.startswith("Get") for op in ops), ops
    writes = [c.op for c in calls if not is_read(c.op)]
    assert writes == [], f"a converged up wrote: {writes} (all calls: {[c.op for c in calls]})"
    assert owned_gateways(kind, cluster, aws, rest) == ids

    # down: everything that was made, nothing else.
    d = run_json(cli, ws, "down", "--yes", env=env).ok()
    assert {a for a, _ in change_set(d.json)} == {"delete"}, d.json
    assert ("delete", "api") in change_set(d.json)
    assert (("delete", "vpc-link") in change_set(d.json)) == (link_version is not None), d.json
    assert owned_gateways(kind, cluster, aws, rest) == []
    assert links(cluster, aws, rest) == {"v1": [], "v2": []}
    assert_decoys_intact(aws, seeded)
    assert run_json(cli, ws, "down", "--yes", env=env).ok().json["changes"] == []
