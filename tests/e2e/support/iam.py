"""The IAM policy `cortex-net iam-policy` prints, evaluated as IAM does (Allow statements only,
which is all it has), and the action and resource each recorded AWS call needs.

Used by test_iam_policy.py and by conftest's `run_cli`, which checks every CLI run of the suite
against the policy printed for that run's configuration."""

from __future__ import annotations

import fnmatch
import json
from urllib.parse import urlsplit


def as_list(value) -> list[str]:
    return value if isinstance(value, list) else [value]


def iam_match(pattern: str, value: str, *, case: bool) -> bool:
    """IAM wildcards: `*` any characters (`/` included), `?` one."""
    pattern = pattern.replace("[", "[[]")
    return fnmatch.fnmatchcase(value, pattern) if case else \
        fnmatch.fnmatchcase(value.lower(), pattern.lower())


def conditions_hold(statement: dict, region: str) -> bool:
    for operator, pairs in (statement.get("Condition") or {}).items():
        for key, expected in pairs.items():
            if key == "aws:RequestedRegion" and operator == "StringEquals":
                if region not in as_list(expected):
                    return False
            elif key.startswith("iam:"):
                continue  # not asked about here
            else:
                return False
    return True


def allowed(policy: dict, action: str, resource: str | None, region: str) -> bool:
    """Whether `action` on `resource` (None: whichever resource) in `region` is allowed."""
    for st in policy["Statement"]:
        if st.get("Effect") != "Allow":
            continue
        if not any(iam_match(a, action, case=False) for a in as_list(st["Action"])):
            continue
        if resource is not None and not any(iam_match(r, resource, case=True) for r in as_list(st["Resource"])):
            continue
        if conditions_hold(st, region):
            return True
    return False


def required(call, region: str) -> tuple[str, str | None]:
    """(IAM action, resource ARN) a recorded call needs."""
    path = urlsplit(call.path).path
    service = getattr(call, "service", None)
    if service is None:  # a proxy without SigV4 parsing: tell by the protocol
        service = "elasticloadbalancing" if call.method == "POST" and path in ("", "/") else "apigateway"
    if service == "apigateway":
        if path.startswith("/v2/"):
            path = path[3:]
        return f"apigateway:{call.method}", f"arn:aws:apigateway:{region}::{path}"
    if service == "acm":
        arn = None
        try:
            arn = json.loads(call.response or b"{}").get("Certificate", {}).get("CertificateArn")
        except ValueError:
            pass
        return f"acm:{call.op}", arn
    return f"{service}:{call.op}", "*"
