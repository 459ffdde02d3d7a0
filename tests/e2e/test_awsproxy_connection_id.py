"""The proxy's embedded-connection-id rule (`AwsProxy.emulate_embedded_connection_ids()`, used by
the benchmark), driven with boto3 against LocalStack, no CLI.

LocalStack 4.13.1 leaves `connectionId` out of the integrations it embeds (GetResources and
GetResource with `embed=methods`, GetMethod); AWS includes it. Here: answers through the proxy
carry it, direct answers do not (if they ever do, LocalStack stores it and the rule can go), and
the rule forgets what AWS would forget."""

from __future__ import annotations

import uuid

import pytest

from conftest import LOCALSTACK, Rest

pytestmark = pytest.mark.shared_region


def embedded(client, api_id: str) -> dict[str, dict]:
    """{path: the ANY method's integration} from GetResources?embed=methods."""
    items = client.get_resources(restApiId=api_id, embed=["methods"], limit=500)["items"]
    return {r["path"]: r["resourceMethods"]["ANY"]["methodIntegration"]
            for r in items if "ANY" in (r.get("resourceMethods") or {})}


def test_connection_id_is_embedded_through_the_proxy_only(region, account, aws_proxy):
    proxy = aws_proxy(LOCALSTACK, "localstack")
    proxy.emulate_embedded_connection_ids()
    direct = Rest(region, account).client
    via = Rest(region, account, endpoint=proxy.url).client
    link = direct.create_vpc_link(name=f"l-{uuid.uuid4().hex[:6]}",
                                  targetArns=[f"arn:aws:elasticloadbalancing:{region}:{account}:"
                                              f"loadbalancer/net/x/{uuid.uuid4().hex[:16]}"])["id"]
    api = via.create_rest_api(name=f"conn-{uuid.uuid4().hex[:6]}")["id"]
    root = via.get_resources(restApiId=api)["items"][0]["id"]
    res = via.create_resource(restApiId=api, parentId=root, pathPart="a")["id"]
    for rid, conn in ((root, "INTERNET"), (res, "VPC_LINK")):
        via.put_method(restApiId=api, resourceId=rid, httpMethod="ANY", authorizationType="NONE")
        kw = dict(connectionId=link) if conn == "VPC_LINK" else {}
        via.put_integration(restApiId=api, resourceId=rid, httpMethod="ANY", type="HTTP_PROXY",
                            integrationHttpMethod="ANY", uri="http://lb.example/a", connectionType=conn, **kw)

    assert "connectionId" not in embedded(direct, api)["/a"], "LocalStack embeds connectionId now: drop the rule"
    assert embedded(via, api)["/a"]["connectionId"] == link
    assert "connectionId" not in embedded(via, api)["/"]  # not a private integration
    assert via.get_method(restApiId=api, resourceId=res, httpMethod="ANY")["methodIntegration"]["connectionId"] == link
    assert via.get_resource(restApiId=api, resourceId=res, embed=["methods"])[
        "resourceMethods"]["ANY"]["methodIntegration"]["connectionId"] == link
    assert any(c.emulated == "embedded-connection-id" for c in proxy.snapshot())

    via.delete_integration(restApiId=api, resourceId=res, httpMethod="ANY")
    via.put_integration(restApiId=api, resourceId=res, httpMethod="ANY", type="HTTP_PROXY",
                        integrationHttpMethod="ANY", uri="http://lb.example/a", connectionType="VPC_LINK",
                        connectionId="other")
    assert embedded(via, api)["/a"]["connectionId"] == "other"
    via.delete_rest_api(restApiId=api)
    assert not proxy._connection_ids
