"""`cortex-net doctor [--url URL]`: checks `load-balancer`, `vpc-link` (only with a VPC link),
`certificate` (only with one configured) and `request` (a GET through the gateway, status and
latency, TLS verification on). `-o json` is `{"ok", "checks": [{"name", "ok", "detail", "fix"}]}`,
exit 0 when every check passes, 1 otherwise.

`*.execute-api.amazonaws.com` is unreachable offline, so the request check is sent with `--url`
to LocalStack's invoke path of the REST API, which proxies to the test's backend (the load
balancer's DNS name mapped to 127.0.0.1 in LocalStack's hosts file).
"""

from __future__ import annotations

import pytest

from conftest import LOCALSTACK, account_env
from support.gateways import v1_links
from support.hosts import map_host
from support.https import Acm, TlsServer, free_port

pytestmark = pytest.mark.shared_region

CHECK_NAMES = {"load-balancer", "vpc-link", "certificate", "request"}
# Checks beyond the contract's four that doctor may add (not asserted on beyond their shape).
EXTRA_NAMES = {"in-sync", "request no key", "request key"}


def contract_names(checks: dict) -> set[str]:
    return set(checks) & CHECK_NAMES


def checks_of(r) -> dict[str, dict]:
    doc = r.json
    assert isinstance(doc, dict) and isinstance(doc.get("ok"), bool) and isinstance(doc.get("checks"), list), \
        f"doctor -o json must be {{ok, checks}}\n{r.describe()}"
    by_name = {}
    for c in doc["checks"]:
        assert set(c) >= {"name", "ok", "detail", "fix"}, f"check without name/ok/detail/fix: {c}"
        assert c["name"] in CHECK_NAMES | EXTRA_NAMES and c["name"] not in by_name, f"unexpected or repeated check {c}"
        assert isinstance(c["ok"], bool) and isinstance(c["detail"], str) and c["detail"].strip(), c
        if not c["ok"]:
            assert isinstance(c["fix"], str) and c["fix"].strip(), f"a failed check needs a fix: {c}"
        by_name[c["name"]] = c
    assert doc["ok"] == all(c["ok"] for c in by_name.values()), doc
    assert r.code == (0 if doc["ok"] else 1), f"exit code must follow ok\n{r.describe()}"
    return by_name


def invoke_base(api_id: str, stage: str = "dev") -> str:
    return f"{LOCALSTACK}/_aws/execute-api/{api_id}/{stage}/"


@pytest.fixture
def rest_gateway(cli, seed, workspace, rest, region, account, backend):
    """An internet-facing cluster whose load balancer listens on the backend's port, a REST
    gateway in front of it (LocalStack), and run(*args) for the CLI in its workspace."""

    def _make(scheme="internet-facing", settings=None, **cluster_extra):
        seeded = seed(port=backend.port, scheme=scheme)
        map_host(seeded["load_balancer"]["dns_name"])
        # cluster.yaml says what the load balancer is, as Cortex writes it (iam-policy reads it).
        ws = workspace(seeded["cluster"], region, api_load_balancer_scheme=scheme, **cluster_extra)
        ws.write_settings(settings or {"gateway": {"type": "rest"}})
        env = account_env(account)

        def run(*args, env_extra=None):
            return cli(*args, cwd=ws.root, env={**env, **(env_extra or {})})

        run("-o", "json", "up", "--yes").ok()
        [api] = rest.owned_rest_apis(seeded["cluster"])
        return seeded, api["id"], run

    return _make


def test_doctor_passes_through_a_rest_gateway(rest_gateway, backend):
    seeded, api_id, run = rest_gateway()
    before = len(backend.received("GET"))
    r = run("-o", "json", "doctor", "--url", invoke_base(api_id))
    checks = checks_of(r)
    assert r.json["ok"] is True, r.describe()
    assert contract_names(checks) == {"load-balancer", "request"}, \
        f"no VPC link and no certificate configured: only load-balancer and request\n{r.describe()}"
    assert "200" in checks["request"]["detail"] and "ms" in checks["request"]["detail"], checks["request"]
    assert len(backend.received("GET")) > before, "the request check never reached the backend"

    text = run("doctor", "--url", invoke_base(api_id)).ok()
    for name in ("load-balancer", "request"):
        assert name in text.stdout + text.stderr, text.describe()


def test_doctor_request_fails_when_the_backend_is_down(rest_gateway, backend):
    seeded, api_id, run = rest_gateway()
    backend.stop()
    r = run("-o", "json", "doctor", "--url", invoke_base(api_id)).fails(1)
    checks = checks_of(r)
    assert checks["load-balancer"]["ok"] is True, checks
    assert checks["request"]["ok"] is False, checks
    text = run("doctor", "--url", invoke_base(api_id)).fails(1)
    assert checks["request"]["fix"] in text.stdout + text.stderr, \
        f"the text output must show the fix\n{text.describe()}"


def test_doctor_request_fails_on_an_unreachable_url(rest_gateway):
    seeded, api_id, run = rest_gateway()
    r = run("-o", "json", "doctor", "--url", f"http://127.0.0.1:{free_port()}/").fails(1)
    checks = checks_of(r)
    assert checks["request"]["ok"] is False and checks["load-balancer"]["ok"] is True, checks


def test_doctor_verifies_tls(rest_gateway, tmp_path):
    """TLS verification is on: a self-signed certificate fails the request check."""
    seeded, api_id, run = rest_gateway()
    server = TlsServer(tmp_path)
    try:
        r = run("-o", "json", "doctor", "--url", server.url).fails(1)
    finally:
        server.stop()
    checks = checks_of(r)
    assert checks["request"]["ok"] is False, checks
    assert "certificate" in (checks["request"]["detail"] + checks["request"]["fix"]).lower(), checks["request"]
    assert server.hits == 0, "the request completed despite a self-signed certificate"


def test_doctor_load_balancer_without_the_integration_listener(rest_gateway, aws):
    seeded, api_id, run = rest_gateway()
    aws.elbv2.delete_listener(ListenerArn=seeded["load_balancer"]["listener_arn"])
    r = run("-o", "json", "doctor", "--url", invoke_base(api_id)).fails(1)
    checks = checks_of(r)
    assert checks["load-balancer"]["ok"] is False, checks
    assert str(seeded["load_balancer"]["port"]) in checks["load-balancer"]["detail"] + checks["load-balancer"]["fix"]


def test_doctor_checks_vpc_link_and_certificate(rest_gateway, rest, region, aws_proxy, backend):
    acm = Acm(region)
    arn = acm.import_cert(["localhost"])
    seeded, api_id, run = rest_gateway(scheme="internal", ssl_certificate_arn=arn)
    assert len(v1_links(rest, seeded["cluster"])) == 1
    r = run("-o", "json", "doctor", "--url", invoke_base(api_id))
    checks = checks_of(r)
    assert contract_names(checks) == CHECK_NAMES and r.json["ok"] is True, r.describe()
    assert "AVAILABLE" in checks["vpc-link"]["detail"], checks["vpc-link"]

    # The VPC link stuck in PENDING (the proxy rewrites its status): the vpc-link check fails.
    proxy = aws_proxy(LOCALSTACK, name="localstack")
    proxy.vpc_link_pending(None)
    r = run("-o", "json", "doctor", "--url", invoke_base(api_id),
            env_extra={"AWS_ENDPOINT_URL_API_GATEWAY": proxy.url}).fails(1)
    checks = checks_of(r)
    assert checks["vpc-link"]["ok"] is False and "PENDING" in checks["vpc-link"]["detail"], checks["vpc-link"]

    # The certificate deleted from ACM: the certificate check fails with Cortex's wording.
    acm.delete(arn)
    r = run("-o", "json", "doctor", "--url", invoke_base(api_id)).fails(1)
    checks = checks_of(r)
    assert checks["certificate"]["ok"] is False, checks
    said = checks["certificate"]["detail"] + " " + checks["certificate"]["fix"]
    assert f"unable to find the specified ssl certificate in {region}: {arn}" in said, checks["certificate"]


KEYED = {"gateway": {"type": "rest", "auth": "api_key"}, "api_keys": [{"name": "doctor-key"}],
         "usage_plans": [{"name": "doctor", "keys": ["doctor-key"]}]}


def test_doctor_checks_an_api_key_is_required_and_accepted(rest_gateway, backend):
    """An API that requires a key: without one LocalStack answers 403 (doctor passes: refused, as
    wanted); with the key from --api-key-env the request reaches the backend; a wrong key fails
    with the fix; a variable that is not set is invalid input, before any AWS call."""
    seeded, api_id, run = rest_gateway(settings=KEYED)
    value = run("keys", "show", "doctor-key").ok().stdout.strip()
    assert len(value) >= 20, "keys show prints the value alone"

    r = run("-o", "json", "doctor", "--url", invoke_base(api_id))
    checks = checks_of(r)
    assert r.json["ok"] is True, r.describe()
    assert "403" in checks["request no key"]["detail"], checks
    assert "not checked" in checks["request key"]["detail"], checks

    before = len(backend.received("GET"))
    r = run("-o", "json", "doctor", "--url", invoke_base(api_id), "--api-key-env", "DOCTOR_KEY",
            env_extra={"DOCTOR_KEY": value})
    checks = checks_of(r)
    assert r.json["ok"] is True, r.describe()
    assert "200" in checks["request key"]["detail"], checks
    assert len(backend.received("GET")) > before, "the keyed request never reached the backend"
    assert value not in r.stdout + r.stderr, "doctor must not print the key"

    r = run("-o", "json", "doctor", "--url", invoke_base(api_id), "--api-key-env", "DOCTOR_KEY",
            env_extra={"DOCTOR_KEY": "x" * 40}).fails(1)
    assert "refused" in checks_of(r)["request key"]["detail"], r.describe()

    r = run("doctor", "--api-key-env", "CORTEX_NET_UNSET_FOR_DOCTOR").fails(2)
    assert "CORTEX_NET_UNSET_FOR_DOCTOR" in r.stderr, r.describe()
