"""The tags of apigatewayv2 custom domain names, for `support/awsproxy.py`: AWS tags a domain
name by its ARN (`arn:aws:apigateway:<region>::/domainnames/<name>`) with `TagResource`,
`UntagResource` and `GetTags`, and reports the tags in `GetDomainName`/`GetDomainNames`. moto
5.2.5 keeps the tags given to `CreateDomainName` but answers 404 (an HTML page: its URL rules do
not route that ARN) to the three tag operations on a domain name's ARN, so a domain name made by
hand cannot be tagged afterwards, which is what `cortex-net adopt` does.

Emulated (always on, `emulated="moto:<operation>"`): the proxy answers the three operations for a
domain name's ARN itself and keeps, per account (the access key, as moto keys accounts), region
and domain name, what they changed: the tags added and the keys removed. The smallest faithful
emulation: moto's own state keeps the domain name, its mappings and its create-time tags; the
proxy adds its changes on top of moto's tags in the answers of `GetTags`, `GetDomainName` and
`GetDomainNames` (recorded `emulated="moto:domain-tags"` when it changed an answer). A domain
name moto does not have is answered 404 NotFoundException, as AWS does; a 2xx
`DeleteDomainName` forgets the changes, so a new domain of the same name starts with its own
create-time tags only. (Re-creating the domain name in moto with the tags instead would drop
its mappings, which AWS's `TagResource` does not.)

The store is process-wide (every proxy of the suite's process shares it), so a chain of proxies
merges the same changes once or twice, to the same result. `test_awsproxy_rules.py` fails the
day moto routes these operations itself.
"""

from __future__ import annotations

import json
import threading
from urllib.parse import parse_qs, quote, unquote, urlsplit

_PREFIX = "/v2/tags/"
_MARK = "::/domainnames/"

# (access key, region, domain name) -> {key: value, or None for a key removed}
_CHANGES: dict[tuple[str, str, str], dict[str, str | None]] = {}
_LOCK = threading.Lock()


def _domain_of_arn(path: str) -> str | None:
    """The domain name a `/v2/tags/{arn}` request names, None for any other resource."""
    raw = urlsplit(path).path
    if not raw.startswith(_PREFIX):
        return None
    arn = unquote(raw[len(_PREFIX):])
    if not arn.startswith("arn:") or _MARK not in arn:
        return None
    name = arn.split(_MARK, 1)[1]
    return name if name and "/" not in name else None


def _key(req, name: str) -> tuple[str, str, str]:
    return (req.access_key or "", req.region or "", name)


def _answer(status: int, doc: dict | None, error: str | None = None):
    headers = [("Content-Type", "application/json")]
    if error:
        headers.append(("x-amzn-ErrorType", error))
    return status, headers, (json.dumps(doc).encode() if doc is not None else b"")


def _merged(moto_tags: dict | None, changes: dict[str, str | None]) -> dict[str, str]:
    tags = dict(moto_tags or {})
    for key, value in changes.items():
        if value is None:
            tags.pop(key, None)
        else:
            tags[key] = value
    return tags


def answer(req, up):
    """The proxy's answer to TagResource/UntagResource/GetTags on a domain name's ARN (as
    `(status, headers, body, emulated)`), else None (forward the call)."""
    name = _domain_of_arn(req.path)
    if name is None or req.segs[:1] != ["v2"]:
        return None
    op = {"GET": "GetTags", "POST": "TagResource", "DELETE": "UntagResource"}.get(req.method)
    if op is None:
        return None
    domain = up.get(f"/v2/domainnames/{quote(name, safe='')}")
    if domain is None:
        message = f"Unable to find DomainName {name}"
        return (*_answer(404, {"message": message}, "NotFoundException"), f"moto:{op}")
    key = _key(req, name)
    with _LOCK:
        changes = _CHANGES.setdefault(key, {})
        if op == "TagResource":
            tags = req.json_body().get("tags")
            if not isinstance(tags, dict):
                return (*_answer(400, {"message": "Invalid tags"}, "BadRequestException"), f"moto:{op}")
            changes.update({str(k): str(v) for k, v in tags.items()})
            return (*_answer(201, {}), f"moto:{op}")
        if op == "UntagResource":
            for tag_key in parse_qs(urlsplit(req.path).query).get("tagKeys", []):
                changes[tag_key] = None
            return (*_answer(204, None), f"moto:{op}")
        tags = _merged(domain.get("tags"), changes)
    return (*_answer(200, {"tags": tags}), f"moto:{op}")


def complete(req, status: int, data: bytes) -> tuple[bytes, str | None]:
    """After a forwarded call: GetDomainName(s) answers with the proxy's changes merged into
    each domain's `tags`; a deleted domain name's changes forgotten. Returns the answer and the
    emulation label when the answer changed."""
    s = req.segs
    if s[:2] != ["v2", "domainnames"] or not 200 <= status < 300:
        return data, None
    if req.method == "DELETE" and len(s) == 3:
        with _LOCK:
            _CHANGES.pop(_key(req, s[2]), None)
        return data, None
    if req.method != "GET" or len(s) not in (2, 3):
        return data, None
    try:
        doc = json.loads(data or b"{}")
    except ValueError:
        return data, None
    if not isinstance(doc, dict):
        return data, None
    domains = [doc] if len(s) == 3 else [d for d in doc.get("items") or [] if isinstance(d, dict)]
    changed = False
    with _LOCK:
        for domain in domains:
            changes = _CHANGES.get(_key(req, str(domain.get("domainName", ""))))
            if changes:
                domain["tags"] = _merged(domain.get("tags"), changes)
                changed = True
    if not changed:
        return data, None
    return json.dumps(doc).encode(), "moto:domain-tags"
