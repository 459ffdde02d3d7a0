"""The seven example configurations (examples/<name>/: Cortex's five common networking
configurations, and two protected gateways): `validate` accepts each offline, and each works end to end: the matching load
balancer seeded (scheme, listeners), the example copied with cluster_name/region rewritten,
`up`, `endpoints` (scheme, https vs http, via gateway or load balancer, the `curl -k` note),
`down`, read back.

Every AWS test is `shared_region`: it identifies its resources by its cluster's tags, the ids it
reads back and the calls its proxies recorded (nothing-created is asserted on the recorded write
calls, which also cover anything a region-wide listing could not attribute).
"""

from __future__ import annotations

import shutil

import pytest

import yaml

from conftest import ENDPOINT, LOCALSTACK, Aws, Rest, account_env, run_seed, unique_cluster
from support.awsproxy import Journal
from support.gateways import assert_decoys_intact, assert_owned, v2_links
from support.https import (EXAMPLE_NAMES, EXAMPLES, Acm, add_listener, copy_example,
                           listener_ports, write_calls)

# name -> (load balancer scheme, https on the load balancer (a 443 listener), gateway wanted)
SHAPES = {
    "public-https-api-gateway": ("internal", True, True),
    "private-https": ("internal", True, False),
    "private-http": ("internal", False, False),
    "public-https-no-gateway": ("internet-facing", True, False),
    "public-http": ("internet-facing", False, False),
    "public-rest-api-keys": ("internet-facing", False, True),
    "public-http-jwt": ("internal", False, True),
}
# The protected gateways, checked by test_protected_example_end_to_end.
PROTECTED = ("public-rest-api-keys", "public-http-jwt")
NETWORKING = [n for n in EXAMPLE_NAMES if n not in PROTECTED]


def test_every_example_is_listed():
    assert sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir()) == sorted(EXAMPLE_NAMES)
    assert set(SHAPES) == set(EXAMPLE_NAMES)
    index = (EXAMPLES / "README.md").read_text()
    for name in EXAMPLE_NAMES:
        assert f"[{name}]" in index, f"examples/README.md does not list {name}"
        for f in ("cluster.yaml", "cortex.yaml", "cortex-net.yaml", "README.md"):
            assert (EXAMPLES / name / f).is_file(), f"examples/{name}/{f} is missing"


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_validate_accepts_example(cli, tmp_path, name):
    """Offline: no AWS call is needed (the endpoint points nowhere)."""
    ws = tmp_path / name
    shutil.copytree(EXAMPLES / name, ws)
    r = cli("-a", "cortex.yaml", "-o", "json", "validate", cwd=ws,
            env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ENDPOINT_URL_API_GATEWAY": "http://127.0.0.1:9"}).ok()
    assert r.json["valid"] is True, r.describe()
    assert r.json["errors"] == [] and r.json["warnings"] == [], r.describe()


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_example_scheme_matches_its_name(name):
    scheme, https, gateway = SHAPES[name]
    cluster = yaml.safe_load((EXAMPLES / name / "cluster.yaml").read_text())
    apis = yaml.safe_load((EXAMPLES / name / "cortex.yaml").read_text())
    assert cluster["api_load_balancer_scheme"] == scheme
    assert "ssl_certificate_arn" not in cluster, "the certificate stays optional (commented out)"
    assert {a["networking"]["api_gateway"] for a in apis} == {"public" if gateway else "none"}
    if https and not gateway:
        assert "# ssl_certificate_arn:" in (EXAMPLES / name / "cluster.yaml").read_text()


def _run_example(cli, aws_proxy, tmp_path, region, account, name, *, certificate_arn=None,
                 tls_listener=False):
    """Seeds the example's load balancer, runs up / endpoints / up / down with proxies in front of
    both API Gateway emulators; returns (seeded, endpoints JSON, journal, aws)."""
    scheme, https, gateway = SHAPES[name]
    aws = Aws(region)
    seeded = run_seed(region, unique_cluster("ex"), scheme=scheme)
    if https:
        add_listener(aws, seeded, 443, "TLS" if tls_listener else "TCP",
                     certificate_arn if tls_listener else None)
    assert (443 in listener_ports(aws, seeded)) == https
    ws = copy_example(name, tmp_path / name, seeded["cluster"], region, ssl_certificate_arn=certificate_arn)

    journal = Journal()
    v2 = aws_proxy(ENDPOINT, name="moto", journal=journal)
    v1 = aws_proxy(LOCALSTACK, name="localstack", journal=journal)
    env = account_env(account, AWS_ENDPOINT_URL_APIGATEWAYV2=v2.url, AWS_ENDPOINT_URL_API_GATEWAY=v1.url)

    def run(*args):
        return cli("-a", "cortex.yaml", "-o", "json", *args, cwd=ws, env=env)

    up = run("up", "--yes").ok()
    if gateway:
        assert up.json["changes"], up.describe()
    else:
        assert up.json["changes"] == [], up.describe()
        assert write_calls(journal.snapshot()) == [], "no gateway is wanted, yet `up` wrote"
    endpoints = run("endpoints").ok()
    again = run("up", "--yes").ok()
    assert again.json["changes"] == [], f"second up not converged\n{again.describe()}"
    return seeded, endpoints.json, journal, aws, run


@pytest.mark.shared_region
@pytest.mark.parametrize("name", NETWORKING)
def test_example_end_to_end(cli, aws_proxy, tmp_path, region, account, moto_up, name):
    scheme, https, gateway = SHAPES[name]
    seeded, endpoints, journal, aws, run = _run_example(cli, aws_proxy, tmp_path, region, account, name)
    cluster = seeded["cluster"]
    dns = seeded["load_balancer"]["dns_name"]

    assert isinstance(endpoints, list) and endpoints, endpoints
    apis = yaml.safe_load((EXAMPLES / name / "cortex.yaml").read_text())
    assert sorted(e["api"] for e in endpoints) == sorted(a["name"] for a in apis), endpoints
    owned = aws.owned_apis(cluster)
    for e in endpoints:
        path = next(a["networking"]["endpoint"] for a in apis if a["name"] == e["api"])
        if gateway:
            assert len(owned) == 1, owned
            assert e["via"] == "api-gateway", e
            assert e["url"] == f"https://{owned[0]['ApiId']}.execute-api.{region}.amazonaws.com{path}", e
            assert not e.get("note"), f"no certificate caveat through API Gateway: {e}"
        else:
            assert e["via"] == "load-balancer", e
            assert e["url"] == f"{'https' if https else 'http'}://{dns}{path}", e
            if https:
                assert "curl -k" in (e.get("note") or ""), f"self-signed certificate note missing: {e}"
            else:
                assert not e.get("note"), e

    if gateway:
        # Internal load balancer: the HTTP API reaches it through an owned VPC link v2, and its
        # integrations target the port-80 listener (not the 443 one Cortex also has).
        links = v2_links(aws, cluster)
        assert len(links) == 1, links
        assert_owned(links[0].get("Tags"), cluster, "VPC link")
        api_id = owned[0]["ApiId"]
        for integ in aws.integrations(api_id):
            assert integ["ConnectionType"] == "VPC_LINK", integ
            assert integ["IntegrationUri"] == seeded["load_balancer"]["listener_arn"], integ
    else:
        assert owned == [], f"no gateway is wanted, yet cortex-net owns {owned}"
        assert v2_links(aws, cluster) == [], "no gateway is wanted, yet a VPC link exists"

    journal.clear()
    down = run("down", "--yes").ok()
    if gateway:
        assert {c["kind"] for c in down.json["changes"]} >= {"api", "vpc-link"}, down.describe()
    else:
        assert down.json["changes"] == [], down.describe()
        assert write_calls(journal.snapshot()) == [], "nothing was made, yet `down` wrote"
    assert aws.owned_apis(cluster) == []
    assert v2_links(aws, cluster) == []
    assert_decoys_intact(aws, seeded)


@pytest.mark.shared_region
@pytest.mark.parametrize("name", ["public-https-no-gateway", "private-https"])
def test_example_with_certificate_has_no_curl_k_note(cli, aws_proxy, tmp_path, region, account, moto_up, name):
    """The optional `ssl_certificate_arn` uncommented (an ISSUED certificate in the cluster's
    region, on a TLS listener): https, verified normally, so no `curl -k` note."""
    acm = Acm(region)
    arn = acm.import_cert(["*.example.com", "example.com"])
    seeded, endpoints, journal, aws, run = _run_example(cli, aws_proxy, tmp_path, region, account, name,
                                                        certificate_arn=arn, tls_listener=True)
    dns = seeded["load_balancer"]["dns_name"]
    for e in endpoints:
        assert e["via"] == "load-balancer", e
        assert e["url"].startswith(f"https://{dns}/"), e
        assert not e.get("note"), f"a custom certificate needs no `curl -k`: {e}"
    run("down", "--yes").ok()
    assert acm.describe(arn)["Status"] == "ISSUED", "the certificate must be left alone"


def _endpoint_protection(endpoints: list, api: str) -> dict:
    found = next(e for e in endpoints if e["api"] == api)
    assert found["via"] == "api-gateway", found
    return found["protection"]


@pytest.mark.shared_region
def test_protected_example_end_to_end_rest_api_keys(cli, aws_proxy, tmp_path, region, account, moto_up):
    """public-rest-api-keys: a REST API whose methods require a key, the keys and usage plans it
    names (tagged, bound to the stage), the per-API throttle in `endpoints`; `down` removes them."""
    name = "public-rest-api-keys"
    seeded, endpoints, journal, aws, run = _run_example(cli, aws_proxy, tmp_path, region, account, name)
    cluster = seeded["cluster"]
    rest = Rest(region, account)
    owned = rest.owned_rest_apis(cluster)
    assert len(owned) == 1, owned
    api_id = owned[0]["id"]
    iris = _endpoint_protection(endpoints, "iris-classifier")
    assert iris["auth"] == "api_key" and iris["api_key_required"] is True, iris
    assert iris["throttle"] == {"rate": 20, "burst": 40}, iris
    assert _endpoint_protection(endpoints, "text-generator")["throttle"] == {"rate": 100, "burst": 200}
    methods = rest.resources(api_id)["/iris-classifier"]["resourceMethods"]
    assert methods["ANY"]["apiKeyRequired"] is True, methods
    keys = {k["name"]: k for k in rest.client.get_api_keys(limit=500)["items"]
            if (k.get("tags") or {}).get("cortex.dev/cluster-name") == cluster}
    assert set(keys) == {"partner-a", "internal-batch"}, keys
    plans = {p["name"]: p for p in rest.client.get_usage_plans(limit=500)["items"]
             if (p.get("tags") or {}).get("cortex.dev/cluster-name") == cluster}
    assert set(plans) == {"partners", "internal"}, plans
    assert plans["partners"]["apiStages"] == [{"apiId": api_id, "stage": "dev"}], plans["partners"]
    assert plans["partners"]["quota"]["limit"] == 100000, plans["partners"]
    bound = rest.client.get_usage_plan_keys(usagePlanId=plans["partners"]["id"])["items"]
    assert [k["id"] for k in bound] == [keys["partner-a"]["id"]], bound
    listed = run("keys", "list").ok().json
    assert sorted(k["name"] for k in listed) == ["internal-batch", "partner-a"], listed
    assert all("value" not in k for k in listed), "keys list must never show a value"

    run("down", "--yes").ok()
    assert rest.owned_rest_apis(cluster) == []
    left = [k for k in rest.client.get_api_keys(limit=500)["items"]
            if (k.get("tags") or {}).get("cortex.dev/cluster-name") == cluster]
    assert left == [], left
    left = [p for p in rest.client.get_usage_plans(limit=500)["items"]
            if (p.get("tags") or {}).get("cortex.dev/cluster-name") == cluster]
    assert left == [], left
    assert_decoys_intact(aws, seeded)


@pytest.mark.shared_region
def test_protected_example_end_to_end_http_jwt(cli, aws_proxy, tmp_path, region, account, moto_up):
    """public-http-jwt: an HTTP API with its JWT authorizer on every route, the scope on one API,
    the stage throttle and the tighter per-API one; `down` removes it."""
    name = "public-http-jwt"
    seeded, endpoints, journal, aws, run = _run_example(cli, aws_proxy, tmp_path, region, account, name)
    cluster = seeded["cluster"]
    owned = aws.owned_apis(cluster)
    assert len(owned) == 1, owned
    api_id = owned[0]["ApiId"]
    generator = _endpoint_protection(endpoints, "text-generator")
    assert generator["auth"] == "jwt" and generator["api_key_required"] is False, generator
    assert generator["throttle"] == {"rate": 5, "burst": 10}, generator
    # moto does not implement GetAuthorizers (the listing): read the routes' authorizer by id.
    ids = {r.get("AuthorizerId") for r in aws.routes(api_id)}
    assert len(ids) == 1 and None not in ids, ids
    jwt = aws.apigw.get_authorizer(ApiId=api_id, AuthorizerId=ids.pop())
    assert jwt["AuthorizerType"] == "JWT", jwt
    assert jwt["JwtConfiguration"]["Issuer"] == "https://cognito-idp.us-west-2.amazonaws.com/us-west-2_EXAMPLE"
    for route in aws.routes(api_id):
        assert route.get("AuthorizationType") == "JWT", route
        assert route.get("AuthorizerId") == jwt["AuthorizerId"], route
        scopes = route.get("AuthorizationScopes") or []
        assert scopes == (["models/generate"] if "text-generator" in route["RouteKey"] else []), route
    (stage,) = aws.stages(api_id)
    assert stage["DefaultRouteSettings"]["ThrottlingRateLimit"] == 100, stage
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 200, stage
    assert stage["RouteSettings"]["ANY /text-generator"]["ThrottlingRateLimit"] == 5, stage

    run("down", "--yes").ok()
    assert aws.owned_apis(cluster) == []
    assert v2_links(aws, cluster) == []
    assert_decoys_intact(aws, seeded)
