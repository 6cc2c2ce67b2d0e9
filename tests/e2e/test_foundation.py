"""End to end through the official SDK and curl: init, user, accounts, verify, error envelopes."""

from __future__ import annotations

import json
import subprocess

import cloudflare
import httpx
import pytest
from tests.servers import Server, run_cli, sdk

pytestmark = pytest.mark.e2e


def test_sdk_reads_user_and_accounts_with_init_token(server: Server) -> None:
    cf = sdk(server)
    user = cf.user.get()
    assert user is not None
    assert user.id == server.user_id
    assert user.email == "admin@example.com"
    accounts = list(cf.accounts.list())
    assert [a.id for a in accounts] == [server.account_id]
    assert cf.accounts.get(account_id=server.account_id).name == "My account"


def test_verify_answers_the_seed_shape_exactly(server: Server) -> None:
    answer = httpx.get(
        f"{server.api}/user/tokens/verify", headers={"Authorization": f"Bearer {server.token}"}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body == {
        "result": {"id": body["result"]["id"], "status": "active"},
        "success": True,
        "errors": [],
        "messages": [
            {"code": 10000, "message": "This API Token is valid and active", "type": None}
        ],
    }
    assert len(body["result"]["id"]) == 32


def test_seed_curl_recipe_verifies_the_token(server: Server) -> None:
    # The seed's command, with only the host changed.
    command = ["curl", "-s", f"{server.api}/user/tokens/verify"]
    command += ["-H", f"Authorization: Bearer {server.token}"]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=30)
    body = json.loads(done.stdout)
    assert body["success"] is True
    assert body["messages"][0]["code"] == 10000


def test_sdk_verify_returns_active(server: Server) -> None:
    result = sdk(server).user.tokens.verify()
    assert result is not None
    assert result.status == "active"


@pytest.mark.parametrize(
    ("headers", "status", "code", "chain"),
    [
        ({}, 400, 9106, None),
        ({"Authorization": "Bearer short"}, 400, 6003, 6111),
        ({"Authorization": "Basic dXNlcjpwdw=="}, 400, 6003, 6111),
        ({"Authorization": "Bearer " + "a" * 40}, 401, 1000, None),
        ({"Authorization": "Bearer cfut_" + "a" * 40 + "00000000"}, 400, 6003, 6111),
        ({"X-Auth-Email": "a@example.com", "X-Auth-Key": "0" * 37}, 400, 1001, None),
    ],
)
def test_verify_refuses_bad_credentials_with_cloudflare_envelopes(
    server: Server, headers: dict[str, str], status: int, code: int, chain: int | None
) -> None:
    answer = httpx.get(f"{server.api}/user/tokens/verify", headers=headers)
    assert answer.status_code == status
    body = answer.json()
    assert body["success"] is False
    assert body["result"] is None
    assert body["messages"] == []
    assert body["errors"][0]["code"] == code
    if chain:
        assert body["errors"][0]["error_chain"][0]["code"] == chain


def test_unknown_token_elsewhere_is_invalid_access_token(server: Server) -> None:
    answer = httpx.get(f"{server.api}/user", headers={"Authorization": "Bearer " + "b" * 40})
    assert answer.status_code == 403
    assert answer.json()["errors"][0] == {"code": 9109, "message": "Invalid access token"}


def test_sdk_raises_typed_errors_for_bad_tokens(server: Server) -> None:
    with pytest.raises(cloudflare.AuthenticationError):
        sdk(server, token="c" * 40).user.tokens.verify()
    with pytest.raises(cloudflare.PermissionDeniedError):
        sdk(server, token="c" * 40).user.get()


def test_unknown_route_is_an_envelope_not_html(server: Server) -> None:
    answer = httpx.get(
        f"{server.api}/no/such/route", headers={"Authorization": f"Bearer {server.token}"}
    )
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["errors"][0]["code"] == 7003


def test_page_past_the_end_is_an_empty_page(server: Server) -> None:
    answer = httpx.get(
        f"{server.api}/accounts",
        params={"page": 5, "per_page": 5},
        headers={"Authorization": f"Bearer {server.token}"},
    )
    assert answer.status_code == 200
    assert answer.json()["result"] == []
    assert answer.json()["result_info"] == {
        "page": 5,
        "per_page": 5,
        "count": 0,
        "total_count": 1,
        "total_pages": 1,
    }


def test_memberships_list_the_admin_role(server: Server) -> None:
    memberships = list(sdk(server).memberships.list())
    assert len(memberships) == 1
    assert memberships[0].account is not None
    assert memberships[0].roles == ["Administrator"]


def test_stainless_headers_and_api_version_are_ignored(server: Server) -> None:
    headers = {
        "Authorization": f"Bearer {server.token}",
        "X-Stainless-Lang": "python",
        "X-Stainless-Made-Up": "1",
        "api-version": "2025-01-01",
    }
    assert httpx.get(f"{server.api}/user", headers=headers).status_code == 200


def test_init_on_a_data_dir_that_has_the_user_exits_1(server: Server) -> None:
    done = run_cli(
        server.env,
        "init",
        "--email",
        "admin@example.com",
        "--password",
        "another-pw-1",
        "--json",
        check=False,
    )
    assert done.returncode == 1
    assert "already exists" in done.stderr


def test_invalid_setting_fails_with_one_clear_line(server: Server) -> None:
    env = {**server.env, "FLARELITE_DATABASE_URL": "mysql://nope"}
    done = run_cli(env, "migrate", check=False)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "flarelite: invalid setting: FLARELITE_DATABASE_URL: unsupported scheme in 'mysql://nope' "
        "(use sqlite:/// or postgresql://)"
    ]
