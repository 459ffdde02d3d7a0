"""Names that LocalStack must resolve to a local backend.

`cargo xtask emulator up` runs LocalStack in a private mount namespace whose /etc/hosts is a
bind mount of `.emulators/hosts` (path in CORTEX_NET_HOSTS_FILE). LocalStack's REST invoke
proxying connects to the integration URI's host, a load balancer DNS name from moto that does
not resolve; appending `127.0.0.1 <name>` to that file makes it reach a backend on this machine.
glibc reads the hosts file on every lookup, so the line works at once. The file is appended to in
place (a new inode would not be seen through the bind mount), under an exclusive flock, since
tests (and pytest-xdist workers) append concurrently.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


def hosts_file() -> Path:
    path = os.environ.get("CORTEX_NET_HOSTS_FILE")
    if not path:
        raise AssertionError(
            "CORTEX_NET_HOSTS_FILE is not set: run the suite through `cargo xtask e2e`, or "
            "`. .emulators/env` after `cargo xtask emulator up` (LocalStack must run in the "
            "namespace whose /etc/hosts is that file)")
    p = Path(path)
    if not p.is_file():
        raise AssertionError(f"CORTEX_NET_HOSTS_FILE={path} does not exist; restart the emulators "
                             "with `cargo xtask emulator down` and `cargo xtask emulator up`")
    return p


def map_host(name: str, address: str = "127.0.0.1") -> None:
    """Makes `name` resolve to `address` inside LocalStack's namespace (idempotent)."""
    name = name.strip().rstrip(".").lower()
    assert name and " " not in name, name
    path = hosts_file()
    with open(path, "r+", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            for line in f.read().splitlines():
                fields = line.split("#", 1)[0].split()
                if len(fields) >= 2 and fields[0] == address and name in (x.lower() for x in fields[1:]):
                    return
            f.seek(0, os.SEEK_END)
            f.write(f"{address} {name}\n")
            f.flush()
            os.fsync(f.fileno())
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
