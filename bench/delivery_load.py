"""Delivery load: flarelite vs thumbor 7.8 side by side, uncached (random sizes) and cached.

Runs with the project's venv (it starts ``flarelite serve`` from it); thumbor runs from
``bench/.venv`` (see README). Reports req/s ratios, PSNR vs a full-decode lanczos3 reference,
and peak RSS of flarelite's 2 workers. wrk -t2 -c16 on loopback (performance.md traps).
"""

from __future__ import annotations

import argparse
import math
import os
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pyvips
from harness import WrkResult, flarelite_server, free_port, parse_wrk, save

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
THUMBOR = HERE / ".venv" / "bin" / "thumbor"
# Random width 300-499 and quality 60-95 per request: neither server's caches or request
# coalescing can turn the "uncached" run into hits (performance.md, "Measure uncached work").
LUA = """
math.randomseed(os.time())
request = function()
  local path = string.format("%s", math.random(300, 499), math.random(60, 95))
  return wrk.format("GET", path)
end
"""


def lua_script(tmp: Path, name: str, template: str) -> Path:
    script = tmp / f"{name}.lua"
    script.write_text(LUA.replace('"%s"', '"' + template + '"', 1))
    return script


def run_wrk(url: str, duration: int, script: Path | None = None) -> WrkResult:
    command = ["wrk", "-t2", "-c16", f"-d{duration}s", "--latency"]
    command += ["-s", str(script)] if script else []
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=duration + 60
    ).stdout
    return parse_wrk(out)


THUMBOR_CONF = """
LOADER = 'thumbor.loaders.file_loader'
FILE_LOADER_ROOT_PATH = '{data}'
STORAGE = 'thumbor.storages.no_storage'
RESULT_STORAGE = {result_storage}
RESULT_STORAGE_FILE_STORAGE_ROOT_PATH = '{results}'
RESULT_STORAGE_STORES_UNSAFE = True
ALLOW_UNSAFE_URL = True
QUALITY = 85
ENGINE_THREADPOOL_SIZE = 2
"""


@contextmanager
def thumbor_server(tmp: Path, *, result_storage: bool) -> Iterator[str]:
    conf = tmp / f"thumbor-{result_storage}.conf"
    storage = "'thumbor.result_storages.file_storage'" if result_storage else "None"
    conf.write_text(
        THUMBOR_CONF.format(data=DATA, result_storage=storage, results=tmp / "thumbor-results")
    )
    port = free_port()
    process = subprocess.Popen(
        [str(THUMBOR), "-i", "127.0.0.1", "-p", str(port), "-c", str(conf), "-l", "error"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready_thumbor(base)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


def _wait_ready_thumbor(base: str) -> None:
    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthcheck", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        subprocess.run(["sleep", "0.1"], check=True)
    raise RuntimeError("thumbor did not start")


def group_peak_rss_mb(pid: int, *, workers_only: bool = False) -> float:
    """Sum of VmHWM over the server's process group (supervisor + workers), or its workers."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pid:
                continue
            status = (entry / "status").read_text()
            command = (entry / "cmdline").read_bytes()
        except (OSError, ProcessLookupError):
            continue
        if workers_only and b"flarelite.cli.worker" not in command:
            continue  # the supervisor
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1])
    return total / 1024


def psnr(candidate: bytes, original: Path) -> float:
    """PSNR against full decode + one lanczos3 resize to the candidate's size (the reference)."""
    got = pyvips.Image.new_from_buffer(candidate, "")
    full = pyvips.Image.new_from_file(str(original))
    ref = full.resize(got.width / full.width, vscale=got.height / full.height, kernel="lanczos3")
    ref = ref.crop(0, 0, min(ref.width, got.width), min(ref.height, got.height))
    got = got.crop(0, 0, ref.width, ref.height)
    mse = ((got.cast("float") - ref.cast("float")) ** 2).avg()
    return 99.0 if mse == 0 else 10 * math.log10(255**2 / mse)


def upload(base: str, token: str, account_id: str, path: Path) -> str:
    headers = {"Authorization": f"Bearer {token}"}
    api = f"{base}/client/v4/accounts/{account_id}/images/v1"
    files = {"file": (path.name, path.read_bytes(), "image/jpeg")}
    made = httpx.post(api, headers=headers, files=files, timeout=60)
    made.raise_for_status()
    httpx.patch(
        f"{api}/config", headers=headers, json={"flexible_variants": True}
    ).raise_for_status()
    variant = str(made.json()["result"]["variants"][0])
    path = "/cdn-cgi/" + variant.split("/cdn-cgi/", 1)[1]  # FLARELITE_PUBLIC_URL is not set
    return base + path.rsplit("/", 1)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--skip-thumbor", action="store_true")
    parser.add_argument("--transform-workers", default="", help="FLARELITE_TRANSFORM_WORKERS")
    parser.add_argument("--malloc-arenas", default="", help="MALLOC_ARENA_MAX ('' = serve's)")
    args = parser.parse_args()
    results: dict[str, object] = {}
    sources = {"12mp": DATA / "photo_12mp.jpg", "2mp": DATA / "photo_2mp.jpg"}
    with tempfile.TemporaryDirectory(prefix="delivery-bench-") as raw_tmp:
        tmp = Path(raw_tmp)
        env = {"FLARELITE_TRANSFORM_WORKERS": args.transform_workers}
        if args.malloc_arenas:  # flarelite serve picks 1; other values are for comparison
            env["MALLOC_ARENA_MAX"] = args.malloc_arenas
        with flarelite_server(2, env) as server:
            bases = {k: upload(server.base_url, server.token, server.account_id, p)
                     for k, p in sources.items()}  # fmt: skip
            for name, base in bases.items():
                fixed = f"{base}/w=400,q=85,f=jpeg"
                results[f"flarelite_psnr_{name}"] = psnr(httpx.get(fixed).content, sources[name])
                path = base.split("127.0.0.1", 1)[1].split("/", 1)[1]
                script = lua_script(tmp, f"fl-{name}", f"/{path}/w=%d,q=%d,f=jpeg")
                results[f"flarelite_uncached_{name}"] = run_wrk(
                    server.base_url, args.duration, script
                )
            run_wrk(f"{bases['2mp']}/w=400,q=85,f=jpeg", 3)  # warm
            results["flarelite_cached"] = run_wrk(
                f"{bases['2mp']}/w=400,q=85,f=jpeg", args.duration
            )
            results["flarelite_peak_rss_mb"] = group_peak_rss_mb(server.pid)
            results["flarelite_workers_peak_rss_mb"] = group_peak_rss_mb(
                server.pid, workers_only=True
            )
        if not args.skip_thumbor:
            with thumbor_server(tmp, result_storage=False) as thumbor:
                for name, source in sources.items():
                    fixed = httpx.get(f"{thumbor}/unsafe/400x0/filters:quality(85)/{source.name}")
                    results[f"thumbor_psnr_{name}"] = psnr(fixed.content, source)
                    template = f"/unsafe/%dx0/filters:quality(%d)/{source.name}"
                    script = lua_script(tmp, f"th-{name}", template)
                    results[f"thumbor_uncached_{name}"] = run_wrk(thumbor, args.duration, script)
            with thumbor_server(tmp, result_storage=True) as thumbor:
                url = f"{thumbor}/unsafe/400x0/filters:quality(85)/photo_2mp.jpg"
                run_wrk(url, 3)  # builds and stores the result
                results["thumbor_cached"] = run_wrk(url, args.duration)
    report(results)


def report(results: dict[str, object]) -> None:
    def rate(key: str) -> float:
        found = results.get(key)
        return found.requests_per_second if isinstance(found, WrkResult) else float("nan")

    lines = []
    for case in ("uncached_12mp", "uncached_2mp", "cached"):
        ours, theirs = rate(f"flarelite_{case}"), rate(f"thumbor_{case}")
        lines.append(f"{case:14} flarelite {ours:9.1f} req/s  thumbor {theirs:9.1f} req/s  "
                     f"ratio {ours / theirs if theirs else float('nan'):.2f}x")  # fmt: skip
    for name in ("12mp", "2mp"):
        ours_db = results.get(f"flarelite_psnr_{name}", float("nan"))
        theirs_db = results.get(f"thumbor_psnr_{name}", float("nan"))
        lines.append(f"psnr {name:9} flarelite {ours_db:.2f} dB  thumbor {theirs_db:.2f} dB")
    lines.append(f"flarelite peak RSS (2 workers + supervisor): "
                 f"{results['flarelite_peak_rss_mb']:.0f} MB; the 2 workers alone: "
                 f"{results['flarelite_workers_peak_rss_mb']:.0f} MB")  # fmt: skip
    print("\n".join(lines))
    payload = {k: (v.__dict__ if isinstance(v, WrkResult) else v) for k, v in results.items()}
    print(save("delivery_load", payload | {"summary": lines}))


if __name__ == "__main__":
    main()
