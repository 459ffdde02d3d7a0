"""The local AWS in front of the emulators, for runs of the CLI outside the e2e suite
(`cargo xtask demo`): the suite's session proxies, standalone. One proxy in front of moto answers
the apigatewayv2 operations moto lacks (GetAuthorizers, UpdateStage, ...) and enforces AWS's
rules; one in front of LocalStack completes imported REST integrations and stores
`integrationTarget` as AWS does (see awsproxy.py's docstring for each gap).

Prints `MOTO http://127.0.0.1:PORT` and `LOCALSTACK http://127.0.0.1:PORT`, then runs until
SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support.awsproxy import AwsProxy  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="front.py", description=__doc__.splitlines()[0])
    ap.add_argument("--moto", required=True, help="moto, http://host:port")
    ap.add_argument("--localstack", required=True, help="LocalStack, http://host:port")
    args = ap.parse_args(argv)
    moto = AwsProxy(args.moto, name="moto", v1_upstream=args.localstack)
    localstack = AwsProxy(args.localstack, name="localstack")
    localstack.emulate_integration_target_storage(shared=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"MOTO {moto.url}\nLOCALSTACK {localstack.url}", flush=True)
    while not stop.wait(0.5):
        pass
    moto.stop()
    localstack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
