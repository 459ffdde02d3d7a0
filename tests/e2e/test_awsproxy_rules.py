"""The proxy's AWS rules, fault mode, `after_write` and standalone mode (support/awsproxy.py),
driven with boto3 only (no CLI).

The rules are on for the whole suite (the session proxies and every `aws_proxy`), so no test
passes on an emulator's leniency. Each rule refuses what AWS refuses and lets through what AWS
allows; LocalStack's own refusals (duplicate REST stage, deleting a deployment a stage uses) are
checked to stay native, so that the day LocalStack changes, this file says so. Writes go through
a proxy, read-back goes to the emulator directly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError

from conftest import ENDPOINT, LOCALSTACK, MOTO_PROXY, LOCALSTACK_PROXY, Rest

pytestmark = pytest.mark.shared_region

NO_RETRY = Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=5, read_timeout=30)
PROXY_SCRIPT = Path(__file__).resolve().parent / "support" / "awsproxy.py"


def v2_client(url: str, region: str, access_key: str | None = None):
    kw = {"aws_access_key_id": access_key, "aws_secret_access_key": "test"} if access_key else {}
    return boto3.client("apigatewayv2", endpoint_url=url, region_name=region, config=NO_RETRY, **kw)


def v1_client(url: str, region: str, account: str):
    return boto3.client("apigateway", endpoint_url=url, region_name=region, config=NO_RETRY,
                        aws_access_key_id=account, aws_secret_access_key="test")


def error_of(call) -> tuple[int, str, str]:
    """(HTTP status, error code, message) of a call that must fail with an AWS error."""
    with pytest.raises(ClientError) as info:
        call()
    err = info.value.response
    return err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Code"], err["Error"].get("Message", "")


def rule_marks(proxy) -> list[tuple[str, int, str | None]]:
    return [(c.op, c.status, c.faulted) for c in proxy.snapshot() if c.faulted]


def http_api(client) -> str:
    return client.create_api(Name=f"rules-{uuid.uuid4().hex[:6]}", ProtocolType="HTTP")["ApiId"]


def http_integration(client, api_id: str, link_id: str | None = None) -> str:
    kw = dict(ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY",
              PayloadFormatVersion="1.0")
    if link_id:
        kw.update(IntegrationUri="arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/net/x/1/2",
                  ConnectionType="VPC_LINK", ConnectionId=link_id)
    else:
        kw["IntegrationUri"] = "http://backend.example/"
    return client.create_integration(**kw)["IntegrationId"]


# ---------------------------------------------------------------------------
# apigatewayv2 rules (moto)
# ---------------------------------------------------------------------------

def test_duplicate_route_key_is_a_conflict(region, aws, aws_proxy):
    proxy = aws_proxy(ENDPOINT, "moto")
    c = v2_client(proxy.url, region)
    api, other = http_api(c), http_api(c)
    first = c.create_route(ApiId=api, RouteKey="ANY /iris")["RouteId"]
    status, code, message = error_of(lambda: c.create_route(ApiId=api, RouteKey="ANY /iris"))
    assert (status, code) == (409, "ConflictException") and "ANY /iris" in message, message
    # What AWS allows: another key in the API, the same key in another API.
    second = c.create_route(ApiId=api, RouteKey="ANY /iris/{proxy+}")["RouteId"]
    c.create_route(ApiId=other, RouteKey="ANY /iris")
    # UpdateRoute to a key another route has is a conflict; keeping its own key is not.
    assert error_of(lambda: c.update_route(ApiId=api, RouteId=second, RouteKey="ANY /iris"))[:2] == \
        (409, "ConflictException")
    c.update_route(ApiId=api, RouteId=first, RouteKey="ANY /iris")
    assert sorted(r["RouteKey"] for r in aws.routes(api)) == ["ANY /iris", "ANY /iris/{proxy+}"]
    assert rule_marks(proxy) == [("CreateRoute", 409, "aws-rule:route-key-conflict"),
                                 ("UpdateRoute", 409, "aws-rule:route-key-conflict")]


def test_duplicate_stage_name_is_a_conflict(region, aws, aws_proxy):
    proxy = aws_proxy(ENDPOINT, "moto")
    c = v2_client(proxy.url, region)
    api, other = http_api(c), http_api(c)
    c.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
    status, code, _ = error_of(lambda: c.create_stage(ApiId=api, StageName="$default"))
    assert (status, code) == (409, "ConflictException")
    c.create_stage(ApiId=api, StageName="prod")
    c.create_stage(ApiId=other, StageName="$default")
    assert sorted(s["StageName"] for s in aws.stages(api)) == ["$default", "prod"]
    assert aws.apigw.get_stage(ApiId=api, StageName="$default")["AutoDeploy"] is True, \
        "the refused create must not have replaced the stage"
    assert rule_marks(proxy) == [("CreateStage", 409, "aws-rule:stage-conflict")]


def test_integration_targeted_by_a_route_cannot_be_deleted(region, aws, aws_proxy):
    proxy = aws_proxy(ENDPOINT, "moto")
    c = v2_client(proxy.url, region)
    api = http_api(c)
    used, unused = http_integration(c, api), http_integration(c, api)
    route = c.create_route(ApiId=api, RouteKey="ANY /{proxy+}", Target=f"integrations/{used}")["RouteId"]
    status, code, message = error_of(lambda: c.delete_integration(ApiId=api, IntegrationId=used))
    assert (status, code) == (400, "BadRequestException") and used in message, message
    c.delete_integration(ApiId=api, IntegrationId=unused)
    # In AWS's order: the route first, then its integration.
    c.delete_route(ApiId=api, RouteId=route)
    c.delete_integration(ApiId=api, IntegrationId=used)
    assert aws.integrations(api) == []
    assert rule_marks(proxy) == [("DeleteIntegration", 400, "aws-rule:integration-in-use")]


def test_vpc_link_used_by_an_integration_cannot_be_deleted(region, aws, aws_proxy):
    proxy = aws_proxy(ENDPOINT, "moto")
    c = v2_client(proxy.url, region)
    link = c.create_vpc_link(Name="rules", SubnetIds=["subnet-1"])["VpcLinkId"]
    spare = c.create_vpc_link(Name="rules-spare", SubnetIds=["subnet-1"])["VpcLinkId"]
    api_a, api_b = http_api(c), http_api(c)
    http_integration(c, api_a)
    integ = http_integration(c, api_b, link)  # any API of the region counts
    status, code, message = error_of(lambda: c.delete_vpc_link(VpcLinkId=link))
    assert (status, code) == (400, "BadRequestException"), message
    assert message.startswith(f"Cannot delete vpc link {link}, because it is referenced in"), message
    assert integ in message, message
    c.delete_vpc_link(VpcLinkId=spare)
    c.delete_integration(ApiId=api_b, IntegrationId=integ)
    c.delete_vpc_link(VpcLinkId=link)
    remaining = {ln["VpcLinkId"] for ln in aws.apigw.get_vpc_links()["Items"]}
    assert not {link, spare} & remaining
    assert rule_marks(proxy) == [("DeleteVpcLink", 400, "aws-rule:vpc-link-in-use")]


def test_vpc_link_v2_used_by_a_rest_integration_cannot_be_deleted(region, account, aws_proxy):
    """A REST API's private integration (LocalStack) can use a v2 link (moto): AWS refuses to
    delete the link then too."""
    moto = aws_proxy(ENDPOINT, "moto")
    v2 = v2_client(moto.url, region, account)
    rest = Rest(region, account).client
    link = v2.create_vpc_link(Name="rules-rest", SubnetIds=["subnet-1"])["VpcLinkId"]
    api = rest.create_rest_api(name=f"rules-{uuid.uuid4().hex[:6]}")["id"]
    root = rest.get_resources(restApiId=api)["items"][0]["id"]
    rest.put_method(restApiId=api, resourceId=root, httpMethod="ANY", authorizationType="NONE")
    rest.put_integration(restApiId=api, resourceId=root, httpMethod="ANY", type="HTTP_PROXY",
                         integrationHttpMethod="ANY", uri="http://lb.example/", connectionType="VPC_LINK",
                         connectionId=link)
    status, code, message = error_of(lambda: v2.delete_vpc_link(VpcLinkId=link))
    assert (status, code) == (400, "BadRequestException") and api in message, message
    rest.delete_integration(restApiId=api, resourceId=root, httpMethod="ANY")
    v2.delete_vpc_link(VpcLinkId=link)


def test_concurrent_duplicate_creates_let_exactly_one_through(region, aws, aws_proxy):
    proxy = aws_proxy(ENDPOINT, "moto")
    api = http_api(v2_client(proxy.url, region))
    results: list[str] = []
    barrier = threading.Barrier(4)

    def create() -> None:
        c = v2_client(proxy.url, region)
        barrier.wait()
        try:
            c.create_route(ApiId=api, RouteKey="ANY /race")
            results.append("ok")
        except ClientError as e:
            results.append(e.response["Error"]["Code"])

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == ["ConflictException"] * 3 + ["ok"], results
    assert [r["RouteKey"] for r in aws.routes(api)] == ["ANY /race"]


def test_rules_can_be_turned_off(region, aws, aws_proxy):
    proxy = aws_proxy(ENDPOINT, "moto", aws_rules=False)
    c = v2_client(proxy.url, region)
    api = http_api(c)
    c.create_route(ApiId=api, RouteKey="ANY /twice")
    c.create_route(ApiId=api, RouteKey="ANY /twice")  # moto's leniency, visible again
    assert [r["RouteKey"] for r in aws.routes(api)] == ["ANY /twice", "ANY /twice"]
    assert rule_marks(proxy) == []


# ---------------------------------------------------------------------------
# apigateway (REST, v1) rules (LocalStack)
# ---------------------------------------------------------------------------

def rest_api_with_root_method(client) -> tuple[str, str]:
    api = client.create_rest_api(name=f"rules-{uuid.uuid4().hex[:6]}")["id"]
    root = client.get_resources(restApiId=api)["items"][0]["id"]
    client.put_method(restApiId=api, resourceId=root, httpMethod="ANY", authorizationType="NONE")
    return api, root


def test_rest_native_refusals_stay_native(region, account, aws_proxy):
    """LocalStack 4.13.1 refuses a second stage of one name and deleting a deployment a stage
    uses, as AWS does: the proxy has no rule for them (the answers are LocalStack's own). If this
    fails on `faulted is None`, someone added a rule; if on the status, LocalStack stopped
    refusing: add the rule to awsproxy.py."""
    proxy = aws_proxy(LOCALSTACK, "localstack")
    c = v1_client(proxy.url, region, account)
    api, root = rest_api_with_root_method(c)
    c.put_integration(restApiId=api, resourceId=root, httpMethod="ANY", type="MOCK")
    dep = c.create_deployment(restApiId=api)["id"]
    c.create_stage(restApiId=api, stageName="dev", deploymentId=dep)
    assert error_of(lambda: c.create_stage(restApiId=api, stageName="dev", deploymentId=dep))[:2] == \
        (409, "ConflictException")
    status, code, message = error_of(lambda: c.delete_deployment(restApiId=api, deploymentId=dep))
    assert (status, code) == (400, "BadRequestException") and "Active stages" in message, message
    c.create_stage(restApiId=api, stageName="prod", deploymentId=dep)
    assert rule_marks(proxy) == []
    c.delete_stage(restApiId=api, stageName="dev")
    c.delete_stage(restApiId=api, stageName="prod")
    c.delete_deployment(restApiId=api, deploymentId=dep)


def test_rest_duplicate_resource_is_a_conflict(region, account, rest, aws_proxy):
    proxy = aws_proxy(LOCALSTACK, "localstack")
    c = v1_client(proxy.url, region, account)
    api, root = rest_api_with_root_method(c)
    v1 = c.create_resource(restApiId=api, parentId=root, pathPart="v1")["id"]
    status, code, message = error_of(lambda: c.create_resource(restApiId=api, parentId=root, pathPart="v1"))
    assert (status, code) == (409, "ConflictException") and "v1" in message, message
    c.create_resource(restApiId=api, parentId=v1, pathPart="v1")  # another parent: allowed
    assert sorted(rest.resources(api)) == ["/", "/v1", "/v1/v1"]
    assert rule_marks(proxy) == [("CreateResource", 409, "aws-rule:resource-conflict")]


def test_rest_vpc_link_keeps_create_tags_and_cannot_be_deleted_while_used(region, account, rest, aws_proxy):
    proxy = aws_proxy(LOCALSTACK, "localstack")
    c = v1_client(proxy.url, region, account)
    tags = {"managed-by": "cortex-net", "cortex.dev/cluster-name": "rules"}
    target = f"arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/net/rules/{uuid.uuid4().hex[:16]}"
    # LocalStack alone drops the tags given at create (when it keeps them, remove the rule).
    bare = rest.client.create_vpc_link(name="direct", targetArns=[target], tags=tags)
    assert rest.vpc_link_tags(bare["id"]) == {}, "LocalStack keeps CreateVpcLink tags now: drop the rule"
    rest.client.delete_vpc_link(vpcLinkId=bare["id"])

    link = c.create_vpc_link(name="rules", targetArns=[target], tags=tags)
    assert link["tags"] == tags
    assert rest.vpc_link_tags(link["id"]) == tags
    assert [(x.op, x.emulated) for x in proxy.snapshot() if x.emulated] == \
        [("CreateVpcLink", "aws-rule:vpc-link-tags")]

    api, root = rest_api_with_root_method(c)
    c.put_integration(restApiId=api, resourceId=root, httpMethod="ANY", type="HTTP_PROXY",
                      integrationHttpMethod="ANY", uri="http://lb.example/", connectionType="VPC_LINK",
                      connectionId=link["id"])
    status, code, message = error_of(lambda: c.delete_vpc_link(vpcLinkId=link["id"]))
    assert (status, code) == (400, "BadRequestException"), message
    assert message.startswith(f"Cannot delete vpc link {link['id']}, because it is referenced in"), message
    assert api in message, message
    c.delete_integration(restApiId=api, resourceId=root, httpMethod="ANY")
    c.delete_vpc_link(vpcLinkId=link["id"])
    assert link["id"] not in {x["id"] for x in rest.vpc_links()}
    assert rule_marks(proxy) == [("DeleteVpcLink", 400, "aws-rule:vpc-link-in-use")]


def test_rest_vpc_link_used_by_an_imported_integration_cannot_be_deleted(region, account, aws_proxy):
    """AWS keeps the link of a private integration put with PutRestApi (LocalStack drops it; the
    proxy's imported-integration emulation keeps it): deleting the link is refused then too."""
    proxy = aws_proxy(LOCALSTACK, "localstack")
    c = v1_client(proxy.url, region, account)
    target = f"arn:aws:elasticloadbalancing:{region}:{account}:loadbalancer/net/rules/{uuid.uuid4().hex[:16]}"
    link = c.create_vpc_link(name="rules-import", targetArns=[target])["id"]
    api = c.create_rest_api(name=f"rules-{uuid.uuid4().hex[:6]}")["id"]
    document = {"openapi": "3.0.1", "info": {"title": "rules", "version": "1"}, "paths": {"/": {
        "x-amazon-apigateway-any-method": {"responses": {}, "x-amazon-apigateway-integration": {
            "type": "http_proxy", "httpMethod": "ANY", "uri": "http://lb.example/",
            "connectionType": "VPC_LINK", "connectionId": link}}}}}
    c.put_rest_api(restApiId=api, mode="overwrite", body=json.dumps(document).encode())
    status, code, message = error_of(lambda: c.delete_vpc_link(vpcLinkId=link))
    assert (status, code) == (400, "BadRequestException") and api in message, message
    c.delete_rest_api(restApiId=api)
    c.delete_vpc_link(vpcLinkId=link)
    assert rule_marks(proxy) == [("DeleteVpcLink", 400, "aws-rule:vpc-link-in-use")]


def test_session_proxies_carry_the_cli_and_enforce_the_rules(region, aws):
    """The CLI of every test goes through the session proxies (conftest), rules on."""
    assert os.environ["AWS_ENDPOINT_URL"] == MOTO_PROXY
    assert os.environ["AWS_ENDPOINT_URL_API_GATEWAY"] == LOCALSTACK_PROXY
    assert MOTO_PROXY != ENDPOINT and LOCALSTACK_PROXY != LOCALSTACK
    c = v2_client(MOTO_PROXY, region)
    api = http_api(c)
    c.create_route(ApiId=api, RouteKey="ANY /session")
    assert error_of(lambda: c.create_route(ApiId=api, RouteKey="ANY /session"))[1] == "ConflictException"


# ---------------------------------------------------------------------------
# Fault mode
# ---------------------------------------------------------------------------

def outcome(call) -> str:
    try:
        call()
        return "ok"
    except ClientError as e:
        return f"{e.response['ResponseMetadata']['HTTPStatusCode']}:{e.response['Error']['Code']}"
    except HTTPClientError as e:
        return f"connection:{type(e).__name__}"


def test_fault_mode_is_seeded_and_reproducible(region, aws, aws_proxy):
    api = http_api(aws.apigw)

    def run(seed: int) -> tuple[list[str], list[str | None], dict]:
        proxy = aws_proxy(ENDPOINT, "moto")
        proxy.faults(0.5, seed)
        c = v2_client(proxy.url, region)
        seen = [outcome(lambda: c.get_api(ApiId=api)) for _ in range(24)]
        return seen, [x.faulted for x in proxy.snapshot()], proxy.fault_counts()

    first, marks, counts = run(7)
    assert run(7) == (first, marks, counts)
    assert run(8)[1] != marks, "another seed, the same 24 decisions: the seed is not used"
    assert counts["eligible"] == 24 and 0 < counts["faulted"] < 24, counts
    assert counts["faulted"] == sum(1 for m in marks if m), (counts, marks)
    assert sum(v for k, v in counts.items() if ":" in k) == counts["faulted"], counts
    kinds = {m.split(":")[1] for m in marks if m}
    assert kinds <= {"429", "500", "503", "reset"} and len(kinds) >= 3, marks
    assert all(m is None or m.startswith("fault:") for m in marks), marks
    assert "fault:429:after" not in marks, "a 429 always comes before the effect"
    for result, mark in zip(first, marks):
        if mark is None:
            assert result == "ok"
        elif mark.startswith("fault:reset"):
            assert result.startswith("connection:"), (result, mark)
        else:
            assert result.startswith(mark.split(":")[1] + ":"), (result, mark)


@pytest.mark.parametrize("kind", ["500", "503", "reset"])
def test_fault_after_the_effect_did_the_work(region, aws, aws_proxy, kind):
    proxy = aws_proxy(ENDPOINT, "moto")
    c = v2_client(proxy.url, region)
    name = f"after-{kind}-{uuid.uuid4().hex[:6]}"
    proxy.faults(1.0, 1, kinds=(kind,), after_share=1.0)
    result = outcome(lambda: c.create_api(Name=name, ProtocolType="HTTP"))
    assert result.startswith("connection:" if kind == "reset" else f"{kind}:"), result
    assert [a["Name"] for a in aws.apis()].count(name) == 1, "the emulator did not do the work"
    assert proxy.snapshot()[-1].faulted == f"fault:{kind}:after"
    # Before the effect: the same error, nothing done.
    name = f"before-{kind}-{uuid.uuid4().hex[:6]}"
    proxy.faults(1.0, 1, kinds=(kind,), after_share=0.0)
    assert outcome(lambda: c.create_api(Name=name, ProtocolType="HTTP")) == result
    assert name not in {a["Name"] for a in aws.apis()}
    assert proxy.snapshot()[-1].faulted == f"fault:{kind}:before"
    assert proxy.fault_counts() == {"eligible": 1, "faulted": 1, f"{kind}:before": 1}


def test_throttling_in_each_protocol(region, aws, aws_proxy):
    """429 for API Gateway (REST-JSON TooManyRequestsException), `Throttling` in the query
    protocol's XML for elbv2 and classic ELB; never forwarded. EC2 is not faulted by default."""
    proxy = aws_proxy(ENDPOINT, "moto")
    proxy.faults(1.0, 3, kinds=("429",))
    kw = dict(endpoint_url=proxy.url, region_name=region, config=NO_RETRY)
    name = f"throttled-{uuid.uuid4().hex[:6]}"
    assert error_of(lambda: v2_client(proxy.url, region).create_api(Name=name, ProtocolType="HTTP"))[:2] == \
        (429, "TooManyRequestsException")
    assert name not in {a["Name"] for a in aws.apis()}
    status, code, message = error_of(lambda: boto3.client("elbv2", **kw).describe_load_balancers())
    assert (status, code, message) == (400, "Throttling", "Rate exceeded")
    assert error_of(lambda: boto3.client("elb", **kw).describe_load_balancers())[:2] == (400, "Throttling")
    boto3.client("ec2", **kw).describe_vpcs()
    assert [c.faulted for c in proxy.snapshot()] == ["fault:429:before"] * 3 + [None]
    # `ops` chooses the operations: here only EC2's.
    proxy.faults(1.0, 3, kinds=("429",), ops=lambda op: op == "DescribeVpcs")
    assert error_of(lambda: boto3.client("ec2", **kw).describe_vpcs())[1] == "RequestLimitExceeded"
    boto3.client("elbv2", **kw).describe_load_balancers()
    proxy.clear_faults()
    boto3.client("ec2", **kw).describe_vpcs()
    assert proxy.fault_counts() == {"eligible": 1, "faulted": 1, "429:before": 1}


def test_reset_closes_the_connection_without_an_answer(region, aws, aws_proxy):
    proxy = aws_proxy(ENDPOINT, "moto")
    proxy.faults(1.0, 5, kinds=("reset",), after_share=0.0)
    c = v2_client(proxy.url, region)
    with pytest.raises(HTTPClientError):
        c.get_apis()
    call = proxy.snapshot()[-1]
    assert (call.op, call.status, call.faulted, call.response) == ("GetApis", 0, "fault:reset:before", b"")
    proxy.clear_faults()
    c.get_apis()  # the proxy itself is fine


# ---------------------------------------------------------------------------
# after_write
# ---------------------------------------------------------------------------

def test_after_write_fires_after_the_nth_write_before_its_answer(region, aws, aws_proxy):
    proxy = aws_proxy(ENDPOINT, "moto")
    c = v2_client(proxy.url, region)
    prefix = f"aw-{uuid.uuid4().hex[:6]}"
    answers: list[str] = []
    fired: list[tuple[int, int]] = []

    def callback() -> None:  # (answers the client had, APIs the emulator has)
        fired.append((len(answers), sum(a["Name"].startswith(prefix) for a in aws.apis())))

    proxy.after_write(3, callback)
    api = c.create_api(Name=f"{prefix}-1", ProtocolType="HTTP")["ApiId"]  # write 1
    answers.append(api)
    c.get_apis()  # reads do not count
    c.create_route(ApiId=api, RouteKey="ANY /a")  # write 2
    answers.append("route")
    assert error_of(lambda: c.create_route(ApiId=api, RouteKey="ANY /a"))[1] == "ConflictException"
    assert fired == [], "a refused write is no write"
    answers.append(c.create_api(Name=f"{prefix}-2", ProtocolType="HTTP")["ApiId"])  # write 3
    c.create_api(Name=f"{prefix}-3", ProtocolType="HTTP")  # write 4: fires no more
    # At the callback: the 3rd write done upstream (two APIs), its answer not yet sent (2 answers).
    assert fired == [(2, 2)], fired
    assert proxy.writes() == 4


# ---------------------------------------------------------------------------
# Standalone mode
# ---------------------------------------------------------------------------

def test_standalone_proxy_records_and_faults(region, aws, tmp_path):
    record = tmp_path / "calls.jsonl"
    p = subprocess.Popen([sys.executable, str(PROXY_SCRIPT), "--upstream", ENDPOINT, "--name", "moto",
                          "--fault-rate", "1", "--seed", "7", "--kinds", "429", "--record", str(record)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = p.stdout.readline().strip()
        assert first.startswith("URL http://127.0.0.1:"), first
        url = first.split(" ", 1)[1]
        c = v2_client(url, region)
        assert error_of(lambda: c.get_apis())[:2] == (429, "TooManyRequestsException")
        boto3.client("ec2", endpoint_url=url, region_name=region, config=NO_RETRY).describe_vpcs()
    finally:
        p.send_signal(signal.SIGTERM)
        _, err = p.communicate(timeout=10)
    assert p.returncode == 0, err
    rows = [json.loads(line) for line in record.read_text().splitlines()]
    assert [(r["op"], r["status"], r["faulted"], r["service"], r["region"]) for r in rows] == [
        ("GetApis", 429, "fault:429:before", "apigateway", region),
        ("DescribeVpcs", 200, None, "ec2", region),
    ], rows
    assert all(r["proxy"] == "moto" and "response" not in r for r in rows), rows


def test_chained_proxies_do_not_wait_on_each_other(region, aws, aws_proxy):
    """A proxy whose upstream is another proxy (a test's proxy in front of a session proxy):
    each checks under its own lock, so the forwarded call never waits for its sender's lock."""
    inner = aws_proxy(ENDPOINT, "inner")
    outer = aws_proxy(inner.url, "outer")
    c = boto3.client("apigatewayv2", endpoint_url=outer.url, region_name=region,
                     config=Config(retries={"mode": "standard", "total_max_attempts": 1}, read_timeout=10))
    api = http_api(c)
    c.create_route(ApiId=api, RouteKey="ANY /chain")
    assert error_of(lambda: c.create_route(ApiId=api, RouteKey="ANY /chain"))[1] == "ConflictException"
    assert [r["RouteKey"] for r in aws.routes(api)] == ["ANY /chain"]


# ---------------------------------------------------------------------------
# API protection (issue 10): support/protection_rules.py
# ---------------------------------------------------------------------------

def rest_api_with_stage(client, *stages: str) -> str:
    """A REST API with a MOCK root method, one deployment and the given stages."""
    api, root = rest_api_with_root_method(client)
    client.put_integration(restApiId=api, resourceId=root, httpMethod="ANY", type="MOCK")
    dep = client.create_deployment(restApiId=api)["id"]
    for stage in stages:
        client.create_stage(restApiId=api, stageName=stage, deploymentId=dep)
    return api


def plan_stages(client, plan_id: str) -> list[tuple[str, str]]:
    return [(s["apiId"], s["stage"]) for s in client.get_usage_plan(usagePlanId=plan_id).get("apiStages") or []]


def test_usage_plan_naming_a_missing_stage_is_refused(region, account, rest, aws_proxy):
    """AWS refuses a usage plan (created or updated) naming a stage that does not exist, 400
    "Invalid API Stage ... specified for usageplan ..." (aws/aws-cdk#6169); LocalStack 4.13.1
    accepts it, so the proxy emulates AWS. A cortex-net that created its plan before the stage
    would pass on LocalStack alone."""
    proxy = aws_proxy(LOCALSTACK, "localstack")
    c = v1_client(proxy.url, region, account)
    api = rest_api_with_stage(c)  # no stage yet
    lenient = rest.client.create_usage_plan(name="direct", apiStages=[{"apiId": api, "stage": "dev"}])
    assert plan_stages(rest.client, lenient["id"]) == [(api, "dev")], \
        "LocalStack refuses a plan naming a missing stage now: drop the usage-plan-stage-missing rule"
    rest.client.delete_usage_plan(usagePlanId=lenient["id"])

    status, code, message = error_of(
        lambda: c.create_usage_plan(name="early", apiStages=[{"apiId": api, "stage": "dev"}]))
    assert (status, code) == (400, "BadRequestException"), message
    assert message == f"Invalid API Stage {{api: {api}, stage: dev}} specified for usageplan early", message
    plan = c.create_usage_plan(name="empty")["id"]  # without stages: allowed
    add = [{"op": "add", "path": "/apiStages", "value": f"{api}:dev"}]
    assert error_of(lambda: c.update_usage_plan(usagePlanId=plan, patchOperations=add))[:2] == \
        (400, "BadRequestException")
    assert plan_stages(rest.client, plan) == []

    # In AWS's order: the stage first, then the plan naming it.
    dep = c.get_deployments(restApiId=api)["items"][0]["id"]
    c.create_stage(restApiId=api, stageName="dev", deploymentId=dep)
    c.update_usage_plan(usagePlanId=plan, patchOperations=add)
    later = c.create_usage_plan(name="later", apiStages=[{"apiId": api, "stage": "dev"}])["id"]
    assert plan_stages(rest.client, plan) == [(api, "dev")] == plan_stages(rest.client, later)
    assert rule_marks(proxy) == [("CreateUsagePlan", 400, "aws-rule:usage-plan-stage-missing"),
                                 ("UpdateUsagePlan", 400, "aws-rule:usage-plan-stage-missing")]


def test_usage_plan_listing_a_stage_cannot_be_deleted(region, account, rest, aws_proxy):
    """AWS refuses DeleteUsagePlan while the plan lists an existing stage, 400 "Cannot delete
    Usage Plan ... because there are API Stages associated with it" (aws/aws-sdk-js#3841);
    LocalStack deletes it. The stage is taken out of the plan first (UpdateUsagePlan remove)."""
    proxy = aws_proxy(LOCALSTACK, "localstack")
    c = v1_client(proxy.url, region, account)
    api = rest_api_with_stage(c, "dev")
    lenient = rest.client.create_usage_plan(name="direct", apiStages=[{"apiId": api, "stage": "dev"}])["id"]
    rest.client.delete_usage_plan(usagePlanId=lenient)  # LocalStack alone: gone
    assert lenient not in {p["id"] for p in rest.client.get_usage_plans()["items"]}, \
        "LocalStack refuses it now: drop the usage-plan-in-use rule"

    plan = c.create_usage_plan(name="bound", apiStages=[{"apiId": api, "stage": "dev"}])["id"]
    status, code, message = error_of(lambda: c.delete_usage_plan(usagePlanId=plan))
    assert (status, code) == (400, "BadRequestException"), message
    assert message == (f"Cannot delete Usage Plan {plan} because there are API Stages associated with it, "
                       f"including {api}:dev"), message
    assert plan_stages(rest.client, plan) == [(api, "dev")]
    c.update_usage_plan(usagePlanId=plan, patchOperations=[
        {"op": "remove", "path": "/apiStages", "value": f"{api}:dev"}])
    c.delete_usage_plan(usagePlanId=plan)
    assert plan not in {p["id"] for p in rest.client.get_usage_plans()["items"]}
    assert rule_marks(proxy) == [("DeleteUsagePlan", 400, "aws-rule:usage-plan-in-use")]


def test_deleted_stage_leaves_its_usage_plans(region, account, rest, aws_proxy):
    """AWS takes a deleted stage out of the plans that list it (hashicorp/terraform-provider-aws
    #14100); LocalStack keeps it listed, and then refuses to remove it. Through the proxy the
    plan lets go of the stage, and can then be deleted."""
    proxy = aws_proxy(LOCALSTACK, "localstack")
    c = v1_client(proxy.url, region, account)
    api = rest_api_with_stage(c, "dev", "prod")
    stale = rest.client.create_usage_plan(name="direct", apiStages=[{"apiId": api, "stage": "prod"}])["id"]
    rest.client.delete_stage(restApiId=api, stageName="prod")
    assert plan_stages(rest.client, stale) == [(api, "prod")], \
        "LocalStack drops deleted stages from plans now: drop the stage-leaves-usage-plans completion"

    plan = c.create_usage_plan(name="bound", apiStages=[{"apiId": api, "stage": "dev"}])["id"]
    c.delete_stage(restApiId=api, stageName="dev")
    assert plan_stages(rest.client, plan) == []
    c.delete_usage_plan(usagePlanId=plan)
    assert [(x.op, x.emulated) for x in proxy.snapshot() if x.emulated] == \
        [("DeleteStage", "stage-leaves-usage-plans")]
    # A deletion that fails leaves the plans as they were.
    assert error_of(lambda: c.delete_stage(restApiId=api, stageName="nope"))[0] in (400, 404)
    assert rule_marks(proxy) == []


def test_rest_logging_needs_the_accounts_cloudwatch_role(region, account, rest, aws_proxy):
    """AWS refuses to turn on a REST stage's access or execution logging while the account has
    no CloudWatch role, 400 "CloudWatch Logs role ARN must be set in account settings to enable
    logging" (Miserlou/Zappa#1946); LocalStack starts every account with a role set and never
    checks. With the role unset (as a new AWS account has it) the proxy refuses."""
    proxy = aws_proxy(LOCALSTACK, "localstack")
    c = v1_client(proxy.url, region, account)
    assert rest.client.get_account().get("cloudwatchRoleArn"), "LocalStack's accounts start without a role now"
    rest.client.update_account(patchOperations=[{"op": "remove", "path": "/cloudwatchRoleArn"}])
    api = rest_api_with_stage(c, "dev")
    access_log = [{"op": "replace", "path": "/accessLogSettings/destinationArn",
                   "value": f"arn:aws:logs:{region}:{account}:log-group:rules"},
                  {"op": "replace", "path": "/accessLogSettings/format", "value": '{"id":"$context.requestId"}'}]
    rest.client.update_stage(restApiId=api, stageName="dev", patchOperations=access_log)  # LocalStack alone
    rest.client.update_stage(restApiId=api, stageName="dev", patchOperations=[
        {"op": "remove", "path": "/accessLogSettings"}])

    status, code, message = error_of(
        lambda: c.update_stage(restApiId=api, stageName="dev", patchOperations=access_log))
    assert (status, code, message) == (400, "BadRequestException",
                                       "CloudWatch Logs role ARN must be set in account settings to enable logging")
    loglevel = [{"op": "replace", "path": "/*/*/logging/loglevel", "value": "INFO"}]
    assert error_of(lambda: c.update_stage(restApiId=api, stageName="dev", patchOperations=loglevel))[:2] == \
        (400, "BadRequestException")
    # Throttles need no role.
    c.update_stage(restApiId=api, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "10"}])
    c.update_account(patchOperations=[{"op": "replace", "path": "/cloudwatchRoleArn",
                                       "value": f"arn:aws:iam::{account}:role/apigw-logs"}])
    c.update_stage(restApiId=api, stageName="dev", patchOperations=access_log)
    stage = rest.client.get_stage(restApiId=api, stageName="dev")
    assert stage["accessLogSettings"]["destinationArn"].endswith(":log-group:rules"), stage
    assert rule_marks(proxy) == [("UpdateStage", 400, "aws-rule:cloudwatch-role-missing")] * 2


def test_imported_sigv4_methods_are_aws_iam(region, account, rest, aws_proxy):
    """An OpenAPI operation secured by a scheme with `x-amazon-apigateway-authtype: awsSigv4` is
    AWS_IAM on AWS; LocalStack 4.13.1 imports it as NONE. An `api_key` scheme makes the method
    require a key in both."""
    proxy = aws_proxy(LOCALSTACK, "localstack")
    c = v1_client(proxy.url, region, account)
    mock = {"type": "mock", "requestTemplates": {"application/json": '{"statusCode": 200}'}}
    document = {"openapi": "3.0.1", "info": {"title": "rules", "version": "1"},
                "components": {"securitySchemes": {
                    "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header",
                              "x-amazon-apigateway-authtype": "awsSigv4"},
                    "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}}},
                "paths": {
                    "/iam": {"x-amazon-apigateway-any-method": {
                        "security": [{"sigv4": []}], "responses": {}, "x-amazon-apigateway-integration": mock}},
                    "/key": {"x-amazon-apigateway-any-method": {
                        "security": [{"api_key": []}], "responses": {}, "x-amazon-apigateway-integration": mock}},
                    "/open": {"get": {"responses": {}, "x-amazon-apigateway-integration": mock}}}}
    body = json.dumps(document).encode()

    def methods(api: str) -> dict[str, tuple[str, bool]]:
        return {f"{r['path']} {m}": (v.get("authorizationType"), v.get("apiKeyRequired"))
                for r in rest.client.get_resources(restApiId=api, embed=["methods"])["items"]
                for m, v in (r.get("resourceMethods") or {}).items()}

    direct = rest.client.create_rest_api(name="rules-direct")["id"]
    rest.client.put_rest_api(restApiId=direct, mode="overwrite", body=body)
    assert methods(direct)["/iam ANY"] == ("NONE", False), \
        "LocalStack imports awsSigv4 as AWS_IAM now: drop the imported-sigv4 completion"

    api = c.create_rest_api(name="rules-sigv4")["id"]
    c.put_rest_api(restApiId=api, mode="overwrite", body=body)
    assert methods(api) == {"/iam ANY": ("AWS_IAM", False), "/key ANY": ("NONE", True),
                            "/open GET": ("NONE", False)}, methods(api)
    assert [(x.op, x.emulated) for x in proxy.snapshot() if x.emulated] == [("PutRestApi", "imported-sigv4")]


def test_moto_lacks_and_the_proxy_answers_http_api_protection_calls(region, aws, aws_proxy):
    """moto 5.2.5 implements CreateAuthorizer and GetAuthorizer but not GetAuthorizers, and not
    UpdateStage, DeleteRouteSettings or DeleteAccessLogSettings: the proxy answers them from
    moto's state, as AWS would (UpdateStage merges default route settings field by field and
    route settings route by route)."""
    proxy = aws_proxy(ENDPOINT, "moto")
    c = v2_client(proxy.url, region)
    api = http_api(c)
    jwt = c.create_authorizer(ApiId=api, AuthorizerType="JWT", Name="jwt",
                              IdentitySource=["$request.header.Authorization"],
                              JwtConfiguration={"Issuer": "https://issuer.example", "Audience": ["app"]})
    log_arn = f"arn:aws:logs:{region}:123456789012:log-group:rules"
    c.create_stage(ApiId=api, StageName="$default", AutoDeploy=True,
                   DefaultRouteSettings={"ThrottlingRateLimit": 100, "ThrottlingBurstLimit": 200},
                   RouteSettings={"ANY /iris": {"ThrottlingRateLimit": 5, "ThrottlingBurstLimit": 10}},
                   AccessLogSettings={"DestinationArn": log_arn, "Format": "$context.requestId"})
    # moto alone.
    for call in (lambda: aws.apigw.get_authorizers(ApiId=api),
                 lambda: aws.apigw.update_stage(ApiId=api, StageName="$default", AutoDeploy=False),
                 lambda: aws.apigw.delete_route_settings(ApiId=api, StageName="$default", RouteKey="ANY /iris"),
                 lambda: aws.apigw.delete_access_log_settings(ApiId=api, StageName="$default")):
        assert error_of(call)[0] in (404, 500), "moto implements this now: drop its emulation"

    assert [a["AuthorizerId"] for a in c.get_authorizers(ApiId=api)["Items"]] == [jwt["AuthorizerId"]]
    c.update_stage(ApiId=api, StageName="$default", DefaultRouteSettings={"ThrottlingRateLimit": 50},
                   RouteSettings={"ANY /bert": {"ThrottlingRateLimit": 1, "ThrottlingBurstLimit": 2}})
    stage = aws.apigw.get_stage(ApiId=api, StageName="$default")
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == 50, stage
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 200, stage
    assert set(stage["RouteSettings"]) == {"ANY /iris", "ANY /bert"}, stage
    assert stage["AutoDeploy"] is True and stage["AccessLogSettings"]["DestinationArn"] == log_arn, stage
    c.delete_route_settings(ApiId=api, StageName="$default", RouteKey="ANY /iris")
    c.delete_access_log_settings(ApiId=api, StageName="$default")
    stage = aws.apigw.get_stage(ApiId=api, StageName="$default")
    assert set(stage["RouteSettings"]) == {"ANY /bert"} and "AccessLogSettings" not in stage, stage
    assert error_of(lambda: c.delete_route_settings(ApiId=api, StageName="$default", RouteKey="ANY /iris"))[0] == 404
    assert error_of(lambda: c.update_stage(ApiId=api, StageName="nope", AutoDeploy=True))[0] == 404
    c.delete_authorizer(ApiId=api, AuthorizerId=jwt["AuthorizerId"])
    assert c.get_authorizers(ApiId=api)["Items"] == []
    assert [x.op for x in proxy.snapshot() if x.emulated] == [
        "GetAuthorizers", "UpdateStage", "DeleteRouteSettings", "DeleteAccessLogSettings",
        "DeleteRouteSettings", "UpdateStage", "GetAuthorizers"]


def test_deleted_api_key_leaves_its_usage_plans(region, account, rest, aws_proxy):
    """A request with a deleted key's value is refused, 403, as on AWS. LocalStack 4.13.1 stops
    listing the deleted key in its plans but keeps it for requests, which it then answers 500;
    the proxy takes the key out of its plans before deleting it."""
    import urllib.error
    import urllib.request

    proxy = aws_proxy(LOCALSTACK, "localstack")
    c = v1_client(proxy.url, region, account)
    api, root = rest_api_with_root_method(c)
    c.update_method(restApiId=api, resourceId=root, httpMethod="ANY",
                    patchOperations=[{"op": "replace", "path": "/apiKeyRequired", "value": "true"}])
    c.put_integration(restApiId=api, resourceId=root, httpMethod="ANY", type="MOCK",
                      requestTemplates={"application/json": '{"statusCode": 200}'})
    c.put_method_response(restApiId=api, resourceId=root, httpMethod="ANY", statusCode="200")
    c.put_integration_response(restApiId=api, resourceId=root, httpMethod="ANY", statusCode="200",
                               responseTemplates={"application/json": "{}"})
    c.create_stage(restApiId=api, stageName="dev", deploymentId=c.create_deployment(restApiId=api)["id"])
    plan = c.create_usage_plan(name="keys", apiStages=[{"apiId": api, "stage": "dev"}])["id"]

    def status_with(value: str) -> int:
        req = urllib.request.Request(f"{LOCALSTACK}/_aws/execute-api/{api}/dev/", headers={"x-api-key": value})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status
        except urllib.error.HTTPError as e:
            return e.code

    values = {name: f"{name}-{uuid.uuid4().hex}" for name in ("direct", "proxied")}
    keys = {name: rest.client.create_api_key(name=name, enabled=True, value=value)["id"]
            for name, value in values.items()}
    for key in keys.values():
        rest.client.create_usage_plan_key(usagePlanId=plan, keyId=key, keyType="API_KEY")
    assert status_with(values["direct"]) == 200 == status_with(values["proxied"])
    rest.client.delete_api_key(apiKey=keys["direct"])
    assert status_with(values["direct"]) == 500, "LocalStack answers a deleted key 403 now: drop the rule"
    c.delete_api_key(apiKey=keys["proxied"])
    assert status_with(values["proxied"]) == 403
    assert rest.client.get_usage_plan_keys(usagePlanId=plan)["items"] == []
    assert [(x.op, x.emulated) for x in proxy.snapshot() if x.emulated] == \
        [("DeleteApiKey", "key-leaves-usage-plans")]


def test_routes_need_a_valid_authorizer_which_cannot_go_while_used(region, aws, aws_proxy):
    """AWS refuses a JWT route without an authorizer of its API, 400 "Invalid authorizer ID
    specified ..." (hashicorp/terraform-provider-aws#17497), and deleting an authorizer a route
    uses, 409 "Cannot delete authorizer '<name>', is referenced in route: ..."
    (anomalyco/sst#5586); moto accepts both."""
    proxy = aws_proxy(ENDPOINT, "moto")
    c = v2_client(proxy.url, region)
    api = http_api(c)
    lenient = aws.apigw.create_route(ApiId=api, RouteKey="ANY /direct", AuthorizationType="JWT", AuthorizerId="nope")
    assert lenient["AuthorizerId"] == "nope", "moto checks authorizers now: drop the authorizer-invalid rule"
    aws.apigw.delete_route(ApiId=api, RouteId=lenient["RouteId"])

    for kw in ({"AuthorizationType": "JWT"}, {"AuthorizationType": "JWT", "AuthorizerId": "nope"}):
        status, code, message = error_of(lambda: c.create_route(ApiId=api, RouteKey="ANY /iris", **kw))
        assert (status, code) == (400, "BadRequestException") and message.startswith("Invalid authorizer ID"), message
    jwt = c.create_authorizer(ApiId=api, AuthorizerType="JWT", Name="jwt", IdentitySource=["$request.header.Authorization"],
                              JwtConfiguration={"Issuer": "https://issuer.example", "Audience": ["app"]})["AuthorizerId"]
    route = c.create_route(ApiId=api, RouteKey="ANY /iris", AuthorizationType="JWT", AuthorizerId=jwt)["RouteId"]
    open_route = c.create_route(ApiId=api, RouteKey="ANY /open")["RouteId"]
    assert error_of(lambda: c.update_route(ApiId=api, RouteId=open_route, AuthorizationType="JWT"))[:2] == \
        (400, "BadRequestException")
    c.update_route(ApiId=api, RouteId=route, AuthorizationScopes=["iris/read"])  # keeps its authorizer

    status, code, message = error_of(lambda: c.delete_authorizer(ApiId=api, AuthorizerId=jwt))
    assert (status, code, message) == (409, "ConflictException",
                                       "Cannot delete authorizer 'jwt', is referenced in route: ANY /iris")
    # In AWS's order: the route off the authorizer, then the authorizer.
    c.update_route(ApiId=api, RouteId=route, AuthorizationType="NONE")
    c.delete_authorizer(ApiId=api, AuthorizerId=jwt)
    assert rule_marks(proxy) == [("CreateRoute", 400, "aws-rule:authorizer-invalid")] * 2 + [
        ("UpdateRoute", 400, "aws-rule:authorizer-invalid"), ("DeleteAuthorizer", 409, "aws-rule:authorizer-in-use")]


def test_moto_lacks_and_the_proxy_keeps_tags_on_an_http_api_domain_name(region, aws, aws_proxy):
    """moto 5.2.5 keeps a domain name's create-time tags but answers 404 to TagResource,
    UntagResource and GetTags on its ARN, which AWS accepts (`adopt` tags a domain made by hand):
    the proxy answers them, keeps the changes over moto's tags and shows them in GetDomainName(s);
    a domain name that does not exist is NotFound, and a deleted one's tags are forgotten."""
    from support.https import Acm, unique_domain

    proxy = aws_proxy(ENDPOINT, "moto")
    c = v2_client(proxy.url, region)
    name, _ = unique_domain("tags")
    cert = Acm(region).request_cert(name)
    config = [{"CertificateArn": cert, "EndpointType": "REGIONAL"}]
    c.create_domain_name(DomainName=name, DomainNameConfigurations=config, Tags={"made": "by-hand"})
    arn = f"arn:aws:apigateway:{region}::/domainnames/{name}"
    # moto alone.
    for call in (lambda: aws.apigw.tag_resource(ResourceArn=arn, Tags={"a": "b"}),
                 lambda: aws.apigw.get_tags(ResourceArn=arn),
                 lambda: aws.apigw.untag_resource(ResourceArn=arn, TagKeys=["made"])):
        assert error_of(call)[0] == 404, "moto tags domain names now: drop support/domain_tags.py"

    assert c.get_tags(ResourceArn=arn)["Tags"] == {"made": "by-hand"}
    c.tag_resource(ResourceArn=arn, Tags={"managed-by": "cortex-net", "made": "adopted"})
    c.untag_resource(ResourceArn=arn, TagKeys=["managed-by"])
    c.tag_resource(ResourceArn=arn, Tags={"cortex.dev/cluster-name": "prod"})
    wanted = {"made": "adopted", "cortex.dev/cluster-name": "prod"}
    assert c.get_tags(ResourceArn=arn)["Tags"] == wanted
    assert c.get_domain_name(DomainName=name)["Tags"] == wanted
    listed = {d["DomainName"]: d.get("Tags") for d in c.get_domain_names()["Items"]}
    assert listed[name] == wanted
    assert aws.apigw.get_domain_name(DomainName=name)["Tags"] == {"made": "by-hand"}, "moto unchanged"
    # An ARN of another resource kind is moto's to answer, a missing domain NotFound as on AWS.
    api_arn = f"arn:aws:apigateway:{region}::/apis/{http_api(c)}"
    c.tag_resource(ResourceArn=api_arn, Tags={"team": "ml"})
    assert aws.apigw.get_tags(ResourceArn=api_arn)["Tags"] == {"team": "ml"}
    missing = f"arn:aws:apigateway:{region}::/domainnames/missing-{name}"
    assert error_of(lambda: c.get_tags(ResourceArn=missing))[:2] == (404, "NotFoundException")
    assert error_of(lambda: c.tag_resource(ResourceArn=missing, Tags={"a": "b"}))[:2] == (404, "NotFoundException")
    c.delete_domain_name(DomainName=name)
    c.create_domain_name(DomainName=name, DomainNameConfigurations=config)
    assert c.get_domain_name(DomainName=name).get("Tags", {}) == {}, "a new domain of that name is untagged"
    c.delete_domain_name(DomainName=name)
    assert [x.emulated for x in proxy.snapshot() if x.emulated] == [
        "moto:GetTags", "moto:TagResource", "moto:UntagResource", "moto:TagResource", "moto:GetTags",
        "moto:domain-tags", "moto:domain-tags", "moto:GetTags", "moto:TagResource"]


def test_a_removed_rest_method_setting_goes_whole(region, account, rest, aws_proxy):
    """AWS removes one method's settings with UpdateStage `remove /~1iris/ANY` (the method then
    inherits `*/*`); LocalStack 4.13.1 refuses that path ("Invalid method setting path"), so the
    proxy makes the stage again without the entry (support/stage_rules.py). The stage keeps
    everything else: its deployment, tags, `*/*`, other methods' settings, access log, and its
    place in a usage plan; the request's other operations apply too."""
    proxy = aws_proxy(LOCALSTACK, "localstack")
    c = v1_client(proxy.url, region, account)
    api = rest_api_with_stage(c)
    dep = c.get_deployments(restApiId=api)["items"][0]["id"]
    c.create_stage(restApiId=api, stageName="dev", deploymentId=dep, tags={"team": "e2e"})
    throttles = [("*/*", "100", "200"), ("~1iris/ANY", "5", "10"), ("~1bert/ANY", "7", "14")]
    c.update_stage(restApiId=api, stageName="dev", patchOperations=[
        {"op": "replace", "path": f"/{key}/throttling/{field}", "value": value}
        for key, rate, burst in throttles for field, value in (("rateLimit", rate), ("burstLimit", burst))
    ] + [{"op": "replace", "path": "/accessLogSettings/destinationArn",
          "value": f"arn:aws:logs:{region}:{account}:log-group:e2e"},
         {"op": "replace", "path": "/accessLogSettings/format", "value": '{"id":"$context.requestId"}'}])
    plan = c.create_usage_plan(name="bound", apiStages=[{"apiId": api, "stage": "dev"}])["id"]
    remove_iris = [{"op": "remove", "path": "/~1iris/ANY"}]
    status, code, message = error_of(
        lambda: rest.client.update_stage(restApiId=api, stageName="dev", patchOperations=remove_iris))
    assert (status, code) == (400, "BadRequestException") and "Invalid method setting path" in message, \
        f"LocalStack removes a method setting itself now: drop support/stage_rules.py ({message})"

    answer = c.update_stage(restApiId=api, stageName="dev", patchOperations=remove_iris + [
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "50"}])
    stage = rest.client.get_stage(restApiId=api, stageName="dev")
    assert set(stage["methodSettings"]) == {"*/*", "~1bert/ANY"} == set(answer["methodSettings"]), stage
    ms = stage["methodSettings"]
    assert (ms["*/*"]["throttlingRateLimit"], ms["*/*"]["throttlingBurstLimit"]) == (50, 200), ms
    assert (ms["~1bert/ANY"]["throttlingRateLimit"], ms["~1bert/ANY"]["throttlingBurstLimit"]) == (7, 14), ms
    assert stage["deploymentId"] == dep and stage.get("tags") == {"team": "e2e"}, stage
    assert stage["accessLogSettings"]["destinationArn"].endswith(":log-group:e2e"), stage
    assert plan_stages(rest.client, plan) == [(api, "dev")]

    # LocalStack drops what follows `remove /*/*` in a patch; through the proxy it all applies.
    both = [{"op": "remove", "path": "/*/*"}, {"op": "replace", "path": "/description", "value": "after"}]
    rest.client.update_stage(restApiId=api, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/description", "value": "before"}])
    rest.client.update_stage(restApiId=api, stageName="dev", patchOperations=both)
    stage = rest.client.get_stage(restApiId=api, stageName="dev")
    assert set(stage["methodSettings"]) == {"~1bert/ANY"} and stage.get("description") == "before", \
        f"LocalStack applies a patch after `remove /*/*` now: narrow support/stage_rules.py ({stage})"
    c.update_stage(restApiId=api, stageName="dev", patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "100"}])
    c.update_stage(restApiId=api, stageName="dev", patchOperations=both)
    stage = rest.client.get_stage(restApiId=api, stageName="dev")
    assert set(stage["methodSettings"]) == {"~1bert/ANY"} and stage.get("description") == "after", stage
    assert plan_stages(rest.client, plan) == [(api, "dev")]

    # What the stage does not hold is refused, as AWS refuses it, and nothing changes.
    status, code, message = error_of(
        lambda: c.update_stage(restApiId=api, stageName="dev", patchOperations=remove_iris))
    assert (status, code) == (400, "BadRequestException"), message
    assert "Cannot remove method setting ~1iris/ANY" in message, message
    assert set(rest.client.get_stage(restApiId=api, stageName="dev")["methodSettings"]) == {"~1bert/ANY"}
    removal = ("UpdateStage", 200, "stage-method-setting-removed")
    assert [(x.op, x.status, x.emulated) for x in proxy.snapshot() if x.emulated] == \
        [removal, removal, ("UpdateStage", 400, "stage-method-setting-removed")]
