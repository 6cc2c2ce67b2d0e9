"""`flarelite tokens …` against a running server's data dir; `explain` agrees with the server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from tests.servers import Server, running_server, sdk

ZONE_READ = "c8fed203ed3043cba015a93ad1616f1f"
ACCOUNT_SETTINGS_READ = "c1fde68c7bcc44588cbb6ddbc16d6480"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {"FLARELITE_TEST_CONTROL": "1", "FLARELITE_RATE_LIMIT": "0"}
    with running_server(tmp_path_factory.mktemp("cli-tokens"), env=env) as server:
        yield server


def cli_json(server: Server, *args: str, check: bool = True) -> object:
    done = server.cli("tokens", *args, "--json", check=check)
    return json.loads(done.stdout)


def verify(server: Server, value: str) -> int:
    headers = {"Authorization": f"Bearer {value}"}
    return httpx.get(f"{server.api}/user/tokens/verify", headers=headers).status_code


def test_create_list_roll_revoke(served: Server, tmp_path: Path) -> None:
    policies = tmp_path / "policies.json"
    policies.write_text(
        json.dumps(
            [
                {
                    "effect": "allow",
                    "resources": {f"com.cloudflare.api.account.{served.account_id}": "*"},
                    "permission_groups": [{"id": ACCOUNT_SETTINGS_READ}],
                }
            ]
        )
    )
    made = cli_json(
        served, "create", "--name", "from the cli", "--user", "admin@example.com",
        "--policies", f"@{policies}",
    )  # fmt: skip
    assert isinstance(made, dict)
    assert made["value"].startswith("cfut_")
    assert verify(served, made["value"]) == 200

    listed = cli_json(served, "list", "--user", "admin@example.com")
    assert isinstance(listed, list)
    assert made["id"] in {token["id"] for token in listed}
    assert "value" not in next(t for t in listed if t["id"] == made["id"])
    table = served.cli("tokens", "list").stdout
    assert "from the cli" in table

    rolled = cli_json(served, "roll", made["id"])
    assert isinstance(rolled, dict)
    assert verify(served, made["value"]) == 401  # the old value is dead at once
    assert verify(served, rolled["value"]) == 200

    assert cli_json(served, "revoke", made["id"]) == {"id": made["id"], "revoked": True}
    assert verify(served, rolled["value"]) == 401
    gone = served.cli("tokens", "revoke", made["id"], check=False)
    assert gone.returncode == 1
    assert "Token not found" in gone.stderr


def test_create_refuses_two_owners(served: Server) -> None:
    done = served.cli(
        "tokens", "create", "--name", "x", "--policies", "[]", "--user", "a@b.c",
        "--account", served.account_id, check=False,
    )  # fmt: skip
    assert done.returncode == 2


def zone_read(effect: str, resources: dict) -> dict:
    return {"effect": effect, "resources": resources, "permission_groups": [{"id": ZONE_READ}]}


def make_token(server: Server, name: str, policies: list[dict], **extra: object) -> str:
    made = sdk(server).user.tokens.create(name=name, policies=policies, **extra)  # type: ignore[arg-type]
    assert made is not None
    assert made.id is not None
    return made.id


def test_explain_matches_what_the_server_answers(served: Server) -> None:
    cf = sdk(served)
    zone = cf.zones.create(name="explain.example", account={"id": served.account_id})
    assert zone is not None
    zone_key = f"com.cloudflare.api.account.zone.{zone.id}"
    all_zones = {
        f"com.cloudflare.api.account.{served.account_id}": {
            "com.cloudflare.api.account.zone.*": "*"
        }
    }
    reader = make_token(
        served, "reader",
        [zone_read("allow", {zone_key: "*"})],
    )  # fmt: skip
    denied = make_token(
        served, "denied",
        [
            zone_read("allow", all_zones),
            zone_read("deny", {zone_key: "*"}),
        ],
    )  # fmt: skip
    elsewhere = make_token(
        served, "elsewhere",
        [zone_read("allow", {zone_key: "*"})],
        condition={"request_ip": {"in": ["192.0.2.0/24"]}},
    )  # fmt: skip
    expires = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    expiring = make_token(
        served, "expiring",
        [zone_read("allow", {zone_key: "*"})],
        expires_on=expires.isoformat().replace("+00:00", "Z"),
    )  # fmt: skip
    # The secrets of these tokens were shown once, to the SDK call: roll them to use them here.
    values = {
        t: cli_json(served, "roll", t)["value"] for t in (reader, denied, elsewhere, expiring)
    }  # type: ignore[index]
    zone_path = f"/client/v4/zones/{zone.id}"
    later = expires + timedelta(hours=1)
    cases = [
        ("allow", reader, "GET", zone_path, None),
        ("write not granted", reader, "PATCH", zone_path, None),
        ("deny policy", denied, "GET", zone_path, None),
        ("client ip", elsewhere, "GET", zone_path, None),
        ("expired", expiring, "GET", zone_path, later),
    ]
    for label, token_id, method, path, at in cases:
        if at is not None:
            httpx.put(f"{served.base_url}/_flarelite/clock", json={"now": at.isoformat()})
        try:
            actual = httpx.request(
                method, served.base_url + path,
                headers={"Authorization": f"Bearer {values[token_id]}"},
                json={"paused": False} if method == "PATCH" else None,
            )  # fmt: skip
            args = ["explain", token_id, method, path, "--ip", "127.0.0.1"]
            if at is not None:
                args += ["--at", at.isoformat()]
            verdict = cli_json(served, *args, check=False)
        finally:
            httpx.delete(f"{served.base_url}/_flarelite/clock")
        assert isinstance(verdict, dict)
        if actual.is_success:
            assert verdict["allowed"], (label, verdict)
            continue
        code = actual.json()["errors"][0]["code"]
        assert (verdict["allowed"], verdict["status"], verdict["code"]) == (
            False, actual.status_code, code,
        ), (label, verdict, actual.text)  # fmt: skip
        assert verdict["reasons"], label


def test_explain_says_why_in_words(served: Server) -> None:
    done = served.cli(
        "tokens", "explain", _admin_token_id(served),
        "GET", "/client/v4/user/tokens/verify",
    )  # fmt: skip
    assert "ALLOWED" in done.stdout
    unknown = served.cli("tokens", "explain", "0" * 32, "GET", "/client/v4/zones", check=False)
    assert unknown.returncode == 1


def _admin_token_id(server: Server) -> str:
    listed = cli_json(server, "list", "--user", "admin@example.com")
    assert isinstance(listed, list)
    return str(listed[0]["id"])
