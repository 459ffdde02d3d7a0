"""`cortex-net adopt`: the four setups of Cortex's guide, made by hand with boto3 the way the
console makes them (HTTP/REST x internet-facing/internal), are listed, adopted (tags only: the
API's and the VPC link's names and ids, so the invoke URL, stay), converged by `up` without
replacing the API, and removed by `down`. And the refusals: another cluster's API, one in front of
another load balancer, a CloudFormation stack's, an id that does not exist.

HTTP APIs live in moto, REST APIs in LocalStack (an account of its own per test)."""

from __future__ import annotations

import os

import boto3
import pytest

from conftest import MOTO_PROXY, account_env, api_spec, assert_allowed_by_iam_policy, invoke
from support.awsproxy import listening
from support.gateways import is_owned, run_json
from support.hosts import map_host
from support.https import (Acm, owned_with_gateway, rest_domain, rest_domain_tags, rest_mappings, unique_domain,
                           v2_domain, v2_mappings)

# Resources are told apart by their cluster's unique names and tags, and the load balancer each
# cluster has of its own: a region shared with other such tests is enough.
pytestmark = pytest.mark.shared_region


# -- The guide's setups, as the console makes them ---------------------------------------------

def http_by_hand(aws, seeded: dict, *, uri: str | None = None, tags: dict | None = None,
                 link: bool = False) -> dict:
    """CreateApi, an HTTP_PROXY integration ANY to the load balancer (through a new VPC link v2
    when `link`), the route `ANY /{proxy+}` and the `$default` stage with auto-deploy."""
    lb = seeded["load_balancer"]
    api = aws.apigw.create_api(Name="cortex-by-hand", ProtocolType="HTTP", **({"Tags": tags} if tags else {}))
    integration = dict(IntegrationType="HTTP_PROXY", IntegrationMethod="ANY", PayloadFormatVersion="1.0")
    link_id = None
    if link:
        described = aws.elbv2.describe_load_balancers(LoadBalancerArns=[lb["arn"]])["LoadBalancers"][0]
        link_id = aws.apigw.create_vpc_link(
            Name="by-hand-link", SubnetIds=[z["SubnetId"] for z in described["AvailabilityZones"]],
            SecurityGroupIds=described.get("SecurityGroups", []))["VpcLinkId"]
        integration.update(ConnectionType="VPC_LINK", ConnectionId=link_id, IntegrationUri=lb["listener_arn"])
    else:
        integration["IntegrationUri"] = uri or f"http://{lb['dns_name']}/{{proxy}}"
    integ = aws.apigw.create_integration(ApiId=api["ApiId"], **integration)
    aws.apigw.create_route(ApiId=api["ApiId"], RouteKey="ANY /{proxy+}",
                           Target=f"integrations/{integ['IntegrationId']}")
    aws.apigw.create_stage(ApiId=api["ApiId"], StageName="$default", AutoDeploy=True)
    return {"id": api["ApiId"], "endpoint": api["ApiEndpoint"], "link_id": link_id}


def rest_by_hand(rest, seeded: dict, *, link: bool = False) -> dict:
    """CreateRestApi, a `{proxy+}` resource with ANY and an HTTP_PROXY integration to
    http://<LB DNS>/{proxy} (through a new VPC link v1 to the NLB when `link`), a deployment and
    the stage `dev`."""
    lb = seeded["load_balancer"]
    port = "" if lb["port"] == 80 else f":{lb['port']}"
    client = rest.client
    api = client.create_rest_api(name="cortex-by-hand", endpointConfiguration={"types": ["REGIONAL"]})
    root = next(r for r in client.get_resources(restApiId=api["id"])["items"] if r["path"] == "/")
    proxy = client.create_resource(restApiId=api["id"], parentId=root["id"], pathPart="{proxy+}")
    client.put_method(restApiId=api["id"], resourceId=proxy["id"], httpMethod="ANY",
                      authorizationType="NONE", requestParameters={"method.request.path.proxy": True})
    integration = dict(type="HTTP_PROXY", integrationHttpMethod="ANY",
                       uri=f"http://{lb['dns_name']}{port}/{{proxy}}",
                       requestParameters={"integration.request.path.proxy": "method.request.path.proxy"})
    link_id = None
    if link:
        link_id = client.create_vpc_link(name="by-hand-link", targetArns=[lb["arn"]])["id"]
        integration.update(connectionType="VPC_LINK", connectionId=link_id)
    client.put_integration(restApiId=api["id"], resourceId=proxy["id"], httpMethod="ANY", **integration)
    client.create_deployment(restApiId=api["id"], stageName="dev")
    return {"id": api["id"], "link_id": link_id}


# -- Steps -------------------------------------------------------------------------------------

def run_adopt(cli, ws, *extra: str, env: dict | None = None):
    """`cortex-net -o json adopt ...`, its AWS calls held to the policy `iam-policy` prints for
    the same configuration, as the suite holds the other commands (conftest's POLICY_CHECKED
    passes a command's options to `iam-policy`, which has none of adopt's)."""
    with listening() as calls:
        result = run_json(cli, ws, "adopt", *extra, env=env, apis=True)
    if calls:
        full_env = {**os.environ, **{k: v for k, v in (env or {}).items() if v is not None}}
        args = ("-a", str(ws.apis_file), "-o", "json", "adopt")
        assert_allowed_by_iam_policy(args, 4, ws.root, full_env, calls)
    return result


def listed(cli, ws, env=None) -> dict:
    """The candidates `adopt` lists, by id (no --yes needed: listing writes nothing)."""
    r = run_adopt(cli, ws, env=env).ok()
    return {c["id"]: c for c in r.json["candidates"]}


def changes(plan: dict) -> set[tuple[str, str, str]]:
    return {(c["action"], c["kind"], c["name"]) for c in plan["changes"]}


def adopt_converge_down(cli, ws, api_id: str, *, env=None, read_tags, read_api_ids, read_names,
                        served=None):
    """adopt --yes (`plan` then shows what adopt said `up` would do: the per-API routes of
    cortex.yaml instead of the guide's catch-all), `up` keeps the API (its id), `down` removes
    what is owned. `read_names()` gives the API's and its VPC link's names, which adopting
    leaves as they were. `served()` asserts that the invoke URL serves, before and after."""
    if served:
        served()
    names = read_names()
    r = run_adopt(cli, ws, "--api-id", api_id, "--yes", env=env).ok()
    assert read_names() == names, f"adopting renamed {names} to {read_names()}"
    assert all(set(c) == {"part", "label", "id", "name", "tags"} for c in r.json["claims"]), r.json
    assert r.json["adopted"] is True, r.json
    parts = {c["part"] for c in r.json["claims"]}
    assert "api" in parts, r.json
    promised = changes(r.json["plan_after"])
    assert not {c for c in promised if c[1] == "api" and c[0] in ("create", "delete")}, \
        f"the plan after adoption would replace the API:\n{r.describe()}"
    tags = read_tags()
    assert is_owned(tags, ws.cluster), tags
    assert not {c for c in promised if c[1] == "vpc-link"}, \
        f"the plan after adoption would change the VPC link:\n{r.describe()}"
    plan = run_json(cli, ws, "plan", env=env, apis=True).ok()
    assert changes(plan.json) == promised, f"adopt promised {promised}\n{plan.describe()}"
    # Adopting again is a no-op.
    again = run_adopt(cli, ws, "--api-id", api_id, "--yes", env=env).ok()
    assert again.json["claims"] == [], again.describe()
    assert listed(cli, ws, env=env)[api_id]["status"] == "adopted"

    up = run_json(cli, ws, "up", "--yes", env=env, apis=True).ok()
    assert not any(c["kind"] == "api" and c["action"] in ("create", "delete") for c in up.json["changes"]), \
        up.describe()
    assert api_id in read_api_ids(), "the adopted API is gone after `up`"
    status = run_json(cli, ws, "status", env=env, apis=True).ok()
    assert api_id in status.stdout, status.describe()
    if served:
        served()

    run_json(cli, ws, "down", "--yes", env=env, apis=True).ok()
    assert api_id not in read_api_ids(), "`down` left the adopted API"
    return r.json


# -- HTTP APIs (moto) --------------------------------------------------------------------------

@pytest.mark.parametrize("scheme", ["internet-facing", "internal"])
def test_adopt_http_api_made_by_hand(cli, aws, seed, workspace, scheme):
    seeded = seed(scheme=scheme, decoys=False)
    ws = workspace(seeded["cluster"], seeded["region"], api_load_balancer_scheme=scheme)
    ws.write_apis([api_spec("iris")])
    made = http_by_hand(aws, seeded, link=scheme == "internal")

    candidates = listed(cli, ws)
    assert made["id"] in candidates, candidates
    found = candidates[made["id"]]
    assert found["status"] == "adoptable" and found["type"] == "http", found
    assert found["invoke_urls"] == [made["endpoint"]], found
    if made["link_id"]:
        assert [l["id"] for l in found["vpc_links"]] == [made["link_id"]], found

    def names():
        link = made["link_id"] and aws.apigw.get_vpc_link(VpcLinkId=made["link_id"])["Name"]
        return aws.api(made["id"])["Name"], link

    assert names() == ("cortex-by-hand", "by-hand-link" if made["link_id"] else None)
    adoption = adopt_converge_down(
        cli, ws, made["id"],
        read_tags=lambda: aws.api_tags(made["id"]),
        read_api_ids=aws.api_ids, read_names=names)
    assert adoption["invoke_url"] == made["endpoint"], adoption
    promised = changes(adoption["plan_after"])
    assert {("create", "route", "ANY /iris"), ("create", "route", "ANY /iris/{proxy+}"),
            ("delete", "route", "ANY /{proxy+}")} <= promised, promised
    if made["link_id"]:
        parts = {c["part"]: c for c in adoption["claims"]}
        assert parts["vpc-link"]["id"] == made["link_id"], adoption
        assert parts["vpc-link"]["tags"].get("cortex-net/gateway") == "http", adoption
        links = {l["VpcLinkId"] for l in aws.apigw.get_vpc_links().get("Items", [])}
        assert made["link_id"] not in links, "`down` left the adopted VPC link"


def test_adopt_http_api_with_its_custom_domain(cli, aws, seed, workspace, region):
    """The guide's custom domain for an HTTP API (a REGIONAL domain name, its certificate from
    ACM, the `$default` stage mapped at the root), made by hand in moto, is adopted with the API
    when named; `up` keeps the domain and its mapping (not replaced), `down` removes them. moto
    cannot tag a domain name after its creation: the proxy keeps the tags as AWS does
    (support/domain_tags.py), so they are read back through it."""
    seeded = seed(decoys=False)
    domain, zone = unique_domain()
    certificate = Acm(region).import_cert([f"*.{zone}"])
    ws = workspace(seeded["cluster"], seeded["region"])
    ws.write_settings({"gateway": {"type": "http", "domain": domain, "certificate_arn": certificate}})
    ws.write_apis([api_spec("iris")])
    made = http_by_hand(aws, seeded)
    aws.apigw.create_domain_name(
        DomainName=domain, DomainNameConfigurations=[{"CertificateArn": certificate, "EndpointType": "REGIONAL"}])
    mapping = aws.apigw.create_api_mapping(DomainName=domain, ApiId=made["id"], Stage="$default")
    through_proxy = boto3.client("apigatewayv2", endpoint_url=MOTO_PROXY, region_name=region)

    def domain_tags() -> dict:
        return through_proxy.get_domain_name(DomainName=domain).get("Tags", {})

    text = cli("-a", ws.apis_file, "adopt", cwd=ws.root).ok()
    assert f"cortex-net adopt --api-id {made['id']} --domain {domain}" in text.stdout, text.describe()

    r = run_adopt(cli, ws, "--api-id", made["id"], "--domain", domain, "--yes").ok()
    claimed = {c["part"]: c for c in r.json["claims"]}
    assert claimed["domain-name"]["id"] == domain, r.json
    assert owned_with_gateway(domain_tags(), ws.cluster, "http"), domain_tags()
    touching_domain = {("create", "domain-name"), ("delete", "domain-name"), ("replace", "domain-name"),
                       ("create", "api-mapping"), ("delete", "api-mapping"), ("replace", "api-mapping")}
    assert not touching_domain & {(c["action"], c["kind"]) for c in r.json["plan_after"]["changes"]}, \
        r.describe()

    up = run_json(cli, ws, "up", "--yes", apis=True).ok()
    assert not touching_domain & {(c["action"], c["kind"]) for c in up.json["changes"]}, up.describe()
    assert up.json["gateway"]["id"] == made["id"] and up.json["gateway"]["domain"]["name"] == domain, \
        up.describe()
    [kept] = v2_mappings(aws, domain)
    assert (kept["ApiMappingId"], kept["ApiId"]) == (mapping["ApiMappingId"], made["id"]), kept
    run_json(cli, ws, "down", "--yes", apis=True).ok()
    assert v2_domain(aws, domain) is None, "`down` left the adopted domain name"
    assert made["id"] not in aws.api_ids(), "`down` left the adopted API"


def test_adopt_refuses_what_is_not_this_clusters_to_take(cli, aws, seed, workspace):
    seeded = seed(decoys=False)
    ws = workspace(seeded["cluster"], seeded["region"])
    ws.write_apis([api_spec("iris")])
    other_cluster = http_by_hand(aws, seeded, tags={"cortex.dev/cluster-name": "another-cluster",
                                                   "managed-by": "cortex-net"})
    stack = http_by_hand(aws, seeded, tags={"aws:cloudformation:stack-name": "gateway-stack"})
    elsewhere = http_by_hand(aws, seeded, uri="http://another-lb-1234.elb.amazonaws.com/{proxy}")

    candidates = listed(cli, ws)
    assert elsewhere["id"] not in candidates, "an API in front of another load balancer is listed"
    for made, says in [(other_cluster, "another-cluster"), (stack, "gateway-stack")]:
        assert candidates[made["id"]]["status"] == "refused", candidates
        assert says in candidates[made["id"]]["reason"], candidates

    for made, says in [(other_cluster, "cluster `another-cluster`"),
                       (stack, "CloudFormation stack `gateway-stack`"),
                       (elsewhere, "another-lb-1234.elb.amazonaws.com")]:
        before = aws.api_tags(made["id"])
        r = run_adopt(cli, ws, "--api-id", made["id"], "--yes")
        r.fails(1)
        assert "refusing to adopt" in r.stderr and says in r.stderr, r.describe()
        assert aws.api_tags(made["id"]) == before, "a refused adoption wrote tags"
        assert aws.api(made["id"])["Name"] == "cortex-by-hand", "a refused adoption renamed the API"

    missing = run_adopt(cli, ws, "--api-id", "nosuchapi", "--yes")
    missing.fails(2)
    assert "cortex-net adopt" in missing.stderr, missing.describe()
    # An HTTP API while the configuration asks for a REST gateway: `up` would replace it.
    ours = http_by_hand(aws, seeded)
    ws.write_settings({"gateway": {"type": "rest"}})
    kind = run_adopt(cli, ws, "--api-id", ours["id"], "--yes")
    kind.fails(2)
    assert "gateway.type: http" in kind.stderr, kind.describe()
    assert not is_owned(aws.api_tags(ours["id"]), ws.cluster)
    # Without a terminal, adopting needs --yes (listing does not).
    unconfirmed = cli("adopt", "--api-id", other_cluster["id"], cwd=ws.root)
    unconfirmed.fails(2)
    assert "--yes" in unconfirmed.stderr, unconfirmed.describe()


# -- REST APIs (LocalStack) --------------------------------------------------------------------

@pytest.mark.parametrize("scheme", ["internet-facing", "internal"])
def test_adopt_rest_api_made_by_hand(cli, rest, account, seed, workspace, backend, scheme):
    seeded = seed(scheme=scheme, decoys=False, port=backend.port)
    map_host(seeded["load_balancer"]["dns_name"])
    ws = workspace(seeded["cluster"], seeded["region"], api_load_balancer_scheme=scheme)
    ws.write_settings({"gateway": {"type": "rest"}})
    ws.write_apis([api_spec("iris")])
    env = account_env(account)
    made = rest_by_hand(rest, seeded, link=scheme == "internal")
    url = f"https://{made['id']}.execute-api.{seeded['region']}.amazonaws.com/dev"

    candidates = listed(cli, ws, env=env)
    assert made["id"] in candidates, candidates
    found = candidates[made["id"]]
    assert found["status"] == "adoptable" and found["type"] == "rest", found
    assert found["invoke_urls"] == [url], found

    def tags():
        return rest.client.get_tags(
            resourceArn=f"arn:aws:apigateway:{seeded['region']}::/restapis/{made['id']}").get("tags", {})

    def served():
        before = len(backend.received("GET", "/iris/predict"))
        status, _, body = invoke(made["id"], "dev", "/iris/predict")
        assert status == 200, (status, body)
        assert len(backend.received("GET", "/iris/predict")) == before + 1, \
            [vars(r) for r in backend.requests]

    def names():
        link = made["link_id"] and rest.client.get_vpc_link(vpcLinkId=made["link_id"])["name"]
        return rest.client.get_rest_api(restApiId=made["id"])["name"], link

    assert names() == ("cortex-by-hand", "by-hand-link" if made["link_id"] else None)
    adoption = adopt_converge_down(
        cli, ws, made["id"], env=env, read_tags=tags,
        read_api_ids=lambda: {a["id"] for a in rest.rest_apis()}, read_names=names, served=served)
    assert adoption["invoke_url"] == url, adoption
    if made["link_id"]:
        parts = {c["part"]: c for c in adoption["claims"]}
        assert parts["vpc-link"]["id"] == made["link_id"], adoption
        assert made["link_id"] not in {l["id"] for l in rest.vpc_links()}, "`down` left the adopted VPC link"


def test_adopt_rest_api_with_its_custom_domain(cli, aws, rest, account, seed, workspace, region):
    """The guide's custom domain (a REGIONAL domain name with a root base path mapping to the
    stage) is adopted with the API when named; `up` keeps it and its mapping, `down` removes
    them."""
    seeded = seed(decoys=False)
    domain, zone = unique_domain()
    certificate = Acm(region).import_cert([f"*.{zone}"])
    ws = workspace(seeded["cluster"], seeded["region"])
    ws.write_settings({"gateway": {"type": "rest", "endpoint_type": "regional", "domain": domain,
                                   "certificate_arn": certificate}})
    ws.write_apis([api_spec("iris")])
    env = account_env(account)
    made = rest_by_hand(rest, seeded)
    rest.client.create_domain_name(domainName=domain, regionalCertificateArn=certificate,
                                   endpointConfiguration={"types": ["REGIONAL"]})
    rest.client.create_base_path_mapping(domainName=domain, restApiId=made["id"], stage="dev")

    text = cli("-a", ws.apis_file, "adopt", cwd=ws.root, env=env).ok()
    assert f"cortex-net adopt --api-id {made['id']} --domain {domain}" in text.stdout, text.describe()

    r = run_adopt(cli, ws, "--api-id", made["id"], "--domain", domain, "--yes", env=env).ok()
    claimed = {c["part"]: c for c in r.json["claims"]}
    assert claimed["domain-name"]["id"] == domain, r.json
    assert owned_with_gateway(rest_domain_tags(rest, domain), ws.cluster, "rest"), rest_domain_tags(rest, domain)
    assert not {("create", "domain-name"), ("create", "api-mapping"), ("delete", "api-mapping")} & \
        {(c["action"], c["kind"]) for c in r.json["plan_after"]["changes"]}, r.describe()

    run_json(cli, ws, "up", "--yes", env=env, apis=True).ok()
    assert [m["restApiId"] for m in rest_mappings(rest, domain)] == [made["id"]]
    run_json(cli, ws, "down", "--yes", env=env, apis=True).ok()
    assert rest_domain(rest, domain) is None, "`down` left the adopted domain name"
    assert made["id"] not in {a["id"] for a in rest.rest_apis()}
