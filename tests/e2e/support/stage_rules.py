"""AWS's removal of one REST method setting, for `support/awsproxy.py`, where LocalStack 4.13.1
falls short (`emulated="stage-method-setting-removed"`; its test is in `test_awsproxy_rules.py`,
and fails the day LocalStack does it itself).

On AWS, `UpdateStage` with `{"op": "remove", "path": "/<resource path>/<METHOD>"}` (the resource
path's slashes escaped as `~1`, as in `/~1iris/ANY`) removes that method's whole entry from the
stage's `methodSettings`, after which the method inherits the stage's `*/*` settings again
(Patch Operations, https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html: the
path is a JSON Pointer into the stage; `methodSettings` is keyed `<resource path>/<METHOD>`).
LocalStack 4.13.1 removes only `/*/*` that way: any other such path is refused, 400 "Invalid
method setting path", and no other path it accepts removes an entry (`remove
/~1iris/ANY/throttling/rateLimit` is accepted and changes nothing). And after `remove /*/*` it
answers at once, dropping the patch's other operations (AWS applies them all); a patch with
`remove /*/*` alone is left to LocalStack.

So the proxy answers such a PATCH itself, from LocalStack's state: the request's other
operations are forwarded first as one PATCH (AWS applies a patch whole: if they are refused,
nothing is removed), then the stage is made again without the removed entries: read, deleted,
created with the same deployment, description, variables, tags, tracing and cache settings, and
its remaining method settings and access log patched back in. LocalStack keeps a deleted stage
in the usage plans that list it, so the plans still list the stage made again. The answer is
the stage as LocalStack then holds it; a removal of an entry the stage does not have is
refused as AWS refuses it (400 "Cannot remove method setting ... because there is no method
setting for this method").
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

LABEL = "stage-method-setting-removed"

# `/<resource path>/<METHOD>` (two segments, the resource path with `~1` for its slashes).
_METHOD_SETTING = re.compile(r"^/([^/]+)/([^/]+)$")

# A method setting's fields and the patch paths that set them (after `/<resource>/<METHOD>`).
_SETTING_PATHS = {
    "metricsEnabled": "metrics/enabled",
    "loggingLevel": "logging/loglevel",
    "dataTraceEnabled": "logging/dataTrace",
    "throttlingBurstLimit": "throttling/burstLimit",
    "throttlingRateLimit": "throttling/rateLimit",
    "cachingEnabled": "caching/enabled",
    "cacheTtlInSeconds": "caching/ttlInSeconds",
    "cacheDataEncrypted": "caching/dataEncrypted",
    "requireAuthorizationForCacheControl": "caching/requireAuthorizationForCacheControl",
    "unauthorizedCacheControlHeaderStrategy": "caching/unauthorizedCacheControlHeaderStrategy",
}

# What CreateStage takes back from a stage as GetStage shows it.
_CREATE_FIELDS = ("description", "cacheClusterEnabled", "cacheClusterSize", "variables", "tags",
                  "tracingEnabled")


def _answer(status: int, doc: Any) -> tuple[int, list[tuple[str, str]], bytes, str]:
    return status, [("Content-Type", "application/json")], json.dumps(doc).encode(), LABEL


def _error(status: int, error_type: str, message: str) -> tuple[int, list[tuple[str, str]], bytes, str]:
    return (status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", error_type)],
            json.dumps({"message": message}).encode(), LABEL)


def removed_method_settings(req) -> list[str]:
    """The method settings (`~1iris/ANY`, `*/*`) a REST UpdateStage removes whole; empty for any
    other request, and for a patch that only removes `*/*` (which LocalStack does right)."""
    s = req.segs
    if not (req.method == "PATCH" and len(s) == 4 and s[0] == "restapis" and s[2] == "stages"):
        return []
    ops = req.json_body().get("patchOperations") or []
    found = []
    for op in ops:
        if not isinstance(op, dict) or op.get("op") != "remove":
            continue
        match = _METHOD_SETTING.match(str(op.get("path") or ""))
        if match:
            found.append(f"{match.group(1)}/{match.group(2)}")
    return [] if found == ["*/*"] and len(ops) == 1 else found


def answer(req, up) -> tuple[int, list[tuple[str, str]], bytes, str] | None:
    """The proxy's answer to a REST UpdateStage that removes a method setting (but `*/*` alone),
    else None (forward it)."""
    removed = removed_method_settings(req)
    if not removed:
        return None
    api, stage = req.segs[1], req.segs[3]
    stage_path = f"/restapis/{quote(api)}/stages/{quote(stage, safe='')}"
    current = up.get(stage_path)
    if current is None:
        return _error(404, "NotFoundException", "Invalid Stage identifier specified")
    settings = current.get("methodSettings") or {}
    for key in removed:
        if key not in settings:
            return _error(400, "BadRequestException",
                          f"Cannot remove method setting {key} because there is no method setting for this method ")
    others = [op for op in req.json_body().get("patchOperations") or []
              if not (isinstance(op, dict) and op.get("op") == "remove"
                      and str(op.get("path") or "").lstrip("/") in removed)]
    if others:
        status, data = up.request("PATCH", stage_path, json.dumps({"patchOperations": others}).encode())
        if not 200 <= status < 300:
            return status, [("Content-Type", "application/json")], data, LABEL
        current = up.get(stage_path) or current
    return _remake(up, api, current, removed)


def _remake(up, api: str, current: dict, removed: list[str]):
    """Deletes the stage and makes it again as `current` without the `removed` method settings."""
    stage_path = f"/restapis/{quote(api)}/stages/{quote(current['stageName'], safe='')}"
    create = {"stageName": current["stageName"], "deploymentId": current.get("deploymentId")}
    create.update({k: current[k] for k in _CREATE_FIELDS if current.get(k) not in (None, {})})
    patch = []
    for key, setting in (current.get("methodSettings") or {}).items():
        if key in removed:
            continue
        patch += [{"op": "replace", "path": f"/{key}/{path}", "value": str(setting[field]).lower()
                   if isinstance(setting[field], bool) else str(setting[field])}
                  for field, path in _SETTING_PATHS.items() if field in setting]
    log = current.get("accessLogSettings") or {}
    patch += [{"op": "replace", "path": f"/accessLogSettings/{k}", "value": log[k]}
              for k in ("destinationArn", "format") if log.get(k)]
    status, data = up.request("DELETE", stage_path)
    if not 200 <= status < 300:
        return status, [("Content-Type", "application/json")], data, LABEL
    status, data = up.request("POST", f"/restapis/{quote(api)}/stages", json.dumps(create).encode())
    if not 200 <= status < 300:
        return status, [("Content-Type", "application/json")], data, LABEL
    if patch:
        status, data = up.request("PATCH", stage_path, json.dumps({"patchOperations": patch}).encode())
        if not 200 <= status < 300:
            return status, [("Content-Type", "application/json")], data, LABEL
    return _answer(200, up.get(stage_path) or {})
