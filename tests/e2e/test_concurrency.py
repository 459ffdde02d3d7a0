"""Concurrent runs for one cluster (issue 7): one gateway, whoever wins.

- 2 and 4 `up --yes` runs started together, per path (HTTP internet-facing, HTTP internal with a
  VPC link v2, REST internet-facing, REST internal with a VPC link v1). Afterwards there is
  exactly one owned API, one VPC link (internal) and one stage, no unrouted integration; each run
  exited 0 or exited 1 saying "run `cortex-net up` again"; a fault-free `plan` is empty; `down`
  then leaves nothing owned.
- `up` racing `down`: `down` of a converged gateway with an `up` started the moment `down`'s
  first write reached AWS, and `up` of a new gateway with a `down` started at `up`'s first write.
  Afterwards AWS holds either nothing owned or one consistent gateway (and then `plan` is empty);
  then `up` and `down` leave nothing owned, and the decoys are untouched.

All runs go through one proxy per emulator, with AWS's conflict rules (a second route with the
same key or a second stage with the same name is a ConflictException; deleting a VPC link or an
integration still referenced is a BadRequestException).

Repetitions per case: CORTEX_NET_E2E_CONCURRENCY_REPS (default 1 for CI; the note's numbers come from
10, e.g. `CORTEX_NET_E2E_CONCURRENCY_REPS=10 cargo xtask e2e -- -k concurrency`).
"""

from __future__ import annotations

import os

import pytest

from chaos import (PATH_BY_ID, PATHS, RUN_AGAIN, converged, decoys_snapshot, decoys_touched, finish_cli, plan,
                   read_state, run_cli, seed_cluster, start_cli)

pytestmark = pytest.mark.shared_region

REPS = int(os.environ.get("CORTEX_NET_E2E_CONCURRENCY_REPS", "1"))


def acceptable(r) -> bool:
    """Exit 0, or exit 1 saying another run changed the cluster and to run `up` again."""
    return r.code == 0 or (r.code == 1 and RUN_AGAIN in r.stderr)


def _one_gateway_failures(c, path, label: str) -> list[str]:
    out = []
    state = read_state(c)
    problems = state.one_gateway_problems(path)
    if problems:
        out.append(f"{label}: {problems} {state.summary()}")
    p = plan(c)
    if not converged(p):
        out.append(f"{label}: fault-free plan not empty: {p.changes if p.code == 0 else p.stderr[-600:]}")
    return out


def _reported_the_survivor(c, results, label: str) -> list[str]:
    """A run that exited 0 printed the gateway that survived, never one that was deleted."""
    survivors = {a.id for a in read_state(c).apis}
    out = []
    for i, r in enumerate(results):
        if r.code != 0:
            continue
        gateway = (r.json or {}).get("gateway") or {}
        if gateway.get("id") not in survivors:
            out.append(f"{label}: run {i} exited 0 printing gateway {gateway.get('id')!r}, "
                       f"but the surviving API is {sorted(survivors)}")
    return out


def _down_clean(c, env, label: str) -> list[str]:
    d = run_cli(c, "down", "--yes", env=env)
    left = read_state(c)
    if d.code != 0:
        return [f"{label}: down exited {d.code}\n{d.describe()}"]
    if not left.empty():
        return [f"{label}: down left owned resources {left.summary()}"]
    return []


@pytest.mark.parametrize("runs", [2, 4])
@pytest.mark.parametrize("path_id", [p.id for p in PATHS])
def test_simultaneous_ups_make_one_gateway(path_id, runs, region, account, tmp_path, aws_proxy):
    path = PATH_BY_ID[path_id]
    failures: list[str] = []
    for rep in range(REPS):
        label = f"{path.id} x{runs} rep {rep}"
        c = seed_cluster(path, region, account, tmp_path / f"ws{rep}", decoys=rep == 0)
        before = decoys_snapshot(c)
        proxy = aws_proxy(path.upstream, f"gateway{rep}")
        env = c.env(proxy.url)
        procs = [start_cli(c, "up", "--yes", env=env) for _ in range(runs)]
        results = [finish_cli(p) for p in procs]
        for i, r in enumerate(results):
            if not acceptable(r):
                failures.append(f"{label}: run {i} exited {r.code} without saying `{RUN_AGAIN}`\n{r.describe()}")
        codes = [r.code for r in results]
        failures += _one_gateway_failures(c, path, f"{label} (exits {codes})")
        failures += _reported_the_survivor(c, results, label)
        failures += _down_clean(c, env, label)
        touched = decoys_touched(before, decoys_snapshot(c))
        if touched:
            failures.append(f"{label}: decoys touched {touched}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("first", ["down", "up"])
@pytest.mark.parametrize("path_id", [p.id for p in PATHS])
def test_up_racing_down(path_id, first, region, account, tmp_path, aws_proxy):
    """`first` starts; the other command starts the moment `first`'s first write reached AWS."""
    path = PATH_BY_ID[path_id]
    second = "up" if first == "down" else "down"
    failures: list[str] = []
    for rep in range(REPS):
        label = f"{path.id} {first} then {second} rep {rep}"
        c = seed_cluster(path, region, account, tmp_path / f"ws{rep}", decoys=rep == 0)
        before = decoys_snapshot(c)
        proxy = aws_proxy(path.upstream, f"gateway{rep}")
        env = c.env(proxy.url)
        if first == "down":
            ready = run_cli(c, "up", "--yes", env=env)
            assert ready.code == 0, ready.describe()
        started: dict = {}

        def start_second() -> None:
            started["p"] = start_cli(c, second, "--yes", env=env)

        proxy.after_write(1, start_second)
        p1 = start_cli(c, first, "--yes", env=env)
        r1 = finish_cli(p1)
        r2 = finish_cli(started["p"]) if "p" in started else None
        proxy.clear_faults()
        if r2 is None:
            failures.append(f"{label}: {first} made no write, the race did not happen\n{r1.describe()}")
            continue
        by_cmd = {first: r1, second: r2}
        if by_cmd["up"].code not in (0, 1) or (by_cmd["up"].code == 1 and RUN_AGAIN not in by_cmd["up"].stderr):
            failures.append(f"{label}: up exited {by_cmd['up'].code} without saying `{RUN_AGAIN}`\n"
                            f"{by_cmd['up'].describe()}")
        if by_cmd["down"].code not in (0, 1) or "panicked" in by_cmd["down"].stderr:
            failures.append(f"{label}: down exited {by_cmd['down'].code}\n{by_cmd['down'].describe()}")
        state = read_state(c)
        if not state.empty():  # then it must be one consistent gateway
            failures += _one_gateway_failures(c, path, f"{label} (exits up {by_cmd['up'].code}, "
                                                       f"down {by_cmd['down'].code}), neither empty nor")
        # Whatever was left, up then down end with nothing owned.
        u = run_cli(c, "up", "--yes", env=env)
        if u.code != 0:
            failures.append(f"{label}: the following up exited {u.code}\n{u.describe()}")
        else:
            failures += _one_gateway_failures(c, path, f"{label}, following up")
        failures += _down_clean(c, env, label)
        touched = decoys_touched(before, decoys_snapshot(c))
        if touched:
            failures.append(f"{label}: decoys touched {touched}")
    assert not failures, "\n\n".join(failures)
