"""The proxy's completion of imported integrations (support/awsproxy.py, always on), driven with
boto3 against LocalStack, no CLI.

LocalStack 4.13.1's PutRestApi turns every `http_proxy` integration of the OpenAPI document into
`connectionType` INTERNET and drops `connectionId` and `integrationTarget`; AWS keeps what the
document says (cortex-net puts its REST API's content so). Here: a document put directly loses
them (if it ever keeps them, LocalStack does it itself and the completion can go); put through a
proxy, the emulator holds the link afterwards, the proxy's integration-target and
embedded-connection-id rules learn the rest, and the proxy's own upstream calls are not
recorded."""

from __future__ import annotations

import json
import uuid

import pytest

from conftest import LOCALSTACK, Rest

pytestmark = pytest.mark.shared_region

LINK = "vpclink-import-test"  # LocalStack does not check that the link exists
TARGET = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/lb/0123456789abcdef"
PROXY_PARAMETERS = {"integration.request.path.proxy": "method.request.path.proxy"}


def document(link: str | None, target: str | None = None) -> bytes:
    """`/` over the internet, `/{proxy+}` through `link` (and `target`), `/{proxy+}` OPTIONS mock."""
    private = {"type": "http_proxy", "httpMethod": "ANY", "uri": "http://lb.example/{proxy}",
               "passthroughBehavior": "when_no_match", "requestParameters": PROXY_PARAMETERS}
    if link:
        private.update(connectionType="VPC_LINK", connectionId=link)
        if target:
            private["integrationTarget"] = target
    return json.dumps({
        "openapi": "3.0.1",
        "info": {"title": "import-test", "version": "1"},
        "paths": {
            "/": {"x-amazon-apigateway-any-method": {"responses": {}, "x-amazon-apigateway-integration": {
                "type": "http_proxy", "httpMethod": "ANY", "uri": "http://lb.example/",
                "connectionType": "INTERNET"}}},
            "/{proxy+}": {
                "x-amazon-apigateway-any-method": {
                    "parameters": [{"name": "proxy", "in": "path", "required": True,
                                    "schema": {"type": "string"}}],
                    "responses": {}, "x-amazon-apigateway-integration": private},
                "options": {"responses": {}, "x-amazon-apigateway-integration": {
                    "type": "mock", "requestTemplates": {"application/json": "{\"statusCode\": 200}"}}},
            },
        },
    }).encode()


def ids_by_path(client, api: str) -> dict[str, str]:
    return {r["path"]: r["id"] for r in client.get_resources(restApiId=api, limit=500)["items"]}


def embedded(client, api: str) -> dict[str, dict]:
    """{"<METHOD> <path>": the method's integration} from GetResources?embed=methods."""
    items = client.get_resources(restApiId=api, embed=["methods"], limit=500)["items"]
    return {f"{verb} {r['path']}": m.get("methodIntegration", {})
            for r in items for verb, m in (r.get("resourceMethods") or {}).items()}


def integration(client, api: str, path: str) -> dict:
    return client.get_integration(restApiId=api, resourceId=ids_by_path(client, api)[path], httpMethod="ANY")


def test_a_document_put_through_the_proxy_keeps_its_private_integrations(region, account, aws_proxy):
    direct = Rest(region, account).client
    bare = direct.create_rest_api(name=f"import-{uuid.uuid4().hex[:6]}")["id"]
    direct.put_rest_api(restApiId=bare, mode="overwrite", body=document(LINK, TARGET))
    raw = integration(direct, bare, "/{proxy+}")
    assert raw.get("connectionType") == "INTERNET" and "connectionId" not in raw, \
        f"LocalStack keeps imported VPC links now: drop the completion ({raw})"
    direct.delete_rest_api(restApiId=bare)

    proxy = aws_proxy(LOCALSTACK, "localstack")
    proxy.emulate_integration_target_storage()
    proxy.emulate_embedded_connection_ids()
    via = Rest(region, account, endpoint=proxy.url).client
    api = via.create_rest_api(name=f"import-{uuid.uuid4().hex[:6]}")["id"]
    via.put_rest_api(restApiId=api, mode="overwrite", body=document(LINK, TARGET))
    # The emulator itself holds the link and the rest of the integration (read directly).
    held = integration(direct, api, "/{proxy+}")
    assert (held.get("connectionType"), held.get("connectionId")) == ("VPC_LINK", LINK), held
    assert held["uri"] == "http://lb.example/{proxy}" and held["httpMethod"] == "ANY", held
    assert held.get("requestParameters") == PROXY_PARAMETERS, held
    assert "integrationTarget" not in held, "LocalStack keeps integrationTarget now: drop its rule"
    # Neither the public integration nor the mock is touched.
    assert integration(direct, api, "/").get("connectionType") == "INTERNET"
    assert embedded(direct, api)["OPTIONS /{proxy+}"]["type"] == "MOCK"
    # Through the proxy, the target too, and the link in embedded integrations, as AWS answers.
    assert integration(via, api, "/{proxy+}").get("integrationTarget") == TARGET
    res = ids_by_path(via, api)["/{proxy+}"]
    assert proxy.integration_targets() == {(api, res, "ANY"): TARGET}
    private = embedded(via, api)["ANY /{proxy+}"]
    assert (private.get("connectionId"), private.get("integrationTarget")) == (LINK, TARGET), private
    assert [c.op for c in proxy.snapshot() if not c.op.startswith("Get")] == ["CreateRestApi", "PutRestApi"], \
        "the proxy's own upstream calls are not recorded"

    # Another document replaces the API's content: what the first said is gone.
    via.put_rest_api(restApiId=api, mode="overwrite", body=document(None))
    assert proxy.integration_targets() == {}
    assert integration(via, api, "/{proxy+}").get("connectionType") == "INTERNET"
    via.put_rest_api(restApiId=api, mode="overwrite", body=document(LINK, TARGET))
    assert len(proxy.integration_targets()) == 1
    via.delete_rest_api(restApiId=api)
    assert proxy.integration_targets() == {}


def test_a_document_put_through_any_proxy_is_complete_for_every_reader(region, account, aws_proxy):
    """The completion needs no rule: every proxy does it, every reader sees it."""
    plain = aws_proxy(LOCALSTACK, "plain")
    via = Rest(region, account, endpoint=plain.url).client
    api = via.create_rest_api(name=f"import-{uuid.uuid4().hex[:6]}")["id"]
    via.put_rest_api(restApiId=api, mode="overwrite", body=document(LINK))
    held = integration(Rest(region, account).client, api, "/{proxy+}")
    assert (held.get("connectionType"), held.get("connectionId")) == ("VPC_LINK", LINK), held
    via.delete_rest_api(restApiId=api)
