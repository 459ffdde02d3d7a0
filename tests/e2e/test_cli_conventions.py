"""Conventions users bring from Terraform and the AWS CLI (issue 11): `plan --detailed-exitcode`
for drift checks in CI, `up`/`down` printing each change once as it is applied (with its result
and duration), and shell completions."""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import subprocess

import pytest

from conftest import BIN, ENDPOINT, CliResult, account_env, api_spec
from support.gateways import run_json

pytestmark = pytest.mark.shared_region

SIGNS = {"create": "+", "update": "~", "replace": "-/+", "delete": "-"}

# `+ route ANY /iris ... ok 0.21 s` (cortex-net's progress.rs).
DONE = re.compile(r"^(\+|~|-/\+|-) [a-z-]+ .* \.\.\. ok \d+\.\d\d s$")


def change_lines(stderr: str) -> list[str]:
    # On a terminal the answer to the question ends its line; in a captured stderr it does not.
    lines = [line.split("[y/N] ")[-1] for line in stderr.splitlines()]
    return [line for line in lines if " ... ok " in line or " ... failed: " in line]


def prefix(change: dict) -> str:
    """How a change's line starts: its sign, kind and name (then its id, for a deletion)."""
    return f"{SIGNS[change['action']]} {change['kind']} {change['name']}"


def assert_one_line_per_change(stderr: str, changes: list[dict]) -> None:
    lines = change_lines(stderr)
    assert all(DONE.match(line) for line in lines), lines
    expected = sorted(prefix(c) for c in changes)
    # A line is its change's prefix, then its id or detail, then the result.
    matched = sorted(next((p for p in expected if re.match(re.escape(p) + "[ :]", line)), line)
                     for line in lines)
    assert matched == expected, (lines, expected)


def plan_detailed(ws, env: dict | None = None) -> CliResult:
    """`-o json plan --detailed-exitcode`, run directly: the suite's least-privilege check
    (conftest.run_cli) hands a command's flags to `iam-policy`, which has no such flag."""
    args = ("-o", "json", "plan", "--detailed-exitcode")
    p = subprocess.run([str(BIN), *args], cwd=ws.root, env={**os.environ, **(env or {})},
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    parsed = json.loads(p.stdout) if p.stdout.strip() else None
    return CliResult(p.returncode, p.stdout, p.stderr, parsed, args)


def test_plan_detailed_exitcode_tells_pending_from_converged_failed_and_invalid(
        cli, seed, workspace, aws_proxy):
    seeded = seed(decoys=False)
    ws = workspace(seeded["cluster"], seeded["region"])

    # Changes pending: 3, the plan still printed; without the flag the same plan exits 0.
    r = plan_detailed(ws).fails(3)
    assert r.json and r.json["changes"], r.describe()
    assert "changes pending" in r.stderr and "error" not in r.stderr, r.describe()
    assert run_json(cli, ws, "plan").ok().json["changes"] == r.json["changes"]

    # Converged: 0.
    run_json(cli, ws, "up", "--yes").ok()
    assert plan_detailed(ws).ok().json["changes"] == []

    # AWS failing (throttled beyond the SDK's retries): 1, never taken for "changes pending".
    proxy = aws_proxy(ENDPOINT, "moto")
    proxy.throttle("GetApis", 1000)
    env = {"AWS_ENDPOINT_URL_APIGATEWAYV2": proxy.url}
    r = plan_detailed(ws, env).fails(1)
    assert "TooManyRequests" in r.stderr, r.describe()

    # Invalid input: 2 (a configuration error, and a flag plan does not take).
    ws.write_cluster(api_gateway="sometimes")
    r = plan_detailed(ws).fails(2)
    assert "api_gateway" in r.stderr, r.describe()
    cli("plan", "--detailed-exitcodes", cwd=ws.root).fails(2)


def test_up_and_down_print_each_change_once_as_it_is_applied(cli, seeded, ws):
    ws.write_apis([api_spec("iris", "/iris"), api_spec("roses", "/roses")])
    planned = run_json(cli, ws, "plan", apis=True).ok().json["changes"]
    assert len(planned) > 3, planned

    # Text: with --yes no plan first; each change one line on stderr, nothing of them on stdout.
    r = cli("-a", str(ws.apis_file), "up", "--yes", cwd=ws.root).ok()
    assert "Plan:" not in r.stdout and not change_lines(r.stdout), r.describe()
    assert_one_line_per_change(r.stderr, planned)
    assert "Gateway:" in r.stdout and "/iris" in r.stdout, r.describe()

    # Converged: the (empty) plan says so and no line follows.
    r = cli("-a", str(ws.apis_file), "up", "--yes", cwd=ws.root).ok()
    assert "No changes" in r.stdout and not change_lines(r.stderr), r.describe()

    # JSON: nothing extra on stderr; the result lists the changes, each with its result and,
    # when it was sent, how long it took.
    ws.write_apis([api_spec("iris", "/iris")])
    r = run_json(cli, ws, "up", "--yes", apis=True).ok()
    assert r.json["changes"] and all(c["action"] == "delete" for c in r.json["changes"]), r.json
    assert all(c["result"] == "ok" for c in r.json["changes"]), r.json
    timed = [c for c in r.json["changes"] if "seconds" in c]
    assert timed and all(isinstance(c["seconds"], float) and 0 <= c["seconds"] < 60 for c in timed), r.json
    assert not change_lines(r.stderr), r.describe()

    # down: the same, one line per removal sent (those AWS deletes with their API have none).
    r = cli("down", "--yes", cwd=ws.root).ok()
    lines = change_lines(r.stderr)
    assert lines and all(DONE.match(line) and line.startswith("- ") for line in lines), r.describe()
    assert any(line.startswith("- api cortex-") for line in lines), lines
    assert len(lines) == len(set(lines)), lines
    assert re.search(r"^Removed \d+ resource\(s\)", r.stdout, re.M), r.describe()
    assert "Plan:" not in r.stdout, r.describe()

    # down in JSON: what was sent has its duration, what AWS deleted with its API has none.
    run_json(cli, ws, "up", "--yes", apis=True).ok()
    removed = run_json(cli, ws, "down", "--yes").ok().json["changes"]
    assert removed and all(c["result"] == "ok" for c in removed), removed
    with_api = [c for c in removed if c.get("detail") == "goes with its API"]
    assert with_api and all("seconds" not in c for c in with_api), removed
    api = [c for c in removed if c["kind"] == "api"]
    assert api and all(isinstance(c["seconds"], float) for c in api), removed


def test_a_change_that_fails_says_so_on_its_line(cli, seed, workspace, aws_proxy):
    seeded = seed(scheme="internal", decoys=False)
    ws = workspace(seeded["cluster"], seeded["region"], api_load_balancer_scheme="internal")
    proxy = aws_proxy(ENDPOINT, "moto")
    proxy.vpc_link_failed("injected by the e2e proxy")
    r = cli("up", "--yes", cwd=ws.root, env={"AWS_ENDPOINT_URL_APIGATEWAYV2": proxy.url}).fails(1)
    lines = change_lines(r.stderr)
    assert len(lines) == 1, r.describe()
    assert lines[0].startswith(f"+ vpc-link cortex-{seeded['cluster']} ... failed: "), lines
    assert "FAILED" in lines[0], lines
    # Nothing after the failure was applied, so no other line.
    proxy.clear_faults()
    cli("down", "--yes", cwd=ws.root).ok()


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "powershell"])
def test_completions_offline_for_each_shell(cli, tmp_path, shell):
    """Offline: no configuration file, no AWS."""
    r = cli("completions", shell, cwd=tmp_path).ok()
    for word in ("plan", "up", "down", "detailed-exitcode", "completions"):
        assert word in r.stdout, (shell, word)
    assert r.stderr == "", r.describe()
    if shell == "bash" and shutil.which("bash"):
        script = tmp_path / "cortex-net.bash"
        script.write_text(r.stdout)
        checked = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        # Loaded into a shell, it completes subcommands (the function clap names for the command).
        function = re.search(r"complete -F (\S+) .* cortex-net$", r.stdout, re.M)
        assert function, r.stdout[-300:]
        probe = (f"source {script}; COMP_WORDS=(cortex-net pl); COMP_CWORD=1; "
                 f"{function[1]} cortex-net pl cortex-net; printf '%s\\n' \"${{COMPREPLY[@]}}\"")
        done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True)
        assert "plan" in done.stdout.split(), (done.stdout, done.stderr)


def test_completions_refuse_an_unknown_shell(cli, tmp_path):
    r = cli("completions", "tcsh", cwd=tmp_path).fails(2)
    assert "bash" in r.stderr and "powershell" in r.stderr, r.describe()


def test_rest_content_made_by_one_document_still_gets_a_line_per_change(cli, seed, workspace, account):
    seeded = seed(decoys=False)
    ws = workspace(seeded["cluster"], seeded["region"])
    ws.write_settings({"gateway": {"type": "rest"}})
    ws.write_apis([api_spec("iris", "/iris")])
    env = account_env(account)
    planned = run_json(cli, ws, "plan", env=env, apis=True).ok().json["changes"]
    assert any(c["kind"] == "method" for c in planned), planned

    r = cli("-a", str(ws.apis_file), "up", "--yes", cwd=ws.root, env=env).ok()
    assert_one_line_per_change(r.stderr, planned)
    content = [line for line in change_lines(r.stderr) if "(PutRestApi)" in line]
    assert len(content) == sum(c["kind"] in ("resource", "method", "integration") for c in planned), r.stderr

    r = cli("down", "--yes", cwd=ws.root, env=env).ok()
    assert any(line.startswith("- api cortex-") for line in change_lines(r.stderr)), r.describe()


def test_without_yes_the_plan_is_shown_once_for_the_question(seeded, ws):
    """On a terminal (a pty as standard input): the plan, the question, then a line per change."""
    planned = json.loads(subprocess.run([str(BIN), "-o", "json", "plan"], cwd=ws.root, text=True,
                                        capture_output=True, timeout=120).stdout)["changes"]
    controller, terminal = pty.openpty()
    try:
        p = subprocess.Popen([str(BIN), "up"], cwd=ws.root, stdin=terminal, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        os.write(controller, b"y\n")
        out, err = p.communicate(timeout=120)
    finally:
        os.close(terminal)
        os.close(controller)
    assert p.returncode == 0, (out, err)
    assert out.count("Plan: ") == 1 and "Apply these changes" in err, (out, err)
    for change in planned:
        assert out.count(f"  {prefix(change)}") == 1, (change, out)
    assert_one_line_per_change(err, planned)
    # Leave nothing behind.
    r = subprocess.run([str(BIN), "down", "--yes"], cwd=ws.root, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
