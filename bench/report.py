"""The benchmark's report (bench/bench.py): ratios to the baselines, the issue's targets with the
measured value and met / not met, the Markdown tables and a hand-written SVG plot (no plotting
library, no script: any browser shows it)."""

from __future__ import annotations

import math
from typing import Any
from xml.sax.saxutils import escape

STEP_TITLES = {"up": "`up` from scratch", "up_converged": "converged `up`", "plan": "`plan` (converged)",
               "down": "`down`"}


def find(report: dict, kind: str, scheme: str, n: int, latency_ms: float) -> dict | None:
    for s in report["scenarios"]:
        if (s["kind"], s["scheme"], s["n"], s["latency_ms"]) == (kind, scheme, n, latency_ms):
            return s
    return None


def ratios(report: dict) -> list[dict[str, Any]]:
    """cortex-net / baseline per comparable scenario (HTTP API, internet-facing, same N and
    latency): `up` from scratch against the baseline's create, `down` against its delete."""
    out = []
    for b in report["baselines"]:
        s = find(report, "http", "internet-facing", b["n"], b["latency_ms"])
        if s is None or not b.get("up_s") or "up" not in s["steps"]:
            continue
        up, down = s["steps"]["up"]["wall_s"], s["steps"]["down"]["wall_s"]
        out.append({"tool": b["tool"], "n": b["n"], "latency_ms": b["latency_ms"],
                    "cortex_up_s": up, "baseline_up_s": b["up_s"], "up_ratio": round(up / b["up_s"], 4),
                    "up_speedup": round(b["up_s"] / up, 2) if up else None,
                    "cortex_down_s": down, "baseline_down_s": b["down_s"],
                    "down_ratio": round(down / b["down_s"], 4) if b.get("down_s") else None})
    return out


def _target(text: str, measured: str | None, met: bool | None) -> dict[str, Any]:
    return {"target": text, "measured": measured if measured is not None else "not measured in this run",
            "met": met}


def _all(values: list[bool]) -> bool | None:
    return all(values) if values else None


def targets(report: dict) -> list[dict[str, Any]]:
    """Each target of issue 9 with the value measured here (None: not measured in this run)."""
    cfg = report["config"]
    lat = cfg["latency_ms"]
    out = []
    # 1. Converged `up` and `plan`, 1 API, internet-facing: at most 6 reads.
    parts, oks = [], []
    for kind in cfg["kinds"]:
        s = find(report, kind, "internet-facing", 1, lat)
        if s:
            for step in ("up_converged", "plan"):
                reads = s["steps"][step]["reads"]
                parts.append(f"{kind} {step.replace('_', ' ')}: {reads} reads")
                oks.append(reads <= 6)
    out.append(_target("converged `up` and `plan`, 1 API, internet-facing: at most 6 reads",
                       "; ".join(parts) or None, _all(oks)))
    # 2. `down`: at most 4 writes for any N.
    parts, oks = [], []
    for kind in cfg["kinds"]:
        downs = [(s["steps"]["down"]["writes"], s["n"], s["scheme"]) for s in report["scenarios"]
                 if s["kind"] == kind and "down" in s["steps"]]
        if downs:
            worst = max(downs)
            parts.append(f"{kind}: up to {worst[0]} writes (N={worst[1]}, {worst[2]})")
            oks.append(worst[0] <= 4)
    out.append(_target("`down`: at most 4 writes for any N", "; ".join(parts) or None, _all(oks)))
    # 3. `up` N=100 at 50 ms: HTTP <= 15 s, REST <= 10 s; N=10 <= 2 s.
    for n, limits in ((100, {"http": 15.0, "rest": 10.0}), (10, {"http": 2.0, "rest": 2.0})):
        for kind in ("http", "rest"):
            s = find(report, kind, "internet-facing", n, 50.0)
            wall = s["steps"]["up"]["wall_s"] if s else None
            ok = None if s is None else (wall <= limits[kind] and s["steps"]["up"]["failures"] == 0)
            out.append(_target(f"`up` {kind.upper()} N={n}, internet-facing, 50 ms a call: at most {limits[kind]:g} s",
                               None if s is None else f"{wall:.1f} s ({s['steps']['up']['throttled']} 429s)", ok))
    # 4. N=500: no command failing on 429.
    big = [s for s in report["scenarios"] if s["n"] == 500]
    if big:
        on_429 = [f"{s['id']} {st}" for s in big for st, v in s["steps"].items() if v["failed_on_429"]]
        other = [f"{s['id']} {st}" for s in big for st, v in s["steps"].items() if v["failures"] and not v["failed_on_429"]]
        throttled = sum(v["throttled"] for s in big for v in s["steps"].values())
        text = (f"{len(on_429)} commands failed on 429 ({', '.join(on_429) or 'none'}); {throttled} 429s received"
                + (f"; other failures: {', '.join(other)}" if other else ""))
        out.append(_target("N=500: no command fails on 429", text, not on_429))
    else:
        out.append(_target("N=500: no command fails on 429", None, None))
    # 5. Internal, VPC link PENDING 60 s: `up` within 65 s.
    parts, oks = [], []
    for kind in cfg["kinds"]:
        for s in sorted((s for s in report["scenarios"] if s["kind"] == kind and s["scheme"] == "internal"
                         and s["latency_ms"] == lat), key=lambda s: s["n"]):
            wall = s["steps"]["up"]["wall_s"]
            parts.append(f"{kind} N={s['n']}: {wall:.1f} s")
            if s["n"] == 1:
                oks.append(wall <= 65.0 and s["steps"]["up"]["failures"] == 0)
    out.append(_target(f"internal, VPC link PENDING {cfg['pending_s']:g} s: `up` within 65 s (judged at N=1)",
                       "; ".join(parts) or None, _all(oks)))
    # 6. `up` from scratch >= 30x faster than the AWS CLI script, >= 3x faster than boto3. Judged
    # at 0 ms a call (the emulators' own speed, as the issue measured it) when the run has it.
    for tool, factor in (("aws-cli", 30), ("boto3", 3)):
        rs = sorted((r for r in report.get("ratios", []) if r["tool"] == tool),
                    key=lambda r: (r["latency_ms"], r["n"]))
        lats = sorted({r["latency_ms"] for r in rs})
        judge = 0.0 if 0.0 in lats else (lat if lat in lats else (lats[0] if lats else None))
        text = "; ".join(f"{r['latency_ms']:g} ms N={r['n']}: {r['up_speedup']:g}x "
                         f"({r['cortex_up_s']:.2f} s vs {r['baseline_up_s']:.2f} s)" for r in rs) or None
        where = f" (judged at {judge:g} ms a call)" if judge is not None else ""
        out.append(_target(f"`up` from scratch at least {factor}x faster than the {tool} baseline (HTTP, "
                           f"internet-facing){where}", text,
                           _all([r["up_speedup"] >= factor for r in rs if r["latency_ms"] == judge])))
    return out


def _met(v: bool | None) -> str:
    return {True: "met", False: "**not met**", None: "not measured"}[v]


def markdown(report: dict) -> str:
    cfg = report["config"]
    lines = [
        "# cortex-net under API Gateway's quotas",
        "",
        f"cortex-net at commit {cfg.get('commit')} (binary {cfg['binary_bytes'] / 1e6:.1f} MB); "
        f"{cfg['latency_ms']:g} ms a call (also {', '.join(f'{x:g}' for x in cfg['sweep_latency_ms']) or 'no other'} "
        f"ms for internet-facing N <= the sweep's limit); API Gateway's control-plane quotas enforced by the proxy; "
        f"internal clusters' VPC link PENDING {cfg['pending_s']:g} s. Each command starts with full quota buckets; "
        f"short scenarios (every command under {cfg['short_s']:g} s) are the median of {cfg['repeat']} runs, longer "
        f"ones one run (column runs). The whole run took {cfg.get('wall_seconds', 0) / 60:.1f} min "
        f"({cfg.get('jobs', 1)} scenario(s) at a time, each in an account of its own; {cfg['cpus']} CPUs shared "
        f"with other work; {cfg['started']}).",
        "",
        "Reads and writes are calls AWS carried out (ELB, STS and API Gateway); 429s are the quota "
        "proxy's refusals (each one retried by the SDK); chain is the longest sequence of calls each "
        "starting after the previous one ended. Peak RSS is the cortex-net process's own (started from a small "
        f"spawner process: figures at or below {cfg.get('rss_floor_mib', 0):g} MiB, the spawner's own peak, mean "
        "'at most that').",
        "",
        "Emulator gaps: the LocalStack proxy adds the `connectionId` that AWS embeds in integrations and "
        "LocalStack leaves out (else REST observes would count a GetIntegration per private integration); not "
        "emulated: AWS answers GetResources 500 items a page and apigatewayv2 listings by page, the emulators in "
        "one page, so at N=500 AWS would take a few more reads.",
        "",
        "## Targets (issue 9)",
        "",
        "| target | measured | |",
        "|---|---|---|",
    ]
    lines += [f"| {t['target']} | {t['measured']} | {_met(t['met'])} |" for t in report["targets"]]
    for step, title in STEP_TITLES.items():
        lines += ["", f"## {title}", "",
                  "| gateway | scheme | N | ms/call | runs | wall s | reads | writes | 429s | chain | peak RSS MiB | failed |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for s in sorted(report["scenarios"], key=lambda s: (s["latency_ms"] != cfg["latency_ms"], s["latency_ms"],
                                                             s["kind"], s["scheme"], s["n"])):
            v = s["steps"].get(step)
            if v is None:
                continue
            lines.append(f"| {s['kind']} | {s['scheme']} | {s['n']} | {s['latency_ms']:g} | {s['runs']} | "
                         f"{v['wall_s']:.2f} | {v['reads']} | {v['writes']} | {v['throttled']} | {v['chain']} | "
                         f"{v['rss_mib']:.0f} | {v['failures'] or ''} |")
    if report["baselines"]:
        lines += ["", "## Baselines: the console steps, HTTP API, internet-facing", "",
                  "| baseline | N | ms/call | runs | create s | delete s | cortex-net `up` s | `down` s | "
                  "`up` cortex-net / baseline | faster |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        by_key = {(r["tool"], r["n"], r["latency_ms"]): r for r in report.get("ratios", [])}
        for b in report["baselines"]:
            r = by_key.get((b["tool"], b["n"], b["latency_ms"]), {})
            lines.append(f"| {b['tool']} | {b['n']} | {b['latency_ms']:g} | {b['runs']} | {b['up_s']} | {b['down_s']} | "
                         f"{r.get('cortex_up_s', '')} | {r.get('cortex_down_s', '')} | {r.get('up_ratio', '')} | "
                         f"{str(r['up_speedup']) + 'x' if r.get('up_speedup') else ''} |")
    lines.append("")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# SVG
# ---------------------------------------------------------------------------

COLORS = {"http": "#1f77b4", "rest": "#d62728"}


def _log_range(values: list[float]) -> tuple[float, float]:
    lo = min(v for v in values if v > 0)
    hi = max(values)
    return 10 ** math.floor(math.log10(lo)), 10 ** math.ceil(math.log10(hi) + 1e-9)


def _panel(x0: float, y0: float, w: float, h: float, title: str, ns: list[int],
           series: dict[tuple[str, str], list[tuple[int, float]]], unit: str) -> list[str]:
    out = [f'<text x="{x0 + w / 2}" y="{y0 - 12}" text-anchor="middle" font-size="14" font-weight="bold">'
           f'{escape(title)}</text>',
           f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#999"/>']
    values = [v for pts in series.values() for _, v in pts if v > 0]
    if not values:
        return out + [f'<text x="{x0 + w / 2}" y="{y0 + h / 2}" text-anchor="middle">no data</text>']
    lo, hi = _log_range(values)
    if hi <= lo:
        hi = lo * 10

    def xpos(n: int) -> float:
        return x0 + w * (ns.index(n) + 0.5) / len(ns)

    def ypos(v: float) -> float:
        return y0 + h - h * (math.log10(max(v, lo)) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))

    decade = lo
    while decade <= hi * 1.0001:
        y = ypos(decade)
        label = f"{decade:g}"
        out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x0 + w}" y2="{y:.1f}" stroke="#eee"/>')
        out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{label}</text>')
        decade *= 10
    for n in ns:
        out.append(f'<text x="{xpos(n):.1f}" y="{y0 + h + 16}" text-anchor="middle" font-size="11">{n}</text>')
    out.append(f'<text x="{x0 + w / 2}" y="{y0 + h + 34}" text-anchor="middle" font-size="12">N (Cortex APIs)</text>')
    out.append(f'<text x="{x0 - 44}" y="{y0 + h / 2}" text-anchor="middle" font-size="12" '
               f'transform="rotate(-90 {x0 - 44} {y0 + h / 2})">{escape(unit)} (log scale)</text>')
    for (kind, scheme), pts in series.items():
        pts = sorted(p for p in pts if p[1] > 0)
        if not pts:
            continue
        dash = ' stroke-dasharray="6 4"' if scheme == "internal" else ""
        path = " ".join(f"{xpos(n):.1f},{ypos(v):.1f}" for n, v in pts)
        out.append(f'<polyline points="{path}" fill="none" stroke="{COLORS[kind]}" stroke-width="2"{dash}/>')
        for n, v in pts:
            out.append(f'<circle cx="{xpos(n):.1f}" cy="{ypos(v):.1f}" r="3" fill="{COLORS[kind]}">'
                       f'<title>{kind} {scheme} N={n}: {v:g} {escape(unit)}</title></circle>')
    return out


def svg(report: dict) -> str:
    """Wall time and calls of `up` from scratch against N, one line per gateway kind (solid:
    internet-facing, dashed: internal), at the run's main latency."""
    cfg = report["config"]
    lat = cfg["latency_ms"]
    scen = [s for s in report["scenarios"] if s["latency_ms"] == lat and "up" in s["steps"]]
    ns = sorted({s["n"] for s in scen}) or [1]
    wall: dict[tuple[str, str], list[tuple[int, float]]] = {}
    calls: dict[tuple[str, str], list[tuple[int, float]]] = {}
    for s in scen:
        key = (s["kind"], s["scheme"])
        wall.setdefault(key, []).append((s["n"], s["steps"]["up"]["wall_s"]))
        calls.setdefault(key, []).append((s["n"], float(s["steps"]["up"]["calls"])))
    width, height = 960, 460
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{width / 2}" y="24" text-anchor="middle" font-size="16">cortex-net up from scratch under '
             f'API Gateway\'s quotas, {lat:g} ms a call</text>']
    parts += _panel(90, 70, 360, 290, "wall time", ns, wall, "seconds")
    parts += _panel(560, 70, 360, 290, "calls (incl. 429s)", ns, calls, "calls")
    legend_y = 420
    x = 60
    for kind in ("http", "rest"):
        for scheme in ("internet-facing", "internal"):
            if (kind, scheme) not in wall:
                continue
            dash = ' stroke-dasharray="6 4"' if scheme == "internal" else ""
            parts.append(f'<line x1="{x}" y1="{legend_y}" x2="{x + 30}" y2="{legend_y}" stroke="{COLORS[kind]}" '
                         f'stroke-width="2"{dash}/>')
            parts.append(f'<text x="{x + 36}" y="{legend_y + 4}" font-size="12">{kind.upper()} API, {scheme}</text>')
            x += 215
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
