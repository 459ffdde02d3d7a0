"""A small process that starts the benchmark's commands and reports their peak RSS.

Why a process of its own: Linux counts, in a child's `ru_maxrss`, the memory of the process it
was started from (Python starts children with vfork, and exec keeps the larger of the old and
the new high-water mark). Started from the benchmark's own process, which holds the proxies and
their records, every command would show that process's size. Started from this one, which stays
small, the figure is the command's own whenever the command is bigger than this process (its
own peak, `floor_mib` in every answer, is the smallest figure that can be measured; a child
started with vfork counts the memory of the process it was started from, not of that one's
parent).

Protocol: one JSON request per line on stdin, `{"id", "cmd", "env", "cwd", "timeout"}`; one JSON
answer per line on stdout, `{"id", "code", "wall", "rss_mib", "floor_mib", "stdout", "stderr"}`.
Requests run concurrently (a thread each). bench/bench.py's `Spawner` is the client.
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time

_OUT = threading.Lock()


def _own_peak_mib() -> float:
    """This process's memory high-water mark (VmHWM: of its own memory, unlike its ru_maxrss,
    which holds the process it was started from): what a child's figure can never go below."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _run(req: dict) -> dict:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        p = subprocess.Popen(req["cmd"], stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=req["env"],
                             cwd=req.get("cwd"))
        timer = threading.Timer(float(req.get("timeout") or 3600), p.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - started
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {"code": p.returncode, "wall": wall, "rss_mib": usage.ru_maxrss / 1024.0,
                "floor_mib": _own_peak_mib(),
                "stdout": out.read().decode("utf-8", "replace"), "stderr": err.read().decode("utf-8", "replace")}


def _handle(req: dict) -> None:
    try:
        answer = _run(req)
    except Exception as e:  # noqa: BLE001 - the client must get an answer
        answer = {"code": 127, "wall": 0.0, "rss_mib": 0.0, "floor_mib": 0.0, "stdout": "",
                  "stderr": f"spawner: {type(e).__name__}: {e}"}
    answer["id"] = req["id"]
    with _OUT:
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


def main() -> None:
    for line in sys.stdin:
        if line.strip():
            threading.Thread(target=_handle, args=(json.loads(line),), daemon=True).start()


if __name__ == "__main__":
    main()
