"""A crash after any write (issue 7): the process is killed (SIGKILL) right after its k-th write
reached AWS, before it sees the answer, and the same command is run again.

For each path (HTTP internet-facing, HTTP internal with a VPC link v2, REST internet-facing, REST
internal with a VPC link v1), the writes a clean `up` and a clean `down` make are counted first
(through the recording proxy), then for every k up to that count (capped, see below):

- `up` killed after its k-th write, `up` again: it exits 0 (or 1 saying to run it again, and
  the next exits 0); exactly one API, one VPC link (internal), one stage, no unrouted
  integration; a following `plan` is empty;
- from that converged gateway, `down` killed after its k-th write, `down` again: exit 0 and
  nothing owned is left;

and the decoys (another cluster's and an untagged load balancer, a foreign HTTP API and, on REST
paths, a foreign REST API, all named like ours) are untouched at the end.

CI time: each k costs four or five CLI runs, so k is capped by CORTEX_NET_E2E_CRASH_MAX_K (default
5: every write of every path; a REST `up` writes CreateRestApi, PutRestApi (the API's content as
one document), CreateDeployment, CreateStage, after CreateVpcLink when internal);
CORTEX_NET_E2E_CRASH_MAX_K=100 runs them all for longer paths (the CLI leaves CORTEX_NET_E2E_*
variables alone: netconf reserves the prefix).
"""

from __future__ import annotations

import os
import signal

import pytest

from chaos import (PATH_BY_ID, PATHS, RUN_AGAIN, Cluster, converged, decoys_snapshot, decoys_touched, finish_cli,
                   plan, read_state, run_cli, seed_cluster, start_cli)
from support.awsproxy import is_read

pytestmark = pytest.mark.shared_region

MAX_K = int(os.environ.get("CORTEX_NET_E2E_CRASH_MAX_K", "5"))


def writes(proxy) -> list[str]:
    """The writes the emulator carried out, in order."""
    return [c.op for c in proxy.snapshot() if not is_read(c.op) and not c.faulted and 200 <= c.status < 300]


def crash_after(c: Cluster, proxy, k: int, command: str, env: dict):
    """Runs `command --yes`, SIGKILLed once its k-th write reached AWS (before the answer)."""
    holder: dict = {}

    def kill() -> None:
        p = holder["p"]
        os.kill(p.pid, signal.SIGKILL)
        holder["killed"] = True
        try:
            p.wait(timeout=30)  # dead before the answer goes out
        except Exception:  # noqa: BLE001 - reaped by the main thread meanwhile
            pass

    proxy.after_write(k, kill)
    holder["p"] = start_cli(c, command, "--yes", env=env)
    r = finish_cli(holder["p"])
    proxy.clear_faults()
    return r, holder.get("killed", False)


def rerun(c: Cluster, command: str, env: dict) -> list:
    runs = [run_cli(c, command, "--yes", env=env)]
    if command == "up" and runs[0].code == 1 and RUN_AGAIN in runs[0].stderr:
        runs.append(run_cli(c, command, "--yes", env=env))
    return runs


@pytest.mark.parametrize("path_id", [p.id for p in PATHS])
def test_crash_after_each_write_of_up_and_down(path_id, region, account, tmp_path, aws_proxy):
    path = PATH_BY_ID[path_id]
    c = seed_cluster(path, region, account, tmp_path / "ws")
    before = decoys_snapshot(c)
    proxy = aws_proxy(path.upstream, "gateway")
    env = c.env(proxy.url)

    # Count the writes of a clean up and a clean down.
    proxy.reset_calls()
    clean_up = run_cli(c, "up", "--yes", env=env)
    assert clean_up.code == 0, clean_up.describe()
    up_writes = writes(proxy)
    proxy.reset_calls()
    clean_down = run_cli(c, "down", "--yes", env=env)
    assert clean_down.code == 0, clean_down.describe()
    down_writes = writes(proxy)
    assert up_writes and down_writes, (up_writes, down_writes)
    assert read_state(c).empty()

    failures: list[str] = []
    ks = range(1, min(max(len(up_writes), len(down_writes)), MAX_K) + 1)
    for k in ks:
        # up, killed after its k-th write, then up again.
        if k <= len(up_writes):
            proxy.reset_calls()
            crashed, killed = crash_after(c, proxy, k, "up", env)
            if not killed:
                failures.append(f"up k={k}: the crash did not happen (exit {crashed.code}, writes {writes(proxy)})")
            runs = rerun(c, "up", env)
            state = read_state(c)
            problems = state.one_gateway_problems(path)
            p = plan(c)
            if runs[-1].code != 0:
                failures.append(f"up k={k} ({up_writes[k - 1]}): the re-run exited {runs[-1].code}\n"
                                f"{runs[-1].describe()}")
            elif problems:
                failures.append(f"up k={k} ({up_writes[k - 1]}): {problems} {state.summary()}")
            elif not converged(p):
                failures.append(f"up k={k} ({up_writes[k - 1]}): plan not empty: {p.changes or p.stderr[-500:]}")
        else:
            run_cli(c, "up", "--yes", env=env)
        # down from a converged gateway, killed after its k-th write, then down again.
        if read_state(c).one_gateway_problems(path):
            run_cli(c, "up", "--yes", env=env)
        if k <= len(down_writes):
            proxy.reset_calls()
            crashed, killed = crash_after(c, proxy, k, "down", env)
            if not killed:
                failures.append(f"down k={k}: the crash did not happen (exit {crashed.code}, "
                                f"writes {writes(proxy)})")
            again = run_cli(c, "down", "--yes", env=env)
            left = read_state(c)
            if again.code != 0:
                failures.append(f"down k={k} ({down_writes[k - 1]}): the re-run exited {again.code}\n"
                                f"{again.describe()}")
            elif not left.empty():
                failures.append(f"down k={k} ({down_writes[k - 1]}): owned resources left {left.summary()}")
        if not read_state(c).empty():
            run_cli(c, "down", "--yes", env=env)  # a clean start for the next k

    touched = decoys_touched(before, decoys_snapshot(c))
    if touched:
        failures.append(f"decoys touched: {touched}")
    summary = (f"{path.id}: up writes {up_writes}, down writes {down_writes}, crashed after k = 1..{max(ks)} "
               f"(CORTEX_NET_E2E_CRASH_MAX_K={MAX_K})")
    assert not failures, summary + "\n" + "\n\n".join(failures)
