"""`cortex-net validate`: configuration checks, no AWS state involved."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Workspace, api_spec, cluster_config, write_yaml

REGION = "us-west-2"  # validate reads no AWS state; any region name will do
ERROR_KEYS = {"severity", "file", "field", "value", "message", "fix"}


@pytest.fixture
def vws(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path, "validate-me", REGION)
    ws.write_cluster()
    return ws


def validate(cli, ws: Workspace, *, apis: bool = True, extra: tuple = ()):
    args = ["-c", str(ws.cluster_file)]
    if apis:
        args += ["-a", str(ws.apis_file)]
    return cli(*args, *extra, "-o", "json", "validate", cwd=ws.root)


def check_report_shape(r) -> dict:
    report = r.json
    assert isinstance(report, dict), f"validate -o json printed no JSON object\n{r.describe()}"
    for key in ("valid", "errors", "warnings"):
        assert key in report, f"validate report lacks {key!r}: {report}"
    for item in report["errors"] + report["warnings"]:
        missing = ERROR_KEYS - set(item)
        assert not missing, f"finding lacks {missing}: {item}"
        assert item["message"], item
    return report


def findings_for(items: list[dict], *, file: str, field_part: str) -> list[dict]:
    return [i for i in items
            if Path(str(i["file"])).name == file and field_part in str(i["field"])]


def assert_one_error(report: dict, *, file: str, field_part: str, value=None, message_part: str | None = None):
    found = findings_for(report["errors"], file=file, field_part=field_part)
    if value is not None:
        found = [f for f in found if str(f["value"]) == str(value)]
    if message_part is not None:
        found = [f for f in found if message_part in f["message"]]
    assert found, (f"no error for file={file} field~{field_part!r} value={value!r} "
                   f"message~{message_part!r} in\n{json.dumps(report, indent=1)}")
    for f in found:
        assert f["severity"] == "error", f
        assert f["fix"], f"error without a fix: {f}"
    return found[0]


# ---------------------------------------------------------------------------
# Valid input
# ---------------------------------------------------------------------------

def test_valid_cluster_and_apis(cli, vws):
    vws.write_apis([api_spec("iris", "/iris"), api_spec("text", "/text-gen", gateway="none")])
    r = validate(cli, vws).ok()
    report = check_report_shape(r)
    assert report["valid"] is True, report
    assert report["errors"] == [], report


def test_valid_cluster_without_apis_file(cli, vws):
    r = validate(cli, vws, apis=False).ok()
    report = check_report_shape(r)
    assert report["valid"] is True and report["errors"] == [], report


def test_cluster_file_defaults_to_cwd(cli, vws):
    """No -c: ./cluster.yaml is read."""
    r = cli("-o", "json", "validate", cwd=vws.root).ok()
    assert check_report_shape(r)["valid"] is True


def test_default_cluster_file_missing_is_invalid_input(cli, tmp_path):
    r = cli("validate", cwd=tmp_path).fails(2)
    assert "cluster.yaml" in r.stderr, r.describe()


def test_unknown_cortex_keys_are_ignored(cli, vws):
    vws.write_cluster(
        instance_type="m5.large", min_instances=1, max_instances=5, spot=False,
        node_groups=[{"name": "cpu", "instance_type": "m5.large"}],
        operator_load_balancer_scheme="internet-facing", bucket="some-bucket",
    )
    vws.write_apis([{**api_spec("iris"), "compute": {"cpu": 1, "mem": "2G"}, "autoscaling": {"min_replicas": 1}}])
    r = validate(cli, vws).ok()
    report = check_report_shape(r)
    assert report["valid"] is True, report


def test_api_gateway_none_allowed_when_disabled_cluster_wide(cli, vws):
    vws.write_cluster(api_gateway="disabled")
    vws.write_apis([api_spec("iris", "/iris", gateway="none")])
    r = validate(cli, vws).ok()
    assert check_report_shape(r)["valid"] is True


# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------

def test_public_api_with_gateway_disabled_cluster_wide(cli, vws):
    vws.write_cluster(api_gateway="disabled")
    vws.write_apis([api_spec("iris", "/iris", gateway="public")])
    r = validate(cli, vws).fails(2)
    report = check_report_shape(r)
    assert report["valid"] is False
    err = assert_one_error(report, file="cortex.yaml", field_part="api_gateway", value="public",
                           message_part="not permitted because api gateway is disabled cluster-wide")
    assert "iris" in json.dumps(err), f"error does not name the API: {err}"


@pytest.mark.parametrize("endpoint", ["/a//b", "/", "/Upper", "Upper"])
def test_bad_endpoint(cli, vws, endpoint):
    vws.write_apis([api_spec("iris", endpoint)])
    r = validate(cli, vws).fails(2)
    report = check_report_shape(r)
    assert report["valid"] is False
    assert_one_error(report, file="cortex.yaml", field_part="endpoint", value=endpoint)


def test_duplicate_endpoints(cli, vws):
    vws.write_apis([api_spec("one", "/same"), api_spec("two", "/same")])
    r = validate(cli, vws).fails(2)
    report = check_report_shape(r)
    err = assert_one_error(report, file="cortex.yaml", field_part="endpoint", value="/same")
    text = json.dumps(report["errors"])
    assert "one" in text and "two" in text, f"duplicate-endpoint error should name both APIs: {err}"


def test_bad_load_balancer_scheme(cli, vws):
    vws.write_cluster(api_load_balancer_scheme="public")
    r = validate(cli, vws, apis=False).fails(2)
    report = check_report_shape(r)
    assert_one_error(report, file="cluster.yaml", field_part="api_load_balancer_scheme", value="public")


def test_bad_cluster_api_gateway_value(cli, vws):
    vws.write_cluster(api_gateway="sometimes")
    r = validate(cli, vws, apis=False).fails(2)
    report = check_report_shape(r)
    assert_one_error(report, file="cluster.yaml", field_part="api_gateway", value="sometimes")


def test_bad_settings_gateway_type(cli, vws):
    """cortex-net.yaml beside cluster.yaml is read; gateway.type must be http or rest."""
    vws.write_settings({"gateway": {"type": "grpc"}})
    r = validate(cli, vws, apis=False).fails(2)
    report = check_report_shape(r)
    assert_one_error(report, file="cortex-net.yaml", field_part="type", value="grpc")


def test_all_errors_reported_at_once(cli, vws):
    vws.write_cluster(api_gateway="disabled", api_load_balancer_scheme="sideways")
    vws.write_apis([
        api_spec("gw", "/gw", gateway="public"),
        api_spec("slashes", "/a//b", gateway="none"),
        api_spec("root", "/", gateway="none"),
        api_spec("dup1", "/dup", gateway="none"),
        api_spec("dup2", "/dup", gateway="none"),
    ])
    r = validate(cli, vws).fails(2)
    report = check_report_shape(r)
    assert report["valid"] is False
    assert_one_error(report, file="cluster.yaml", field_part="api_load_balancer_scheme", value="sideways")
    assert_one_error(report, file="cortex.yaml", field_part="api_gateway", value="public",
                     message_part="not permitted because api gateway is disabled cluster-wide")
    assert_one_error(report, file="cortex.yaml", field_part="endpoint", value="/a//b")
    assert_one_error(report, file="cortex.yaml", field_part="endpoint", value="/")
    assert_one_error(report, file="cortex.yaml", field_part="endpoint", value="/dup")
    assert len(report["errors"]) >= 5, json.dumps(report, indent=1)


def test_invalid_text_output_goes_to_stderr(cli, vws):
    vws.write_cluster(api_load_balancer_scheme="sideways")
    r = cli("-c", str(vws.cluster_file), "validate", cwd=vws.root).fails(2)
    assert "api_load_balancer_scheme" in r.stderr, r.describe()
    assert "sideways" in r.stderr, r.describe()
    assert "cluster.yaml" in r.stderr, r.describe()


def test_yaml_syntax_error_is_invalid_input(cli, vws):
    vws.cluster_file.write_text("cluster_name: [unterminated\nregion: us-west-2\n")
    r = cli("-c", str(vws.cluster_file), "validate", cwd=vws.root).fails(2)
    assert "cluster.yaml" in r.stderr, r.describe()


def test_explicit_paths_from_other_cwd(cli, tmp_path):
    conf = tmp_path / "conf"
    conf.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    write_yaml(conf / "my-cluster.yaml", cluster_config("explicit", REGION, api_gateway="disabled"))
    write_yaml(conf / "my-apis.yaml", [api_spec("iris", "/iris", gateway="public")])
    r = cli("-c", str(conf / "my-cluster.yaml"), "-a", str(conf / "my-apis.yaml"), "-o", "json", "validate",
            cwd=elsewhere).fails(2)
    report = check_report_shape(r)
    assert_one_error(report, file="my-apis.yaml", field_part="api_gateway", value="public",
                     message_part="not permitted because api gateway is disabled cluster-wide")


# ---------------------------------------------------------------------------
# Warnings
# ---------------------------------------------------------------------------

def test_timeout_above_http_api_limit_warns(cli, vws):
    vws.write_apis([api_spec("slowpoke", "/slow", timeout=60), api_spec("quick", "/quick", timeout=30)])
    r = validate(cli, vws).ok()
    report = check_report_shape(r)
    assert report["valid"] is True, report
    warned = [w for w in report["warnings"] if "slowpoke" in json.dumps(w)]
    assert warned, f"no warning naming the API 'slowpoke': {report}"
    assert any("api_gateway: none" in (w["message"] + " " + str(w["fix"])) for w in warned), warned
    assert not [w for w in report["warnings"] if "quick" in json.dumps(w)], \
        f"timeout 30 is within the limit and must not warn: {report['warnings']}"


def test_timeout_above_limit_without_gateway_does_not_warn(cli, vws):
    vws.write_apis([api_spec("slowpoke", "/slow", gateway="none", timeout=60)])
    r = validate(cli, vws).ok()
    report = check_report_shape(r)
    assert report["valid"] is True
    assert not [w for w in report["warnings"] if "slowpoke" in json.dumps(w)], report["warnings"]
