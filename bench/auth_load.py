"""Authenticated JSON vs an open tiny endpoint of the same server, in one run (issue: tokens).

Target: authenticated ≥ 0.8× open and ≥ 5,000 req/s with 2 workers and 16 connections.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict

from harness import flarelite_server, save, wrk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with flarelite_server(args.workers) as server:
        auth = {"Authorization": f"Bearer {server.token}"}
        verify_url = f"{server.base_url}/client/v4/user/tokens/verify"
        open_url = f"{server.base_url}/healthz"
        wrk(verify_url, connections=args.connections, duration=2, headers=auth)  # warm-up
        rounds = []
        for _ in range(args.rounds):  # interleaved, so drift hits both sides alike
            opened = wrk(open_url, connections=args.connections, duration=args.duration)
            authed = wrk(
                verify_url, connections=args.connections, duration=args.duration, headers=auth
            )
            rounds.append({"open": asdict(opened), "authenticated": asdict(authed)})
    best_open = max(r["open"]["requests_per_second"] for r in rounds)
    best_auth = max(r["authenticated"]["requests_per_second"] for r in rounds)
    summary = {
        "workers": args.workers,
        "connections": args.connections,
        "open_rps": round(best_open),
        "authenticated_rps": round(best_auth),
        "ratio": round(best_auth / best_open, 3),
        "rounds": rounds,
    }
    path = save("auth_load", summary)
    print(f"open /healthz:           {best_open:9.0f} req/s")
    print(f"authenticated verify:    {best_auth:9.0f} req/s")
    print(f"ratio authenticated/open: {best_auth / best_open:.2f}  (target ≥ 0.80, ≥ 5,000 req/s)")
    print(f"details: {path}")


if __name__ == "__main__":
    main()
