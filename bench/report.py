"""Run every benchmark scenario in one go and write docs/benchmarks.md with tables and charts.

    uv run python bench/report.py [--duration 10] [--skip-thumbor] [--only auth,delivery]

Each scenario is its own script (it saves a JSON file under bench/results/ and prints its path
last); this command runs them one after the other on the same machine, reads their results and
writes the page plus PNG charts (matplotlib) to docs/img/. Ratios compare against a baseline
measured in the same run: thumbor 7.8 for delivery, the open endpoint for authentication, one
SQLite node for scale-out.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DOCS = ROOT / "docs"
IMAGES = DOCS / "img"
PAGE = DOCS / "benchmarks.md"

Result = dict[str, Any]


@dataclass(frozen=True)
class Scenario:
    name: str
    script: str
    arguments: Callable[[argparse.Namespace], list[str]]


SCENARIOS = (
    Scenario("auth", "auth_load.py", lambda a: ["--duration", str(a.duration)]),
    Scenario("upload", "upload_load.py", lambda a: ["--duration", str(a.duration)]),
    Scenario(
        "delivery",
        "delivery_load.py",
        lambda a: ["--duration", str(a.duration)] + (["--skip-thumbor"] if a.skip_thumbor else []),
    ),
    Scenario("scale_out", "scale_out.py", lambda a: ["--duration", str(a.duration)]),
    Scenario("soak", "soak.py", lambda a: ["--duration", str(a.soak_seconds)]),
)


def run(scenario: Scenario, args: argparse.Namespace) -> Result:
    """Run one scenario script and load the JSON file it names on its last line."""
    command = [sys.executable, scenario.script, *scenario.arguments(args)]
    print(f"==> {scenario.name}: {' '.join(command[1:])}", flush=True)
    done = subprocess.run(command, cwd=BENCH, capture_output=True, text=True, check=False)
    sys.stdout.write(done.stdout)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"{scenario.name} failed with exit code {done.returncode}")
    json_paths = [word for word in done.stdout.split() if word.endswith(".json")]
    return json.loads(Path(json_paths[-1]).read_text())


# --- the page -----------------------------------------------------------------------------


def rate(found: Result | None, key: str) -> float:
    entry = (found or {}).get(key)
    return float(entry["requests_per_second"]) if isinstance(entry, dict) else float("nan")


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}×" if theirs and theirs == theirs and ours == ours else "n/a"


def delivery_rows(found: Result) -> list[str]:
    rows = [
        "| case | flarelite req/s | thumbor req/s | ratio | flarelite p99 ms | thumbor p99 ms "
        "| target |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    targets = {
        "uncached_12mp": "≥ 1.0× thumbor",
        "uncached_2mp": "≥ 100 req/s and ≥ 1.0×",
        "cached": "≥ 5,000 req/s and ≥ 1.5×",
    }
    for case, target in targets.items():
        ours, theirs = found.get(f"flarelite_{case}", {}), found.get(f"thumbor_{case}", {})
        ours_rate, theirs_rate = rate(found, f"flarelite_{case}"), rate(found, f"thumbor_{case}")
        rows.append(
            f"| {case.replace('_', ' ')} | {ours_rate:,.1f} | {theirs_rate:,.1f} | "
            f"{ratio(ours_rate, theirs_rate)} | {ours.get('p99_ms', float('nan')):.1f} | "
            f"{theirs.get('p99_ms', float('nan')) if theirs else float('nan'):.1f} | {target} |"
        )
    for size in ("12mp", "2mp"):
        rows.append(
            f"| PSNR {size} (dB, higher is better) | {found.get(f'flarelite_psnr_{size}', 0):.2f} "
            f"| {found.get(f'thumbor_psnr_{size}', float('nan')):.2f} | | | | ≥ thumbor |"
        )
    rows.append(
        f"| peak RSS of the 2 workers (MB) | {found['flarelite_workers_peak_rss_mb']:.0f} | | | | "
        f"| ≤ 250 |"
    )
    return rows


def scale_out_rows(found: Result) -> list[str]:
    single, scaled = found["single_node_sqlite"], found["two_nodes_postgresql_s3_redis"]
    rows = [
        "| load | 1 node, SQLite (req/s) | 2 nodes, PostgreSQL + S3 + Redis (req/s) | ratio | "
        "2-node p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for case in ("cached_variant", "authenticated_json"):
        one, two = rate(single, case), rate(scaled, case)
        errors = scaled[case]["errors"] + scaled[case]["non_2xx"]
        rows.append(
            f"| {case.replace('_', ' ')} | {one:,.0f} | {two:,.0f} | {ratio(two, one)} | "
            f"{scaled[case]['p99_ms']:.1f} | {errors} |"
        )
    return rows


def write_page(results: dict[str, Result], charts: list[str], seconds: float) -> None:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    lines = [
        "# Benchmarks",
        "",
        "Written by `uv run python bench/report.py` (every scenario, one run, "
        f"{seconds / 60:.0f} minutes) on {time.strftime('%Y-%m-%d')} at commit `{commit}`, "
        f"on {platform.machine()} with {os.cpu_count()} cores. Load comes from `wrk` on "
        "loopback; ratios compare with a baseline measured in the same run, so they travel "
        "between machines better than the absolute figures. How each scenario works: "
        "`bench/README.md`.",
        "",
    ]
    if "auth" in results:
        found = results["auth"]
        lines += [
            "## Authenticated JSON",
            "",
            "`GET /client/v4/user/tokens/verify` with a user token against `/healthz` of the "
            "same server (2 workers, 16 connections).",
            "",
            "| endpoint | req/s |",
            "|---|---:|",
            f"| open `/healthz` (baseline) | {found['open_rps']:,} |",
            f"| authenticated verify | {found['authenticated_rps']:,} |",
            f"| ratio (target ≥ 0.8×, ≥ 5,000 req/s) | {found['ratio']:.2f}× |",
            "",
        ]
    if "upload" in results:
        found = results["upload"]
        lines += [
            "## Uploads",
            "",
            f"`POST /images/v1` of a {found['megapixels']} MP JPEG, {found['clients']} clients, "
            f"{found['workers']} workers.",
            "",
            "| uploads/s (target ≥ 100) | failed | server CPU per upload | peak RSS |",
            "|---:|---:|---:|---:|",
            f"| {found['uploads_per_second']:,} | {found['failed']} | "
            f"{found['server_cpu_ms_per_upload']} ms | {found['peak_rss_mb']:.0f} MB |",
            "",
        ]
    if "delivery" in results:
        lines += ["## Image delivery against thumbor 7.8", "", *delivery_rows(results["delivery"])]
        lines.append("")
    if "scale_out" in results:
        lines += [
            "## Scale-out",
            "",
            "The same 16 connections against one SQLite node with 2 workers, then against "
            "two nodes of 1 worker each sharing PostgreSQL, an S3 bucket (moto) and Redis.",
            "",
            *scale_out_rows(results["scale_out"]),
            "",
        ]
    if "soak" in results:
        lines += [
            "## Soak",
            "",
            "```json",
            json.dumps(
                {k: v for k, v in results["soak"].items() if not isinstance(v, list | dict)},
                indent=2,
            ),
            "```",
            "",
        ]
    if charts:
        lines += ["## Charts", ""]
        lines += [f"![{name}](img/{name}.png)" for name in charts]
        lines.append("")
    PAGE.write_text("\n".join(lines))


# --- the charts ---------------------------------------------------------------------------


def draw_charts(results: dict[str, Result]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")  # files only, no screen
    import matplotlib.pyplot as plt

    IMAGES.mkdir(parents=True, exist_ok=True)
    made: list[str] = []

    def bars(name: str, title: str, unit: str, groups: list[str], series: dict[str, list[float]],
             log: bool = False) -> None:  # fmt: skip
        figure, axes = plt.subplots(figsize=(7, 3.6), dpi=110)
        width = 0.8 / len(series)
        for index, (label, values) in enumerate(series.items()):
            positions = [g + index * width for g in range(len(groups))]
            drawn = axes.bar(positions, values, width, label=label)
            axes.bar_label(drawn, fmt="{:,.0f}", fontsize=7)
        axes.set_xticks([g + width * (len(series) - 1) / 2 for g in range(len(groups))], groups)
        axes.set_ylabel(unit)
        axes.set_title(title)
        if log:
            axes.set_yscale("log")
        axes.legend()
        figure.tight_layout()
        figure.savefig(IMAGES / f"{name}.png")
        plt.close(figure)
        made.append(name)

    delivery = results.get("delivery")
    if delivery:
        cases = ["uncached_12mp", "uncached_2mp", "cached"]
        series = {
            who: [rate(delivery, f"{who}_{case}") for case in cases]
            for who in ("flarelite", "thumbor")
        }
        bars("delivery-throughput", "Delivery throughput (higher is better)", "req/s (log)",
             [c.replace("_", " ") for c in cases], series, log=True)  # fmt: skip
        latency = {
            f"{who} p99": [float(delivery.get(f"{who}_{c}", {}).get("p99_ms", 0)) for c in cases]
            for who in ("flarelite", "thumbor")
        }
        bars("delivery-latency", "Delivery p99 latency (lower is better)", "ms (log)",
             [c.replace("_", " ") for c in cases], latency, log=True)  # fmt: skip
    scale = results.get("scale_out")
    if scale:
        cases = ["cached_variant", "authenticated_json"]
        series = {
            "1 node, SQLite": [rate(scale["single_node_sqlite"], c) for c in cases],
            "2 nodes, PG + S3 + Redis": [
                rate(scale["two_nodes_postgresql_s3_redis"], c) for c in cases
            ],
        }
        bars("scale-out", "Scale-out against one node (higher is better)", "req/s",
             [c.replace("_", " ") for c in cases], series)  # fmt: skip
    auth = results.get("auth")
    if auth:
        bars("auth", "Token check cost (higher is better)", "req/s", ["verify vs /healthz"],
             {"open /healthz": [auth["open_rps"]],
              "authenticated verify": [auth["authenticated_rps"]]})  # fmt: skip
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk load")
    parser.add_argument("--soak-seconds", type=int, default=120)
    parser.add_argument("--skip-thumbor", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    args = parser.parse_args()
    chosen = {name for name in args.only.split(",") if name}
    started = time.monotonic()
    results = {
        scenario.name: run(scenario, args)
        for scenario in SCENARIOS
        if (not chosen or scenario.name in chosen) and (BENCH / scenario.script).exists()
    }
    charts = draw_charts(results)
    write_page(results, charts, time.monotonic() - started)
    print(f"wrote {PAGE.relative_to(ROOT)} and {len(charts)} charts in docs/img/")


if __name__ == "__main__":
    main()
