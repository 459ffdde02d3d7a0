"""The order of deletion calls in `down`, as recorded by a proxy in front of the emulators.

AWS refuses to delete an integration a route still targets and a VPC link an integration still
references; the emulators do not check either, so the recorded sequence is asserted instead."""

from __future__ import annotations


import pytest

from conftest import ENDPOINT, LOCALSTACK, account_env
from support.awsproxy import Journal
from support.gateways import run_json, v1_links, v2_links

pytestmark = pytest.mark.shared_region


def ok_calls(calls):
    """Successful calls only (a throttled or failed call changed nothing)."""
    return [c for c in calls if c.status < 300 and not c.faulted]


def link_deleted_after_its_users(calls, link_id: str, api_op: str, integration_op: str, api_id: str):
    ops = [c.op for c in calls]
    deletes = [i for i, c in enumerate(calls) if c.op == "DeleteVpcLink" and c.path.rstrip("/").endswith(link_id)]
    assert deletes, f"no DeleteVpcLink of {link_id}: {ops}"
    api_deleted = [i for i, c in enumerate(calls) if c.op == api_op and api_id in c.path]
    assert api_deleted, f"the API {api_id} was not deleted: {ops}"
    # Nothing references the link any more once the API (and all its integrations) is gone.
    assert api_deleted[0] < deletes[0], f"{api_op} after DeleteVpcLink: {ops}"
    later_integration_deletes = [i for i, c in enumerate(calls) if c.op == integration_op and i > deletes[0]]
    assert not later_integration_deletes, f"integrations deleted after their VPC link: {ops}"


def test_http_internal_down_order(cli, aws, seed, workspace, aws_proxy):
    seeded = seed(scheme="internal", decoys=False)
    cluster = seeded["cluster"]
    ws = workspace(cluster, seeded["region"], api_load_balancer_scheme="internal")
    ws.write_apis([{"name": n, "kind": "RealtimeAPI", "networking": {"endpoint": f"/{n}"}}
                   for n in ("iris", "bert")])
    proxy = aws_proxy(ENDPOINT, "moto")
    env = {"AWS_ENDPOINT_URL_APIGATEWAYV2": proxy.url}
    run_json(cli, ws, "up", "--yes", env=env, apis=True).ok()
    api_id = aws.owned_apis(cluster)[0]["ApiId"]
    link_id = v2_links(aws, cluster)[0]["VpcLinkId"]
    proxy.reset_calls()

    run_json(cli, ws, "down", "--yes", env=env, apis=True).ok()
    calls = ok_calls(proxy.snapshot())
    ops = [c.op for c in calls]
    route_deletes = [i for i, op in enumerate(ops) if op == "DeleteRoute"]
    integration_deletes = [i for i, op in enumerate(ops) if op == "DeleteIntegration"]
    if route_deletes and integration_deletes:
        assert max(route_deletes) < min(integration_deletes), f"a route outlived its integration: {ops}"
    link_deleted_after_its_users(calls, link_id, "DeleteApi", "DeleteIntegration", api_id)
    assert aws.owned_apis(cluster) == [] and v2_links(aws, cluster) == []


def test_rest_internal_down_order_v1_link(cli, rest, account, seed, workspace, aws_proxy):
    seeded = seed(scheme="internal", decoys=False)
    cluster = seeded["cluster"]
    ws = workspace(cluster, seeded["region"], api_load_balancer_scheme="internal")
    ws.write_settings({"gateway": {"type": "rest"}})
    proxy = aws_proxy(LOCALSTACK, "localstack")
    env = account_env(account, AWS_ENDPOINT_URL_API_GATEWAY=proxy.url)
    run_json(cli, ws, "up", "--yes", env=env).ok()
    apis = rest.owned_rest_apis(cluster)
    links = v1_links(rest, cluster)
    assert len(apis) == 1 and len(links) == 1, (apis, links)
    proxy.reset_calls()

    run_json(cli, ws, "down", "--yes", env=env).ok()
    calls = ok_calls(proxy.snapshot())
    link_deleted_after_its_users(calls, links[0]["id"], "DeleteRestApi", "DeleteIntegration", apis[0]["id"])
    ops = [c.op for c in calls]
    # Methods before their resources, if deleted one by one.
    for i, op in enumerate(ops):
        if op == "DeleteResource":
            assert "DeleteMethod" not in ops[i + 1:], ops
    assert rest.owned_rest_apis(cluster) == [] and v1_links(rest, cluster) == []


def test_rest_internal_down_order_v2_link(cli, aws, rest, account, seed, workspace, aws_proxy):
    seeded = seed(scheme="internal", decoys=False)
    cluster = seeded["cluster"]
    ws = workspace(cluster, seeded["region"], api_load_balancer_scheme="internal")
    ws.write_settings({"gateway": {"type": "rest", "vpc_link": "v2"}})
    journal = Journal()  # REST calls (LocalStack) and link calls (moto) in one sequence
    ls = aws_proxy(LOCALSTACK, "localstack", journal=journal)
    ls.emulate_integration_target_storage()  # LocalStack drops integrationTarget; AWS keeps it
    moto = aws_proxy(ENDPOINT, "moto", journal=journal)
    env = account_env(account, AWS_ENDPOINT_URL_API_GATEWAY=ls.url, AWS_ENDPOINT_URL_APIGATEWAYV2=moto.url)
    run_json(cli, ws, "up", "--yes", env=env).ok()
    apis = rest.owned_rest_apis(cluster)
    links = v2_links(aws, cluster)
    assert len(apis) == 1 and len(links) == 1, (apis, links)
    journal.clear()

    run_json(cli, ws, "down", "--yes", env=env).ok()
    calls = ok_calls(journal.snapshot())
    link_deleted_after_its_users(calls, links[0]["VpcLinkId"], "DeleteRestApi", "DeleteIntegration",
                                 apis[0]["id"])
    assert all(c.proxy == "moto" for c in calls if c.op == "DeleteVpcLink")
    assert rest.owned_rest_apis(cluster) == [] and v2_links(aws, cluster) == []
