"""`cortex-net iam-policy`: the IAM policy the configured features need, and nothing the CLI
does falls outside it.

For each configuration (HTTP internet-facing, HTTP internal through a VPC link v2, REST
internet-facing, REST internal through a VPC link v1, HTTP with a custom domain and its
certificate), the policy is printed offline (no AWS call: the endpoints point at a closed port
and no credentials are set), then plan, up, status, endpoints, doctor and down run through two
recording proxies (moto and LocalStack, one journal). Every recorded call is turned into the IAM
action and resource AWS would authorize (API Gateway: `apigateway:<HTTP method>` on
`arn:aws:apigateway:<region>::<path>`; Elastic Load Balancing and ACM: their operation, on the
certificate's ARN for ACM) and must be allowed by a statement of that policy, conditions
(`aws:RequestedRegion`) included.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ENDPOINT, LOCALSTACK, account_env, api_spec
from support.awsproxy import Journal
from support.iam import allowed, as_list, required
from support.https import Acm, free_port, unique_domain

pytestmark = pytest.mark.shared_region


# --------------------------------------------------------------------------------------------
# Running a configuration through the recording proxies
# --------------------------------------------------------------------------------------------

def print_policy(cli, ws, env: dict, tmp_path: Path) -> dict:
    """`iam-policy -o json`, offline: endpoints at a closed port, no credentials at all."""
    empty = tmp_path / "empty-aws-config"
    empty.write_text("")
    closed = f"http://127.0.0.1:{free_port()}"
    offline = {**env, "AWS_ENDPOINT_URL": closed, "AWS_ENDPOINT_URL_API_GATEWAY": closed,
               "AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_CONFIG_FILE": str(empty),
               "AWS_SHARED_CREDENTIALS_FILE": str(empty), "AWS_EC2_METADATA_DISABLED": "true"}
    r = cli("-a", ws.apis_file, "-o", "json", "iam-policy", cwd=ws.root, env=offline).ok()
    policy = r.json
    assert policy["Version"] == "2012-10-17", policy
    assert policy["Statement"] and all(s["Effect"] == "Allow" for s in policy["Statement"]), policy
    for st in policy["Statement"]:
        assert "*" not in as_list(st["Action"]) and not any(a.endswith(":*") for a in as_list(st["Action"])), st
        if any(a.startswith("apigateway:") for a in as_list(st["Action"])):
            assert all(r.startswith(f"arn:aws:apigateway:{ws.region}::/") for r in as_list(st["Resource"])), st
    return policy


def run_lifecycle(cli, ws, env: dict, aws_proxy) -> list:
    """plan, up, status, endpoints, doctor, down through recording proxies; the recorded calls."""
    journal = Journal()
    moto = aws_proxy(ENDPOINT, "moto", journal=journal)
    localstack = aws_proxy(LOCALSTACK, "localstack", journal=journal)
    env = {**env, "AWS_ENDPOINT_URL": moto.url, "AWS_ENDPOINT_URL_API_GATEWAY": localstack.url,
           "AWS_ENDPOINT_URL_APIGATEWAYV2": None}

    def run(*args):
        return cli("-a", ws.apis_file, "-o", "json", *args, cwd=ws.root, env=env)

    run("plan").ok()
    run("up", "--yes").ok()
    run("status").ok()
    run("endpoints").ok()
    # The request check of doctor goes to a closed port: its AWS calls are what counts here.
    doctor = run("doctor", "--url", f"http://127.0.0.1:{free_port()}/")
    assert doctor.code in (0, 1), doctor.describe()
    down = run("down", "--yes").ok()
    assert down.json["changes"], f"down removed nothing: the run proves little\n{down.describe()}"
    return journal.snapshot()


def assert_covered(policy: dict, calls: list, region: str) -> set[str]:
    assert calls, "no AWS call was recorded"
    missing = []
    for call in calls:
        action, resource = required(call, getattr(call, "region", None) or region)
        if not allowed(policy, action, resource, getattr(call, "region", None) or region):
            missing.append(f"{call.op}: {action} on {resource} ({call.method} {call.path})")
    assert not missing, "calls the printed policy does not allow:\n  " + "\n  ".join(missing) + \
        "\npolicy:\n" + json.dumps(policy, indent=2)
    return {c.op for c in calls}


def actions(policy: dict) -> set[str]:
    return {a for st in policy["Statement"] for a in as_list(st["Action"])}


# --------------------------------------------------------------------------------------------
# The configurations
# --------------------------------------------------------------------------------------------

def test_iam_policy_http_internet_facing(cli, seed, workspace, account, aws_proxy, tmp_path):
    seeded = seed(decoys=False)
    ws = workspace(seeded["cluster"], seeded["region"])
    ws.write_apis([api_spec("iris"), api_spec("fraud", endpoint="/v1/fraud")])
    env = account_env(account)
    policy = print_policy(cli, ws, env, tmp_path)
    assert not any(a.startswith(("ec2:", "iam:", "acm:", "cloudfront:")) for a in actions(policy)), policy
    assert not allowed(policy, "apigateway:POST", f"arn:aws:apigateway:{ws.region}::/restapis", ws.region)
    assert not allowed(policy, "apigateway:POST", f"arn:aws:apigateway:{ws.region}::/vpclinks", ws.region)
    assert not allowed(policy, "apigateway:GET", "arn:aws:apigateway:us-gov-east-1::/apis", ws.region)
    ops = assert_covered(policy, run_lifecycle(cli, ws, env, aws_proxy), ws.region)
    assert {"DescribeLoadBalancers", "CreateApi", "CreateRoute", "DeleteApi", "GetRestApis"} <= ops, ops


def test_iam_policy_http_internal_vpc_link_v2(cli, seed, workspace, account, aws_proxy, tmp_path):
    seeded = seed(scheme="internal", decoys=False)
    ws = workspace(seeded["cluster"], seeded["region"], api_load_balancer_scheme="internal")
    ws.write_apis([api_spec("iris")])
    env = account_env(account)
    policy = print_policy(cli, ws, env, tmp_path)
    assert {"iam:CreateServiceLinkedRole", "ec2:CreateNetworkInterface"} <= actions(policy), policy
    assert "ec2:CreateVpcEndpointServiceConfiguration" not in actions(policy), policy
    ops = assert_covered(policy, run_lifecycle(cli, ws, env, aws_proxy), ws.region)
    assert {"CreateVpcLink", "DeleteVpcLink"} <= ops, ops


def test_iam_policy_rest_internet_facing(cli, seed, workspace, account, aws_proxy, tmp_path):
    seeded = seed(decoys=False)
    ws = workspace(seeded["cluster"], seeded["region"])
    ws.write_settings({"gateway": {"type": "rest", "cors": True}})
    ws.write_apis([api_spec("iris"), api_spec("fraud", endpoint="/v1/fraud")])
    env = account_env(account)
    policy = print_policy(cli, ws, env, tmp_path)
    assert not allowed(policy, "apigateway:POST", f"arn:aws:apigateway:{ws.region}::/apis", ws.region)
    ops = assert_covered(policy, run_lifecycle(cli, ws, env, aws_proxy), ws.region)
    assert {"CreateRestApi", "PutRestApi", "CreateDeployment", "DeleteRestApi"} <= ops, ops


def test_iam_policy_rest_internal_vpc_link_v1(cli, seed, workspace, account, aws_proxy, tmp_path):
    seeded = seed(scheme="internal", decoys=False)
    ws = workspace(seeded["cluster"], seeded["region"], api_load_balancer_scheme="internal")
    ws.write_settings({"gateway": {"type": "rest"}})
    ws.write_apis([api_spec("iris")])
    env = account_env(account)
    policy = print_policy(cli, ws, env, tmp_path)
    assert "ec2:CreateVpcEndpointServiceConfiguration" in actions(policy), policy
    assert "iam:CreateServiceLinkedRole" not in actions(policy), policy
    ops = assert_covered(policy, run_lifecycle(cli, ws, env, aws_proxy), ws.region)
    assert {"CreateVpcLink", "DeleteVpcLink", "CreateRestApi"} <= ops, ops


def test_iam_policy_http_custom_domain_and_certificate(cli, seed, workspace, account, aws_proxy, tmp_path):
    seeded = seed(decoys=False)
    domain, zone = unique_domain()
    arn = Acm(seeded["region"]).import_cert([f"*.{zone}"])
    ws = workspace(seeded["cluster"], seeded["region"])
    ws.write_settings({"gateway": {"type": "http", "domain": domain, "certificate_arn": arn}})
    ws.write_apis([api_spec("iris")])
    env = account_env(account)
    policy = print_policy(cli, ws, env, tmp_path)
    assert allowed(policy, "acm:DescribeCertificate", arn, ws.region), policy
    assert not allowed(policy, "acm:DescribeCertificate", arn[:-4] + "abcd", ws.region), \
        "the certificate permission must name the configured certificate only"
    assert "cloudfront:UpdateDistribution" not in actions(policy), "a regional domain needs no CloudFront"
    ops = assert_covered(policy, run_lifecycle(cli, ws, env, aws_proxy), ws.region)
    assert {"DescribeCertificate", "CreateDomainName", "CreateApiMapping", "DeleteDomainName"} <= ops, ops


# --------------------------------------------------------------------------------------------
# Offline behaviour and options
# --------------------------------------------------------------------------------------------

def test_iam_policy_options_and_partitions(cli, workspace, tmp_path):
    ws = workspace("policy", "cn-north-1", api_load_balancer_scheme="internal")
    r = cli("-o", "json", "iam-policy", "--account-id", "123456789012", "--cert-import", cwd=ws.root).ok()
    text = json.dumps(r.json)
    assert "arn:aws-cn:apigateway:cn-north-1::/apis" in text, text
    assert "arn:aws-cn:iam::123456789012:role/aws-service-role/ops.apigateway.amazonaws.com/" \
           "AWSServiceRoleForAPIGateway" in text, text
    assert "arn:aws-cn:acm:cn-north-1:123456789012:certificate/*" in text, text
    assert "arn:aws:" not in text, text
    bad = cli("iam-policy", "--account-id", "12345", cwd=ws.root).fails(2)
    assert "12 digits" in bad.stderr, bad.describe()


def test_iam_policy_rest_edge_domain_needs_cloudfront(cli, workspace):
    ws = workspace("edge", "eu-west-1")
    cert = "arn:aws:acm:us-east-1:123456789012:certificate/edge"
    ws.write_settings({"gateway": {"type": "rest", "endpoint_type": "edge", "domain": "api.example.com",
                                   "certificate_arn": cert}})
    r = cli("-o", "json", "iam-policy", cwd=ws.root).ok()
    assert "cloudfront:UpdateDistribution" in actions(r.json), r.json
    assert allowed(r.json, "acm:DescribeCertificate", cert, "eu-west-1"), r.json
    assert "gateway.certificate_arn" not in r.stderr, f"an edge domain's certificate belongs in us-east-1\n{r.describe()}"
