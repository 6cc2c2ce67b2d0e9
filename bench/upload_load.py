"""Upload throughput: 2 MP JPEGs POSTed to /images/v1 by concurrent clients (issue: images).

Target: >= 100 uploads/s with 2 workers and 16 connections (wrk, loopback); reports peak RSS
as the sum of VmHWM over the server's processes. Every upload is a new image (no dedup).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import pyvips
from harness import flarelite_server, save, wrk


def make_jpeg(megapixels: float) -> bytes:
    """A photo-like JPEG (noise over a gradient, so it compresses like a picture)."""
    width = int((megapixels * 1_000_000 * 4 / 3) ** 0.5)
    height = int(width * 3 / 4)
    base = pyvips.Image.xyz(width, height)[0] / width * 200
    noise = pyvips.Image.gaussnoise(width, height, sigma=25)
    image = (base + noise).bandjoin([base, noise]).cast("uchar")
    return bytes(image.copy(interpretation="srgb").jpegsave_buffer(Q=85))


BOUNDARY = "flareliteBenchBoundary7f3a"


def multipart_body(data: bytes) -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="photo.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    )
    return head.encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def wrk_script(folder: Path, data: bytes) -> Path:
    """A wrk Lua script POSTing the same multipart body (every request makes a new image)."""
    body = folder / "body.bin"
    body.write_bytes(multipart_body(data))
    script = folder / "upload.lua"
    script.write_text(
        f'local f = io.open("{body}", "rb"); local body = f:read("*all"); f:close()\n'
        'wrk.method = "POST"\n'
        "wrk.body = body\n"
        f'wrk.headers["Content-Type"] = "multipart/form-data; boundary={BOUNDARY}"\n'
    )
    return script


def group_procs(process_group: int) -> list[Path]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and os.getpgid(int(proc.name)) == process_group:
                found.append(proc)
        except (OSError, ProcessLookupError):
            continue
    return found


def peak_rss_mb(process_group: int) -> float:
    """Sum of VmHWM (peak resident set) over every process in the server's group."""
    total_kb = 0
    for proc in group_procs(process_group):
        for line in (proc / "status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                total_kb += int(line.split()[1])
    return total_kb / 1024


def cpu_seconds(process_group: int) -> float:
    """User + system CPU time used so far by the server's processes."""
    ticks = 0
    for proc in group_procs(process_group):
        fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--megapixels", type=float, default=2.0)
    args = parser.parse_args()
    data = make_jpeg(args.megapixels)
    with tempfile.TemporaryDirectory() as tmp, flarelite_server(args.workers) as server:
        url = f"{server.base_url}/client/v4/accounts/{server.account_id}/images/v1"
        script, auth = wrk_script(Path(tmp), data), {"Authorization": f"Bearer {server.token}"}
        wrk(url, connections=args.clients, duration=2, headers=auth, script=script)  # warm-up
        cpu_before = cpu_seconds(server.pid)
        result = wrk(
            url, connections=args.clients, duration=args.duration, headers=auth, script=script
        )
        cpu_used = cpu_seconds(server.pid) - cpu_before
        peak = peak_rss_mb(server.pid)
    rate = result.requests_per_second
    counts = {
        "ok": round(rate * args.duration) - result.non_2xx,
        "failed": result.non_2xx + result.errors,
    }
    summary = {
        "workers": args.workers,
        "clients": args.clients,
        "image_bytes": len(data),
        "megapixels": args.megapixels,
        "uploads": counts["ok"],
        "failed": counts["failed"],
        "uploads_per_second": round(rate, 1),
        "peak_rss_mb": round(peak, 1),
        "server_cpu_ms_per_upload": round(cpu_used * 1000 / max(counts["ok"], 1), 1),
    }
    path = save("upload_load", summary)
    print(f"image: {len(data) / 1024:.0f} KiB, {args.megapixels} MP JPEG")
    print(f"uploads/s:   {rate:8.1f}  (target >= 100; {counts['failed']} failed)")
    print(f"peak RSS:    {peak:8.1f} MB (sum of VmHWM over the server's processes)")
    print(f"server CPU:  {summary['server_cpu_ms_per_upload']:8.1f} ms per upload")
    print(f"details: {path}")


if __name__ == "__main__":
    main()
