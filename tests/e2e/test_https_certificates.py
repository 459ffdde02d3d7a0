"""Certificate checks in ACM before `plan`/`up` change anything: one case per failure (not
found, PENDING_VALIDATION with its DNS records, expired, not covering the domain, wrong region
for the load balancer, an EDGE REST domain and a REGIONAL one), the expiring-soon warning, and
the happy path.

Every failure: exit 2, the message, and nothing created (read back: no owned API, VPC link or
domain name; the proxies in front of both API Gateway emulators recorded no write call).
Certificates are imported into moto's ACM from PEMs made with `cryptography` (moto refuses an
already expired one, so the expired case imports one valid for a few seconds and polls until
ACM reports EXPIRED). PENDING_VALIDATION comes from `AcmProxy` rewriting DescribeCertificate of
a requested certificate, since moto issues requested certificates after
MOTO_ACM_VALIDATION_WAIT seconds.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from conftest import ENDPOINT, LOCALSTACK, SHARED_REGIONS, Rest, account_env, run_cli
from support.awsproxy import Journal
from support.gateways import v1_links, v2_links
from support.https import (Acm, AcmProxy, missing_certificate_arn, rest_domain, unique_domain,
                           utcnow, v2_domain, write_calls)

pytestmark = pytest.mark.shared_region


@pytest.fixture
def acm_proxy():
    proxy = AcmProxy(ENDPOINT)
    yield proxy
    proxy.stop()


@pytest.fixture
def setup(seed, workspace, aws, region, account, aws_proxy, acm_proxy):
    """setup(cluster_yaml=..., settings=...) -> namespace(ws, seeded, run, journal, ...): a seeded
    internet-facing cluster, its workspace, and a `run(*args)` that sends every API Gateway call
    through recording proxies and every ACM call through `acm_proxy`."""

    def _setup(settings: dict | None = None, **cluster_extra):
        seeded = seed()
        ws = workspace(seeded["cluster"], region, **cluster_extra)
        if settings:
            ws.write_settings(settings)
        journal = Journal()
        v2 = aws_proxy(ENDPOINT, name="moto", journal=journal)
        v1 = aws_proxy(LOCALSTACK, name="localstack", journal=journal)
        env = account_env(account, AWS_ENDPOINT_URL_APIGATEWAYV2=v2.url,
                          AWS_ENDPOINT_URL_API_GATEWAY=v1.url, AWS_ENDPOINT_URL_ACM=acm_proxy.url)

        def run(*args, output_json=True):
            out = ("-o", "json") if output_json else ()
            return run_cli(*out, *args, cwd=ws.root, env=env)

        return SimpleNamespace(seeded=seeded, ws=ws, run=run, journal=journal, cluster=seeded["cluster"],
                               rest=Rest(region, account))

    return _setup


def assert_refused(s, aws, message_parts: list[str], domain: str | None = None) -> str:
    """`plan` and `up --yes` both exit 2 naming every part; nothing is created. Returns stderr."""
    plan = s.run("plan").fails(2)
    up = s.run("up", "--yes").fails(2)
    for r in (plan, up):
        for part in message_parts:
            assert part in r.stderr, f"{part!r} not in the message\n{r.describe()}"
        assert "PRIVATE KEY" not in r.stdout + r.stderr
    assert write_calls(s.journal.snapshot()) == [], "a failed certificate check must come before any change"
    assert aws.owned_apis(s.cluster) == []
    assert s.rest.owned_rest_apis(s.cluster) == []
    assert v2_links(aws, s.cluster) == [] and v1_links(s.rest, s.cluster) == []
    if domain:
        assert v2_domain(aws, domain) is None, f"custom domain {domain} created in apigatewayv2"
        assert rest_domain(s.rest, domain) is None, f"custom domain {domain} created in apigateway"
    return up.stderr


def other_region(region: str) -> str:
    return next(r for r in SHARED_REGIONS if r != region)


# ---------------------------------------------------------------------------
# Not found
# ---------------------------------------------------------------------------

def test_missing_ssl_certificate_arn_uses_cortex_wording(setup, aws, region):
    arn = missing_certificate_arn(region)
    s = setup(ssl_certificate_arn=arn)
    assert_refused(s, aws, [f"unable to find the specified ssl certificate in {region}: {arn}"])


def test_missing_domain_certificate_uses_cortex_wording(setup, aws, region):
    arn = missing_certificate_arn(region)
    domain, _ = unique_domain()
    s = setup(settings={"gateway": {"domain": domain, "certificate_arn": arn}})
    assert_refused(s, aws, [f"unable to find the specified ssl certificate in {region}: {arn}"], domain)


# ---------------------------------------------------------------------------
# Pending validation
# ---------------------------------------------------------------------------

def test_pending_validation_names_the_dns_records(setup, aws, region, acm_proxy):
    domain, zone = unique_domain()
    acm = Acm(region)
    arn = acm.request_cert(domain, sans=[f"www.{zone}"])
    records = [o["ResourceRecord"] for o in acm.describe(arn).get("DomainValidationOptions", [])]
    assert len(records) == 2, f"moto should list a DNS validation record per name: {records}"
    acm_proxy.pending_validation(arn)
    s = setup(settings={"gateway": {"domain": domain, "certificate_arn": arn}})

    stderr = assert_refused(s, aws, ["PENDING_VALIDATION"], domain)
    for record in records:
        assert record["Name"].rstrip(".") in stderr, f"validation record {record} not named\n{stderr}"
        assert record["Value"].rstrip(".") in stderr, f"validation record {record} not named\n{stderr}"
        assert record["Type"] in stderr
    faulted = [c for c in acm_proxy.calls if c.op == "DescribeCertificate" and c.arn == arn and c.faulted]
    assert faulted, f"the CLI never asked ACM about {arn}: {acm_proxy.ops()}"
    assert not [op for op in acm_proxy.ops() if not op.startswith(("Describe", "List", "Get"))], \
        f"the certificate check must be read-only: {acm_proxy.ops()}"


# ---------------------------------------------------------------------------
# Expiry
# ---------------------------------------------------------------------------

def test_expired_certificate_is_refused(setup, aws, region):
    acm = Acm(region)
    arn = acm.import_cert(["localhost"], not_after=utcnow() + dt.timedelta(seconds=3))
    acm.wait_expired(arn, timeout=60)
    s = setup(ssl_certificate_arn=arn)
    stderr = assert_refused(s, aws, [])
    assert "expired" in stderr.lower(), stderr


def test_certificate_expiring_within_30_days_warns_and_succeeds(setup, aws, region):
    domain, zone = unique_domain()
    acm = Acm(region)
    arn = acm.import_cert([f"*.{zone}"], not_after=utcnow() + dt.timedelta(days=10))
    s = setup(settings={"gateway": {"domain": domain}}, ssl_certificate_arn=arn)

    plan = s.run("plan").ok()
    assert "expir" in plan.stderr.lower() and "warn" in plan.stderr.lower(), plan.describe()
    assert "expir" not in plan.stdout.lower(), "warnings go to stderr, not into the JSON"
    up = s.run("up", "--yes").ok()
    assert "expir" in up.stderr.lower(), up.describe()
    assert up.json["gateway"]["domain"]["name"] == domain, up.describe()
    assert len(aws.owned_apis(s.cluster)) == 1
    s.run("down", "--yes").ok()
    assert aws.owned_apis(s.cluster) == [] and v2_domain(aws, domain) is None


def test_certificate_valid_for_45_days_gives_no_warning(setup, aws, region):
    acm = Acm(region)
    arn = acm.import_cert(["localhost"], not_after=utcnow() + dt.timedelta(days=45))
    s = setup(ssl_certificate_arn=arn)
    plan = s.run("plan").ok()
    assert "expir" not in plan.stderr.lower(), plan.describe()


# ---------------------------------------------------------------------------
# Coverage of gateway.domain
# ---------------------------------------------------------------------------

def test_certificate_not_covering_the_domain_names_both(setup, aws, region):
    domain, zone = unique_domain()
    names = [f"other.{zone}", "*.elsewhere.example.org"]
    arn = Acm(region).import_cert(names)
    s = setup(settings={"gateway": {"domain": domain, "certificate_arn": arn}})
    assert_refused(s, aws, [domain, *names], domain)


def test_wildcard_covers_exactly_one_label(setup, aws, region):
    _, zone = unique_domain()
    domain = f"a.b.{zone}"
    arn = Acm(region).import_cert([f"*.{zone}"])
    s = setup(settings={"gateway": {"domain": domain}}, ssl_certificate_arn=arn)
    assert_refused(s, aws, [domain, f"*.{zone}"], domain)


# ---------------------------------------------------------------------------
# Regions
# ---------------------------------------------------------------------------

def test_edge_rest_domain_needs_a_us_east_1_certificate(setup, aws, region):
    assert region != "us-east-1"
    domain, zone = unique_domain()
    arn = Acm(region).import_cert([f"*.{zone}"])
    s = setup(settings={"gateway": {"type": "rest", "endpoint_type": "edge", "domain": domain,
                                    "certificate_arn": arn}})
    stderr = assert_refused(s, aws, ["us-east-1", region], domain)
    assert "edge" in stderr.lower(), stderr


def test_regional_domain_needs_a_certificate_in_the_api_region(setup, aws, region):
    domain, zone = unique_domain()
    elsewhere = other_region(region)
    arn = Acm(elsewhere).import_cert([f"*.{zone}"])
    s = setup(settings={"gateway": {"domain": domain, "certificate_arn": arn}})
    assert_refused(s, aws, [elsewhere, region], domain)


def test_load_balancer_certificate_must_be_in_the_cluster_region(setup, aws, region):
    elsewhere = other_region(region)
    arn = Acm(elsewhere).import_cert(["localhost"])
    s = setup(ssl_certificate_arn=arn)
    assert_refused(s, aws, [elsewhere, region])


# ---------------------------------------------------------------------------
# Configuration and the happy path
# ---------------------------------------------------------------------------

def test_domain_without_any_certificate_is_invalid(cli, workspace, tmp_path):
    """Offline: `validate` says so (exit 2), naming the field."""
    domain, _ = unique_domain()
    ws = workspace("e2e-nocert", "us-west-2")
    ws.write_settings({"gateway": {"domain": domain}})
    r = cli("-o", "json", "validate", cwd=ws.root,
            env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}).fails(2)
    assert r.json and r.json["valid"] is False, r.describe()
    fields = {e["field"] for e in r.json["errors"]}
    assert fields & {"gateway.domain", "gateway.certificate_arn", "ssl_certificate_arn"}, r.describe()


def test_valid_wildcard_certificate_passes_and_up_uses_it(setup, aws, region, acm_proxy):
    domain, zone = unique_domain()
    acm = Acm(region)
    arn = acm.import_cert([f"*.{zone}", zone])
    s = setup(settings={"gateway": {"domain": domain}}, ssl_certificate_arn=arn)

    plan = s.run("plan").ok()
    assert "warn" not in plan.stderr.lower(), plan.describe()
    assert {("create", "domain-name"), ("create", "api-mapping")} <= \
        {(c["action"], c["kind"]) for c in plan.json["changes"]}, plan.describe()
    assert write_calls(s.journal.snapshot()) == [], "plan wrote"
    up = s.run("up", "--yes").ok()
    found = v2_domain(aws, domain)
    assert found is not None, up.describe()
    assert found["DomainNameConfigurations"][0]["CertificateArn"] == arn
    assert [c for c in acm_proxy.calls if c.op == "DescribeCertificate" and c.arn == arn]
    assert not [op for op in acm_proxy.ops() if not op.startswith(("Describe", "List", "Get"))], \
        f"the certificate check must be read-only: {acm_proxy.ops()}"
    s.run("down", "--yes").ok()
    assert v2_domain(aws, domain) is None and aws.owned_apis(s.cluster) == []
    assert acm.describe(arn)["Status"] == "ISSUED", "down must never touch the certificate"
