"""Custom domains (`gateway.domain`): an HTTP API's domain name (apigatewayv2, moto) with an API
mapping, and a REGIONAL REST API's domain name (apigateway, LocalStack) with a base path
mapping. Read back: the domain name, its certificate and endpoint type, its tags (ownership plus
`cortex-net/gateway`), its one root mapping to our API and stage; `up -o json` names the DNS
record (and says so when the emulator leaves the target fields out); `endpoints` lists
https://<domain><endpoint>; a second `up` is empty; `down` removes the mapping, then the API,
then the domain name (the proxies' recorded order), and never a domain name cortex-net did not
create (decoys made with boto3: someone else's, one carrying only the cluster tag, one owned by
another cluster).
"""

from __future__ import annotations

import pytest

from conftest import ENDPOINT, LOCALSTACK, account_env, api_spec
from support.awsproxy import Journal
from support.gateways import first_index, last_index
from support.https import (Acm, owned_with_gateway, rest_decoy_domain, rest_domain, rest_domain_tags,
                           rest_mappings, unique_domain, v2_decoy_domain, v2_domain, v2_mappings,
                           write_calls)

pytestmark = pytest.mark.shared_region


def _decoy_tag_sets(cluster: str) -> list[dict]:
    return [
        {"owner": "someone-else"},
        {"cortex.dev/cluster-name": cluster},  # the cluster tag alone is not ownership
        {"cortex.dev/cluster-name": f"{cluster}-2", "managed-by": "cortex-net",
         "cortex-net/gateway": "http"},  # another cluster's
    ]


def _assert_dns_record(record: dict, domain: str, target: str | None) -> None:
    assert record["name"] == domain, record
    assert record["kind"] == "CNAME", f"a REGIONAL domain is a CNAME: {record}"
    if target is not None:
        assert record.get("target") == target, record
    if not record.get("target") or not record.get("hosted_zone_id"):
        note = record.get("note")
        assert isinstance(note, str) and note.strip(), \
            f"the emulator left target/hosted zone out: the record must say so in `note`: {record}"


def _assert_down_order(calls, mapping_op: str, api_op: str) -> None:
    ops = [c.op for c in calls if c.status < 400]
    m, a, d = last_index(ops, mapping_op), first_index(ops, api_op), first_index(ops, "DeleteDomainName")
    assert None not in (m, a, d), f"expected {mapping_op}, {api_op}, DeleteDomainName in {ops}"
    assert m < a < d, f"down must delete the mapping, then the API, then the domain name: {ops}"
    assert ops.count("DeleteDomainName") == 1, f"only our domain name may be deleted: {ops}"


def test_http_api_custom_domain(cli, seed, workspace, aws, region, account, aws_proxy):
    seeded = seed()
    cluster, dns = seeded["cluster"], seeded["load_balancer"]["dns_name"]
    domain, zone = unique_domain()
    arn = Acm(region).import_cert([f"*.{zone}"])
    decoys = {v2_decoy_domain(aws, arn, tags): tags for tags in _decoy_tag_sets(cluster)}

    ws = workspace(cluster, region)
    ws.write_settings({"gateway": {"type": "http", "domain": domain, "certificate_arn": arn}})
    ws.write_apis([api_spec("iris"), api_spec("slow", gateway="none")])
    journal = Journal()
    v2 = aws_proxy(ENDPOINT, name="moto", journal=journal)
    v1 = aws_proxy(LOCALSTACK, name="localstack", journal=journal)
    env = account_env(account, AWS_ENDPOINT_URL_APIGATEWAYV2=v2.url, AWS_ENDPOINT_URL_API_GATEWAY=v1.url)

    def run(*args):
        return cli("-a", ws.apis_file, "-o", "json", *args, cwd=ws.root, env=env)

    plan = run("plan").ok()
    assert {("create", "domain-name"), ("create", "api-mapping")} <= \
        {(c["action"], c["kind"]) for c in plan.json["changes"]}, plan.describe()

    up = run("up", "--yes").ok()
    [api] = aws.owned_apis(cluster)
    got = up.json["gateway"]["domain"]
    assert got["name"] == domain and got["url"] == f"https://{domain}", up.describe()
    _assert_dns_record(got["dns_record"], domain, None)

    found = v2_domain(aws, domain)
    assert found is not None, f"no domain name {domain} in apigatewayv2"
    [conf] = found["DomainNameConfigurations"]
    assert conf["EndpointType"] == "REGIONAL" and conf["CertificateArn"] == arn, found
    assert owned_with_gateway(found.get("Tags"), cluster, "http"), found.get("Tags")
    [mapping] = v2_mappings(aws, domain)
    assert mapping["ApiId"] == api["ApiId"] and mapping["Stage"] == "$default", mapping
    assert mapping.get("ApiMappingKey", "") == "", f"the stage is mapped at the root: {mapping}"

    eps = {e["api"]: e for e in run("endpoints").ok().json}
    assert eps["iris"]["url"] == f"https://{domain}/iris" and eps["iris"]["via"] == "api-gateway", eps
    assert eps["slow"]["url"] == f"http://{dns}/slow" and eps["slow"]["via"] == "load-balancer", eps

    journal.clear()
    again = run("up", "--yes").ok()
    assert again.json["changes"] == [], again.describe()
    assert write_calls(journal.snapshot()) == [], "a converged up wrote"

    journal.clear()
    run("down", "--yes").ok()
    _assert_down_order(journal.snapshot(), "DeleteApiMapping", "DeleteApi")
    assert v2_domain(aws, domain) is None and aws.owned_apis(cluster) == []
    for name, tags in decoys.items():
        kept = v2_domain(aws, name)
        assert kept is not None, f"decoy domain {name} ({tags}) was deleted"
        assert kept.get("Tags") == tags, f"decoy domain {name} was re-tagged: {kept.get('Tags')}"


def test_removing_the_domain_setting_removes_only_the_domain(cli, seed, workspace, aws, region, account):
    seeded = seed()
    cluster = seeded["cluster"]
    domain, zone = unique_domain()
    arn = Acm(region).import_cert([f"*.{zone}"])
    ws = workspace(cluster, region, ssl_certificate_arn=arn)
    ws.write_settings({"gateway": {"domain": domain}})
    env = account_env(account)
    cli("-o", "json", "up", "--yes", cwd=ws.root, env=env).ok()
    [api] = aws.owned_apis(cluster)
    assert v2_domain(aws, domain) is not None

    ws.write_settings({"gateway": {"type": "http"}})
    up = cli("-o", "json", "up", "--yes", cwd=ws.root, env=env).ok()
    assert {(c["action"], c["kind"]) for c in up.json["changes"]} == \
        {("delete", "domain-name"), ("delete", "api-mapping")}, up.describe()
    assert v2_domain(aws, domain) is None
    assert [a["ApiId"] for a in aws.owned_apis(cluster)] == [api["ApiId"]], "the API must stay"
    [ep] = cli("-o", "json", "endpoints", cwd=ws.root, env=env).ok().json
    assert ep["url"].startswith(f"https://{api['ApiId']}.execute-api.{region}.amazonaws.com"), ep
    cli("-o", "json", "down", "--yes", cwd=ws.root, env=env).ok()


def test_rest_api_regional_custom_domain(cli, seed, workspace, aws, rest, region, account, aws_proxy):
    seeded = seed()
    cluster = seeded["cluster"]
    domain, zone = unique_domain()
    arn = Acm(region).import_cert([f"*.{zone}"])
    decoys = {rest_decoy_domain(rest, arn, tags): tags for tags in _decoy_tag_sets(cluster)}

    # The domain's certificate falls back to cluster.yaml's ssl_certificate_arn.
    ws = workspace(cluster, region, ssl_certificate_arn=arn)
    ws.write_settings({"gateway": {"type": "rest", "endpoint_type": "regional", "domain": domain}})
    journal = Journal()
    v1 = aws_proxy(LOCALSTACK, name="localstack", journal=journal)
    v2 = aws_proxy(ENDPOINT, name="moto", journal=journal)
    env = account_env(account, AWS_ENDPOINT_URL_API_GATEWAY=v1.url, AWS_ENDPOINT_URL_APIGATEWAYV2=v2.url)

    def run(*args):
        return cli("-o", "json", *args, cwd=ws.root, env=env)

    up = run("up", "--yes").ok()
    [api] = rest.owned_rest_apis(cluster)
    found = rest_domain(rest, domain)
    assert found is not None, f"no domain name {domain} in apigateway\n{up.describe()}"
    assert found["endpointConfiguration"]["types"] == ["REGIONAL"], found
    assert found.get("regionalCertificateArn") == arn, found
    assert owned_with_gateway(rest_domain_tags(rest, domain), cluster, "rest"), rest_domain_tags(rest, domain)
    [mapping] = rest_mappings(rest, domain)
    assert mapping["restApiId"] == api["id"] and mapping["stage"] == "dev", mapping
    assert mapping.get("basePath") in ("(none)", "", None), f"the stage is mapped at the root: {mapping}"

    got = up.json["gateway"]["domain"]
    assert got["name"] == domain and got["url"] == f"https://{domain}", up.describe()
    _assert_dns_record(got["dns_record"], domain, found.get("regionalDomainName"))

    [ep] = run("endpoints").ok().json
    assert ep == {"api": None, "url": f"https://{domain}", "via": "api-gateway",
                  "protection": {"auth": "none", "throttle": None, "api_key_required": False}} or \
        (ep["url"] == f"https://{domain}" and ep["via"] == "api-gateway" and not ep.get("note")), ep

    journal.clear()
    again = run("up", "--yes").ok()
    assert again.json["changes"] == [], again.describe()
    assert write_calls(journal.snapshot()) == [], "a converged up wrote"

    journal.clear()
    run("down", "--yes").ok()
    _assert_down_order(journal.snapshot(), "DeleteBasePathMapping", "DeleteRestApi")
    assert rest_domain(rest, domain) is None and rest.owned_rest_apis(cluster) == []
    for name, tags in decoys.items():
        assert rest_domain(rest, name) is not None, f"decoy domain {name} ({tags}) was deleted"
        assert rest_domain_tags(rest, name) == tags, f"decoy domain {name} was re-tagged"
