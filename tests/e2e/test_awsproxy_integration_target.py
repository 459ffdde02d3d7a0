"""The proxy's integration-target rule (`AwsProxy.emulate_integration_target_storage()`), driven
with boto3 against LocalStack, no CLI.

LocalStack 4.13.1 drops `integrationTarget` on PutIntegration (REST private integration through
a VPC link v2); AWS stores it and returns it from GetIntegration, GetMethod and
GetResources?embed=methods. The REST + VPC link v2 tests let the CLI talk to LocalStack through
the proxy with this rule on. Here: the answers through the proxy carry the target, the direct
answers do not (if they ever do, LocalStack stores it and the rule can go), and the rule forgets
what AWS would forget."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import LOCALSTACK, Rest

pytestmark = pytest.mark.shared_region

LINK_ID = "vpclink-v2-test"  # LocalStack does not check that the link exists


def nlb_arn(region: str, account: str, name: str = "cortex-api") -> str:
    return f"arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/net/{name}/{uuid.uuid4().hex[:16]}"


def put_private_integration(client, api_id: str, resource_id: str, target: str | None, *,
                            uri: str = "http://lb.example/{proxy}") -> dict:
    kw = dict(restApiId=api_id, resourceId=resource_id, httpMethod="ANY", type="HTTP_PROXY",
              integrationHttpMethod="ANY", uri=uri)
    if target is None:
        kw["connectionType"] = "INTERNET"
    else:
        kw.update(connectionType="VPC_LINK", connectionId=LINK_ID, integrationTarget=target)
    return client.put_integration(**kw)


def embedded_integrations(client, api_id: str) -> dict[str, dict]:
    """{path: the ANY method's integration} from GetResources?embed=methods."""
    items = client.get_resources(restApiId=api_id, embed=["methods"], limit=500)["items"]
    return {r["path"]: r["resourceMethods"]["ANY"]["methodIntegration"]
            for r in items if "ANY" in (r.get("resourceMethods") or {})}


def make_api(client) -> tuple[str, str, str]:
    """A REST API with ANY on `/` and on `/{proxy+}`: (api id, root id, proxy resource id)."""
    api_id = client.create_rest_api(name=f"proxy-rule-{uuid.uuid4().hex[:6]}")["id"]
    root = client.get_resources(restApiId=api_id)["items"][0]["id"]
    res = client.create_resource(restApiId=api_id, parentId=root, pathPart="{proxy+}")["id"]
    for rid in (root, res):
        client.put_method(restApiId=api_id, resourceId=rid, httpMethod="ANY", authorizationType="NONE")
    return api_id, root, res


def test_integration_target_is_kept_through_the_proxy_only(region, account, aws_proxy):
    proxy = aws_proxy(LOCALSTACK, "localstack")
    proxy.emulate_integration_target_storage()
    direct = Rest(region, account).client
    via = Rest(region, account, endpoint=proxy.url).client
    target = nlb_arn(region, account)

    api_id, root, res = make_api(via)
    put = put_private_integration(via, api_id, res, target)
    assert put.get("integrationTarget") == target, put
    put_private_integration(via, api_id, root, None)  # no link: nothing to keep
    assert proxy.integration_targets() == {(api_id, res, "ANY"): target}

    # GetIntegration: through the proxy as AWS answers; directly as LocalStack stores it.
    got = via.get_integration(restApiId=api_id, resourceId=res, httpMethod="ANY")
    assert got.get("integrationTarget") == target, got
    assert got["connectionType"] == "VPC_LINK" and got["connectionId"] == LINK_ID, got
    plain = direct.get_integration(restApiId=api_id, resourceId=res, httpMethod="ANY")
    assert "integrationTarget" not in plain, (
        f"LocalStack now returns integrationTarget ({plain}): the proxy rule "
        "emulate_integration_target_storage() and the REST v2 tests' use of it can go")
    assert "integrationTarget" not in via.get_integration(restApiId=api_id, resourceId=root, httpMethod="ANY")

    # GetMethod (methodIntegration) and GetResources?embed=methods.
    method = via.get_method(restApiId=api_id, resourceId=res, httpMethod="ANY")
    assert method["methodIntegration"].get("integrationTarget") == target, method
    assert "integrationTarget" not in direct.get_method(
        restApiId=api_id, resourceId=res, httpMethod="ANY")["methodIntegration"]
    embedded = embedded_integrations(via, api_id)
    assert embedded["/{proxy+}"].get("integrationTarget") == target, embedded
    assert "integrationTarget" not in embedded["/"], embedded
    assert "integrationTarget" not in embedded_integrations(direct, api_id)["/{proxy+}"]

    # The completed answers are marked in the record (as emulated, not as faults).
    marked = {c.op for c in proxy.snapshot() if c.emulated == "integration-target"}
    assert {"PutIntegration", "GetIntegration", "GetMethod", "GetResources"} <= marked, marked
    assert all(c.faulted is None for c in proxy.snapshot())

    # A put replaces the integration: a new target, then none.
    other = nlb_arn(region, account, "cortex-other")
    put_private_integration(via, api_id, res, other)
    assert via.get_integration(restApiId=api_id, resourceId=res, httpMethod="ANY")["integrationTarget"] == other
    put_private_integration(via, api_id, res, None)
    assert proxy.integration_targets() == {}
    assert "integrationTarget" not in via.get_integration(restApiId=api_id, resourceId=res, httpMethod="ANY")


def test_integration_target_is_forgotten_with_what_holds_it(region, account, aws_proxy):
    proxy = aws_proxy(LOCALSTACK, "localstack")
    proxy.emulate_integration_target_storage()
    via = Rest(region, account, endpoint=proxy.url).client
    target = nlb_arn(region, account)

    def keys() -> set:
        return set(proxy.integration_targets())

    # DeleteIntegration, then a put without a target does not bring it back.
    api_id, root, res = make_api(via)
    put_private_integration(via, api_id, res, target)
    put_private_integration(via, api_id, root, target)
    assert keys() == {(api_id, res, "ANY"), (api_id, root, "ANY")}
    via.delete_integration(restApiId=api_id, resourceId=res, httpMethod="ANY")
    assert keys() == {(api_id, root, "ANY")}
    put_private_integration(via, api_id, res, None)
    assert "integrationTarget" not in via.get_integration(restApiId=api_id, resourceId=res, httpMethod="ANY")

    # DeleteMethod
    put_private_integration(via, api_id, res, target)
    via.delete_method(restApiId=api_id, resourceId=res, httpMethod="ANY")
    assert keys() == {(api_id, root, "ANY")}

    # DeleteResource
    via.put_method(restApiId=api_id, resourceId=res, httpMethod="ANY", authorizationType="NONE")
    put_private_integration(via, api_id, res, target)
    via.delete_resource(restApiId=api_id, resourceId=res)
    assert keys() == {(api_id, root, "ANY")}

    # DeleteRestApi: only that API's entries.
    other_api, other_root, _ = make_api(via)
    put_private_integration(via, other_api, other_root, target)
    via.delete_rest_api(restApiId=api_id)
    assert keys() == {(other_api, other_root, "ANY")}


def test_update_integration_patches_the_target(region, account, aws_proxy):
    """cortex-net replaces integrations with PutIntegration; a `/integrationTarget` patch is
    followed anyway, when LocalStack accepts it."""
    proxy = aws_proxy(LOCALSTACK, "localstack")
    proxy.emulate_integration_target_storage()
    via = Rest(region, account, endpoint=proxy.url).client
    api_id, _, res = make_api(via)
    put_private_integration(via, api_id, res, nlb_arn(region, account))
    newer = nlb_arn(region, account, "cortex-newer")
    try:
        answer = via.update_integration(restApiId=api_id, resourceId=res, httpMethod="ANY", patchOperations=[
            {"op": "replace", "path": "/integrationTarget", "value": newer}])
    except ClientError as e:  # LocalStack refuses the path: nothing to learn
        pytest.skip(f"LocalStack refuses an /integrationTarget patch: {e}")
    assert answer.get("integrationTarget") == newer, answer
    assert via.get_integration(restApiId=api_id, resourceId=res, httpMethod="ANY")["integrationTarget"] == newer
    assert proxy.integration_targets() == {(api_id, res, "ANY"): newer}


def test_rule_off_changes_nothing(region, account, aws_proxy):
    proxy = aws_proxy(LOCALSTACK, "localstack")
    via = Rest(region, account, endpoint=proxy.url).client
    api_id, _, res = make_api(via)
    put_private_integration(via, api_id, res, nlb_arn(region, account))
    assert "integrationTarget" not in via.get_integration(restApiId=api_id, resourceId=res, httpMethod="ANY")
    assert proxy.integration_targets() == {}
    assert all(c.faulted is None and c.emulated is None for c in proxy.snapshot())
