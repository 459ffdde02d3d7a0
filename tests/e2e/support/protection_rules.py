"""AWS's behaviour around API protection (issue 10) where the emulators fall short, for
`support/awsproxy.py`: rules that refuse what AWS refuses, completions that make the emulator
hold what AWS holds, and operations moto does not implement, answered by the proxy. Each is
emulated because the emulator lacks it, and each has a test in `test_awsproxy_rules.py` that
fails the day the emulator stops lacking it.

Refusals (with the proxy's AWS rules on; recorded `faulted="aws-rule:<rule>"`):
- `usage-plan-stage-missing` (REST, LocalStack 4.13.1 accepts it): `CreateUsagePlan`, or
  `UpdateUsagePlan` adding `/apiStages`, naming a stage that does not exist: AWS answers 400
  BadRequestException "Invalid API Stage {api: ..., stage: ...} specified for usageplan ..."
  (aws/aws-cdk#6169: a plan created before its stage; aws/serverless-application-model#32).
- `usage-plan-in-use` (REST, LocalStack deletes it): `DeleteUsagePlan` while the plan lists a
  stage that exists: 400 BadRequestException "Cannot delete Usage Plan <id> because there are
  API Stages associated with it, including <api>:<stage>" (aws/aws-sdk-js#3841,
  serverless/serverless#4006). The stages are removed first with `UpdateUsagePlan`
  `remove /apiStages <api>:<stage>`.
- `cloudwatch-role-missing` (REST, LocalStack has a role set from the start and never checks):
  `UpdateStage` turning on access logging (`/accessLogSettings/...`) or execution logging
  (`.../logging/loglevel`) while the account has no `cloudwatchRoleArn`: 400
  BadRequestException "CloudWatch Logs role ARN must be set in account settings to enable
  logging" (Miserlou/Zappa#1946, anomalyco/sst#1556, aws-solutions/virtual-waiting-room-on-aws#74).

- `authorizer-invalid` (HTTP, moto accepts it): `CreateRoute`/`UpdateRoute` whose (resulting)
  authorization type is JWT or CUSTOM without an authorizer of the API: 400 BadRequestException
  "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or
  COGNITO_USER_POOLS requires a valid authorizer." (hashicorp/terraform-provider-aws#17497).
- `authorizer-in-use` (HTTP, moto deletes it): `DeleteAuthorizer` while a route names it: 409
  ConflictException "Cannot delete authorizer '<name>', is referenced in route: <route key>"
  (anomalyco/sst#5586, hashicorp/terraform-provider-aws#37732). Routes are moved off it first.

Completions (always on; the call reached the emulator and succeeded):
- `DeleteStage` (REST): AWS takes the deleted stage out of the usage plans that listed it
  (hashicorp/terraform-provider-aws#14100: recreating a stage "will remove downstream resources
  such as ... aws_api_gateway_usage_plan" associations); LocalStack keeps it listed. The proxy
  removes it upstream before forwarding the deletion (LocalStack refuses to remove a stage
  that is gone), and puts it back if the deletion fails (`emulated="stage-leaves-usage-plans"`). Not emulated for
  `DeleteRestApi`: what AWS does to the plans of a deleted API is not documented where we
  could cite it.
- `DeleteApiKey` (REST): LocalStack 4.13.1's own API stops listing a deleted key in its plans,
  but its invoke path still holds it and answers a request with the deleted key's value 500
  (AWS: 403). Before forwarding, the proxy takes the key out of its plans (DeleteUsagePlanKey),
  and puts it back if the deletion fails (`emulated="key-leaves-usage-plans"`).
- `PutRestApi` (REST): a method whose `security` names a scheme with
  `x-amazon-apigateway-authtype: awsSigv4` is AWS_IAM on AWS; LocalStack 4.13.1 keeps it NONE.
  The proxy sets `authorizationType` AWS_IAM upstream with `UpdateMethod`
  (`emulated="imported-sigv4"`), before the client gets its answer.

Operations moto 5.2.5 (apigatewayv2) does not implement (it answers HTML 500 or 404), answered
by the proxy from moto's own state (`emulated="moto:<operation>"`):
- `GetAuthorizers`: moto has `GetAuthorizer` but no list; the proxy remembers the authorizers
  created through any proxy of this process (`CreateAuthorizer` answers) and reads each.
- `UpdateStage`: the stage read, the request's fields merged as AWS merges them
  (`defaultRouteSettings` field by field, `routeSettings` route by route, the rest replaced),
  and written back with moto's `CreateStage`, which replaces a stage of that name.
- `DeleteRouteSettings`, `DeleteAccessLogSettings`: the same read and write back, without the
  route's settings or the access log settings.
"""

from __future__ import annotations

import json
import threading
from typing import Any
from urllib.parse import quote

# The authorizers created through any proxy of this process: (region, api id) -> ids.
_AUTHORIZERS: dict[tuple[str, str], set[str]] = {}
_AUTHORIZERS_LOCK = threading.Lock()

ROLE_MISSING = "CloudWatch Logs role ARN must be set in account settings to enable logging"


def _obj(data: bytes) -> dict:
    try:
        doc = json.loads(data or b"{}")
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _json_answer(status: int, doc: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = [("Content-Type", "application/json")]
    if status == 404:
        # As API Gateway names it: the SDKs read the error's type from this header.
        headers.append(("x-amzn-ErrorType", "NotFoundException"))
    return status, headers, json.dumps(doc).encode()


# ---------------------------------------------------------------------------
# Refusals (REST)
# ---------------------------------------------------------------------------

def rule_keys(req) -> list[tuple]:
    """Locks: every usage plan call, API key deletion, stage and API deletion and stage update
    of one account and region are checked and forwarded one at a time (a plan naming a stage
    being deleted)."""
    s, m = req.segs, req.method
    plans = (s[:1] == ["usageplans"] and m in ("POST", "PATCH", "DELETE")) or (
        len(s) == 2 and s[0] == "apikeys" and m == "DELETE")
    stage_change = len(s) >= 2 and s[0] == "restapis" and (
        (len(s) == 2 and m == "DELETE") or (len(s) == 4 and s[2] == "stages" and m in ("DELETE", "PATCH")))
    if plans or stage_change:
        return [("v1-usageplans", req.access_key or "", req.region or "")]
    return []


def _stage_exists(up, api: str, stage: str) -> bool:
    status, _ = up.request("GET", f"/restapis/{quote(api)}/stages/{quote(stage)}")
    return 200 <= status < 300


def _added_stages(req) -> list[tuple[str, str]]:
    """(api, stage) pairs a CreateUsagePlan or UpdateUsagePlan adds."""
    if req.method == "POST" and req.segs == ["usageplans"]:
        return [(str(st.get("apiId", "")), str(st.get("stage", "")))
                for st in req.json_body().get("apiStages") or [] if isinstance(st, dict)]
    if req.method == "PATCH" and len(req.segs) == 2 and req.segs[0] == "usageplans":
        out = []
        for patch in req.json_body().get("patchOperations") or []:
            if (isinstance(patch, dict) and patch.get("op") == "add" and patch.get("path") == "/apiStages"
                    and isinstance(patch.get("value"), str) and ":" in patch["value"]):
                api, stage = patch["value"].split(":", 1)
                out.append((api, stage))
        return out
    return []


def _enables_logging(req) -> bool:
    """Whether a REST UpdateStage turns access or execution logging on."""
    s = req.segs
    if not (req.method == "PATCH" and len(s) == 4 and s[0] == "restapis" and s[2] == "stages"):
        return False
    for patch in req.json_body().get("patchOperations") or []:
        if not isinstance(patch, dict) or patch.get("op") not in ("replace", "add"):
            continue
        path, value = str(patch.get("path", "")), str(patch.get("value") or "")
        if path.startswith("/accessLogSettings") and value:
            return True
        if path.endswith("/logging/loglevel") and value.upper() not in ("", "OFF"):
            return True
    return False


def check(req, up, refusal) -> None:
    """Raises `refusal(rule, status, type, message)` when AWS refuses this REST call."""
    s = req.segs
    for api, stage in _added_stages(req):
        if not api or not stage or not _stage_exists(up, api, stage):
            name = req.json_body().get("name") if req.method == "POST" else s[1]
            raise refusal("usage-plan-stage-missing", 400, "BadRequestException",
                          f"Invalid API Stage {{api: {api}, stage: {stage}}} specified for usageplan {name}")
    if req.method == "DELETE" and len(s) == 2 and s[0] == "usageplans":
        plan = up.get(f"/usageplans/{quote(s[1])}") or {}
        for st in plan.get("apiStages") or []:
            if isinstance(st, dict) and _stage_exists(up, str(st.get("apiId")), str(st.get("stage"))):
                raise refusal("usage-plan-in-use", 400, "BadRequestException",
                              f"Cannot delete Usage Plan {s[1]} because there are API Stages associated "
                              f"with it, including {st.get('apiId')}:{st.get('stage')}")
    if _enables_logging(req):
        account = up.get("/account") or {}
        if not account.get("cloudwatchRoleArn"):
            raise refusal("cloudwatch-role-missing", 400, "BadRequestException", ROLE_MISSING)


def check_v2(req, up, refusal) -> None:
    """Raises `refusal(...)` when AWS refuses this apigatewayv2 route or authorizer call."""
    s, m = req.segs[1:], req.method
    if len(s) < 3 or s[0] != "apis":
        return
    api = s[1]
    if s[2] == "routes" and ((m == "POST" and len(s) == 3) or (m == "PATCH" and len(s) == 4)):
        body = req.json_body()
        current: dict = {}
        if len(s) == 4 and ("authorizationType" not in body or "authorizerId" not in body):
            current = up.get(f"/v2/apis/{quote(api)}/routes/{quote(s[3])}") or {}  # what the update keeps
        kind = str(body.get("authorizationType") or current.get("authorizationType") or "NONE").upper()
        authorizer = body.get("authorizerId") if "authorizerId" in body else current.get("authorizerId")
        if kind in ("JWT", "CUSTOM") and (
                not isinstance(authorizer, str) or not authorizer
                or up.get(f"/v2/apis/{quote(api)}/authorizers/{quote(authorizer)}") is None):
            raise refusal("authorizer-invalid", 400, "BadRequestException",
                          "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or "
                          "COGNITO_USER_POOLS requires a valid authorizer.")
    elif s[2] == "authorizers" and m == "DELETE" and len(s) == 4:
        # A route counts when it is authorized by it (moto keeps a route's authorizerId after
        # its type went back to NONE; what AWS does with such a leftover is not known here).
        users = [r.get("routeKey") for r in up.items(f"/v2/apis/{quote(api)}/routes", v1=False)
                 if r.get("authorizerId") == s[3]
                 and str(r.get("authorizationType", "")).upper() in ("JWT", "CUSTOM")]
        if users:
            name = (up.get(f"/v2/apis/{quote(api)}/authorizers/{quote(s[3])}") or {}).get("name", s[3])
            raise refusal("authorizer-in-use", 409, "ConflictException",
                          f"Cannot delete authorizer '{name}', is referenced in route: {users[0]}")


# ---------------------------------------------------------------------------
# Completions after the emulator's 2xx (REST)
# ---------------------------------------------------------------------------

def prepare(req, up) -> list[tuple[str, str]]:
    """Before a REST DeleteStage is forwarded: the stage leaves the usage plans that list it, as
    on AWS (LocalStack refuses to remove a stage from a plan once the stage is gone, so this
    cannot wait for the answer). Returns the (plan id, "api:stage") removed, for `complete`.
    Before a DeleteApiKey: the key leaves its plans (`key_leaves_usage_plans`)."""
    s = req.segs
    if req.method == "DELETE" and len(s) == 2 and s[0] == "apikeys":
        return _key_leaves_usage_plans(up, s[1])
    if not (req.method == "DELETE" and len(s) == 4 and s[0] == "restapis" and s[2] == "stages"):
        return []
    removed = []
    for plan in up.items("/usageplans", v1=True):
        listed = any(isinstance(st, dict) and st.get("apiId") == s[1] and st.get("stage") == s[3]
                     for st in plan.get("apiStages") or [])
        if listed and isinstance(plan.get("id"), str):
            code, _ = up.request("PATCH", f"/usageplans/{quote(plan['id'])}",
                                 _stage_patch("remove", f"{s[1]}:{s[3]}"))
            if 200 <= code < 300:
                removed.append((plan["id"], f"{s[1]}:{s[3]}"))
    return removed


def _key_leaves_usage_plans(up, key: str) -> list[tuple[str, str]]:
    """LocalStack 4.13.1 deletes an API key but keeps it in its usage plans' invoke-time
    records (GetUsagePlanKeys no longer lists it), so a request with the deleted key's value is
    answered 500 instead of AWS's 403. Before the key is deleted, the proxy takes it out of the
    plans (DeleteUsagePlanKey upstream), which is what LocalStack's own API then shows."""
    removed = []
    for plan in up.items("/usageplans", v1=True):
        plan_id = plan.get("id")
        if not isinstance(plan_id, str):
            continue
        if any(k.get("id") == key for k in up.items(f"/usageplans/{quote(plan_id)}/keys", v1=True)):
            code, _ = up.request("DELETE", f"/usageplans/{quote(plan_id)}/keys/{quote(key)}")
            if 200 <= code < 300:
                removed.append((plan_id, f"key:{key}"))
    return removed


def _stage_patch(op: str, value: str) -> bytes:
    return json.dumps({"patchOperations": [{"op": op, "path": "/apiStages", "value": value}]}).encode()


def complete(req, up, status: int, data: bytes, prepared: list[tuple[str, str]]) -> str | None:
    """After a forwarded call: what AWS does beyond the emulator. Returns the emulation label
    when the proxy changed something upstream."""
    if not 200 <= status < 300:
        for plan, what in prepared:  # the stage or key stays: so does its place in the plans
            if what.startswith("key:"):
                body = json.dumps({"keyId": what[4:], "keyType": "API_KEY"}).encode()
                up.request("POST", f"/usageplans/{quote(plan)}/keys", body)
            else:
                up.request("PATCH", f"/usageplans/{quote(plan)}", _stage_patch("add", what))
        return None
    if prepared:
        return "key-leaves-usage-plans" if prepared[0][1].startswith("key:") else "stage-leaves-usage-plans"
    s = req.segs
    if req.method == "PUT" and len(s) == 2 and s[0] == "restapis":
        return _imported_sigv4(req, up, s[1])
    if s[:1] == ["v2"] and len(s) >= 3 and s[1] == "apis":
        _note_authorizer(req)
        note_created_authorizer(req, status, data)
    return None


def sigv4_methods(document: dict) -> list[tuple[str, str]]:
    """(path, METHOD) of the operations whose `security` names an awsSigv4 scheme (OpenAPI 3
    `components.securitySchemes` or Swagger 2 `securityDefinitions`)."""
    schemes = {**((document.get("components") or {}).get("securitySchemes") or {}),
               **(document.get("securityDefinitions") or {})}
    sigv4 = {name for name, scheme in schemes.items()
             if isinstance(scheme, dict) and str(scheme.get("x-amazon-apigateway-authtype", "")).lower() == "awssigv4"}
    out = []
    for path, item in (document.get("paths") or {}).items():
        for verb, operation in (item.items() if isinstance(item, dict) else ()):
            security = operation.get("security") if isinstance(operation, dict) else None
            if isinstance(security, list) and any(isinstance(req, dict) and sigv4 & set(req) for req in security):
                out.append((str(path), "ANY" if verb == "x-amazon-apigateway-any-method" else str(verb).upper()))
    return out


def _imported_sigv4(req, up, api: str) -> str | None:
    wanted = sigv4_methods(_obj(req.body))
    if not wanted:
        return None
    ids = {r.get("path"): r.get("id") for r in up.items(f"/restapis/{quote(api)}/resources", v1=True)}
    body = json.dumps({"patchOperations": [
        {"op": "replace", "path": "/authorizationType", "value": "AWS_IAM"}]}).encode()
    changed = False
    for path, verb in wanted:
        if isinstance(ids.get(path), str):
            code, _ = up.request("PATCH", f"/restapis/{quote(api)}/resources/{quote(ids[path])}/methods/{verb}", body)
            changed = changed or 200 <= code < 300
    return "imported-sigv4" if changed else None


# ---------------------------------------------------------------------------
# apigatewayv2 operations moto lacks
# ---------------------------------------------------------------------------

def _note_authorizer(req) -> None:
    """After a 2xx DeleteAuthorizer or DeleteApi: forget what is gone."""
    s, region = req.segs[1:], req.region or ""
    with _AUTHORIZERS_LOCK:
        if len(s) == 4 and s[2] == "authorizers" and req.method == "DELETE":
            _AUTHORIZERS.get((region, s[1]), set()).discard(s[3])
        elif len(s) == 2 and req.method == "DELETE":
            _AUTHORIZERS.pop((region, s[1]), None)


def note_created_authorizer(req, status: int, data: bytes) -> None:
    """After a 2xx CreateAuthorizer: remember its id for GetAuthorizers."""
    s = req.segs[1:] if req.segs[:1] == ["v2"] else []
    if 200 <= status < 300 and len(s) == 3 and s[0] == "apis" and s[2] == "authorizers" and req.method == "POST":
        authorizer = _obj(data).get("authorizerId")
        if isinstance(authorizer, str):
            with _AUTHORIZERS_LOCK:
                _AUTHORIZERS.setdefault((req.region or "", s[1]), set()).add(authorizer)


def answer(req, up) -> tuple[int, list[tuple[str, str]], bytes, str] | None:
    """The proxy's own answer to an apigatewayv2 operation moto lacks, else None (forward it)."""
    s = req.segs[1:] if req.segs[:1] == ["v2"] else []
    if len(s) < 3 or s[0] != "apis":
        return None
    api, m = s[1], req.method
    if s[2] == "authorizers" and len(s) == 3 and m == "GET":
        return (*_get_authorizers(req, up, api), "moto:GetAuthorizers")
    if s[2] != "stages" or len(s) < 4:
        return None
    stage = s[3]
    if len(s) == 4 and m == "PATCH":
        return (*_rewrite_stage(up, api, stage, lambda doc: _merge_stage(doc, req.json_body())),
                "moto:UpdateStage")
    if len(s) == 6 and s[4] == "routesettings" and m == "DELETE":
        route_key = s[5]

        def drop_route(doc: dict) -> dict:
            settings = dict(doc.get("routeSettings") or {})
            if route_key not in settings:
                raise LookupError(f"Unable to find route settings for route key {route_key}")
            settings.pop(route_key)
            return {**doc, "routeSettings": settings}
        return (*_rewrite_stage(up, api, stage, drop_route, empty=True), "moto:DeleteRouteSettings")
    if len(s) == 5 and s[4] == "accesslogsettings" and m == "DELETE":
        return (*_rewrite_stage(up, api, stage, lambda doc: {k: v for k, v in doc.items() if k != "accessLogSettings"},
                                empty=True), "moto:DeleteAccessLogSettings")
    return None


def _get_authorizers(req, up, api: str) -> tuple[int, list[tuple[str, str]], bytes]:
    if up.get(f"/v2/apis/{quote(api)}") is None:
        return _json_answer(404, {"message": f"Invalid API identifier specified {api}"})
    with _AUTHORIZERS_LOCK:
        ids = sorted(_AUTHORIZERS.get((req.region or "", api), set()))
    items = [doc for doc in (up.get(f"/v2/apis/{quote(api)}/authorizers/{quote(i)}") for i in ids) if doc]
    return _json_answer(200, {"items": items})


_STAGE_FIELDS = ("stageName", "accessLogSettings", "autoDeploy", "clientCertificateId", "defaultRouteSettings",
                 "deploymentId", "description", "routeSettings", "stageVariables", "tags")


def _merge_stage(doc: dict, patch: dict) -> dict:
    out = dict(doc)
    for key, value in patch.items():
        if key == "defaultRouteSettings" and isinstance(value, dict):
            out[key] = {**(doc.get(key) or {}), **value}
        elif key == "routeSettings" and isinstance(value, dict):
            merged = dict(doc.get(key) or {})
            for route, settings in value.items():
                merged[route] = {**(merged.get(route) or {}), **(settings or {})}
            out[key] = merged
        elif key != "stageName":
            out[key] = value
    return out


def _rewrite_stage(up, api: str, stage: str, change, *, empty: bool = False):
    """Reads the stage, applies `change`, writes it back with CreateStage (moto replaces a stage
    of that name). The stage's answer, or AWS's error when it is not found."""
    current = up.get(f"/v2/apis/{quote(api)}/stages/{quote(stage, safe='')}")
    if current is None:
        return _json_answer(404, {"message": f"Invalid stage identifier specified {stage}"})
    try:
        wanted = change(current)
    except LookupError as e:
        return _json_answer(404, {"message": str(e)})
    body = json.dumps({k: v for k, v in wanted.items() if k in _STAGE_FIELDS and v is not None}).encode()
    status, data = up.request("POST", f"/v2/apis/{quote(api)}/stages", body)
    if not 200 <= status < 300:
        return status, [("Content-Type", "application/json")], data
    if empty:
        return 204, [], b""
    return 200, [("Content-Type", "application/json")], data
