"""`cortex-net cert self-signed [--cn localhost] [--days 365] [--out DIR] [--import]`: writes
`<cn>.crt.pem` and `<cn>.key.pem` (the key 0600) into DIR (default: the current directory),
never overwrites, never prints key material; `--import` imports the certificate into ACM (the
cluster's region from cluster.yaml) tagged as owned. `-o json`:
`{"certificate_file", "key_file", "common_name", "not_after", "arn"}`.
"""

from __future__ import annotations

import datetime as dt
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from conftest import unique_cluster
from support.https import Acm, utcnow

OFFLINE = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ENDPOINT_URL_ACM": "http://127.0.0.1:9"}


def no_key_material(r, key_file=None) -> None:
    """Neither a PEM key header nor any line of the key file's body is printed."""
    printed = r.stdout + r.stderr
    assert "PRIVATE KEY" not in printed, f"key material printed\n{r.describe()}"
    if key_file is not None and key_file.exists():
        body = [line for line in key_file.read_text().splitlines() if line and not line.startswith("-----")]
        leaked = [line for line in body if line in printed]
        assert not leaked, f"lines of the private key were printed\n{r.describe()}"


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def load(cert_file, key_file):
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    assert cert.public_key().public_numbers() == key.public_key().public_numbers(), "key does not match"
    return cert


def test_defaults_write_localhost_pair_into_the_current_directory(cli, tmp_path):
    r = cli("-o", "json", "cert", "self-signed", cwd=tmp_path, env=OFFLINE).ok()
    crt, key = tmp_path / "localhost.crt.pem", tmp_path / "localhost.key.pem"
    no_key_material(r, key)
    assert crt.is_file() and key.is_file(), sorted(p.name for p in tmp_path.iterdir())
    assert stat.S_IMODE(key.stat().st_mode) == 0o600, oct(key.stat().st_mode)
    assert r.json["common_name"] == "localhost" and r.json["arn"] is None, r.json
    assert {r.json["certificate_file"], r.json["key_file"]} <= {str(crt), str(key), crt.name, key.name,
                                                              f"./{crt.name}", f"./{key.name}"} or \
        (r.json["certificate_file"].endswith(crt.name) and r.json["key_file"].endswith(key.name)), r.json

    cert = load(crt, key)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "localhost"
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
    assert "localhost" in sans
    not_after = cert.not_valid_after_utc
    assert abs((not_after - (utcnow() + dt.timedelta(days=365))).total_seconds()) < 3600, not_after
    assert abs((parse_time(r.json["not_after"]) - not_after).total_seconds()) < 2, (r.json["not_after"], not_after)


def test_cn_days_and_out(cli, tmp_path):
    out = tmp_path / "certs"
    out.mkdir()
    r = cli("-o", "json", "cert", "self-signed", "--cn", "api.example.com", "--days", "30", "--out", out,
            cwd=tmp_path, env=OFFLINE).ok()
    no_key_material(r)
    crt, key = out / "api.example.com.crt.pem", out / "api.example.com.key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    cert = load(crt, key)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "api.example.com"
    assert abs((cert.not_valid_after_utc - (utcnow() + dt.timedelta(days=30))).total_seconds()) < 3600
    assert r.json["common_name"] == "api.example.com"
    assert not list(tmp_path.glob("*.pem")), "files belong in --out, not the current directory"


def test_text_output_names_the_files_without_key_material(cli, tmp_path):
    r = cli("cert", "self-signed", "--out", tmp_path, cwd=tmp_path, env=OFFLINE).ok()
    no_key_material(r)
    assert "localhost.crt.pem" in r.stdout + r.stderr and "localhost.key.pem" in r.stdout + r.stderr, r.describe()


@pytest.mark.parametrize("existing", ["localhost.crt.pem", "localhost.key.pem"])
def test_never_overwrites(cli, tmp_path, existing):
    target = tmp_path / existing
    target.write_text("precious\n")
    target.chmod(0o644)
    r = cli("cert", "self-signed", "--out", tmp_path, cwd=tmp_path, env=OFFLINE)
    assert r.code != 0, f"must refuse to overwrite {existing}\n{r.describe()}"
    assert existing in r.stderr, f"the message must name {existing}\n{r.describe()}"
    no_key_material(r)
    assert target.read_text() == "precious\n" and stat.S_IMODE(target.stat().st_mode) == 0o644


def test_second_run_refuses_and_keeps_the_first_pair(cli, tmp_path):
    cli("cert", "self-signed", "--out", tmp_path, cwd=tmp_path, env=OFFLINE).ok()
    first = {p.name: p.read_bytes() for p in tmp_path.glob("*.pem")}
    r = cli("cert", "self-signed", "--out", tmp_path, cwd=tmp_path, env=OFFLINE)
    assert r.code != 0 and "localhost." in r.stderr, r.describe()
    assert {p.name: p.read_bytes() for p in tmp_path.glob("*.pem")} == first


@pytest.mark.shared_region
def test_import_into_acm_tagged_as_owned(cli, workspace, tmp_path, region, moto_up):
    cluster = unique_cluster("cert")
    ws = workspace(cluster, region)
    out = tmp_path / "out"
    out.mkdir()
    # -vv: not even debug logs may carry the key (the ImportCertificate request holds it).
    r = cli("-vv", "-o", "json", "cert", "self-signed", "--import", "--out", out, cwd=ws.root).ok()
    no_key_material(r, out / "localhost.key.pem")
    arn = r.json["arn"]
    assert isinstance(arn, str) and arn.startswith(f"arn:aws:acm:{region}:"), r.describe()

    acm = Acm(region)
    found = acm.describe(arn)
    assert found["Type"] == "IMPORTED" and found["DomainName"] == "localhost", found
    tags = acm.tags(arn)
    assert tags.get("cortex.dev/cluster-name") == cluster and tags.get("managed-by") == "cortex-net", tags
    cert = load(out / "localhost.crt.pem", out / "localhost.key.pem")
    assert found["Serial"].replace(":", "").lower() in (str(cert.serial_number), format(cert.serial_number, "x")), \
        (found["Serial"], cert.serial_number)
