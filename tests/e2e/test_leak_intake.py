"""Leak intake end to end: GitHub-signed reports disable leaked tokens at once, are audited,
and get GitHub's answer; unsigned or forged reports change nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import cloudflare
import pytest
from tests.e2e.leak_reports import Signer, fake_token, post_report, report, write_github_keys
from tests.factories import (
    account_key,
    envelope_error,
    make_policy,
    mint_account_token,
    mint_user_token,
    user_key,
)
from tests.servers import Server, running_server, sdk

pytestmark = pytest.mark.e2e

GITHUB = Signer()
ROTATED_OUT = Signer()  # a key GitHub no longer uses: not in the file


@pytest.fixture(scope="module")
def leak_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("leaks")
    keys = write_github_keys(tmp / "github-keys.json", GITHUB)
    with running_server(tmp, env={"FLARELITE_LEAK_KEYS": str(keys)}) as server:
        yield server


def _live_token(server: Server) -> tuple[str, str]:
    policies = [make_policy("User Details Read", resources={user_key(server.user_id): "*"})]
    return mint_user_token(server, server.user_id, policies)


def _works(server: Server, value: str) -> bool:
    try:
        sdk(server, value).user.tokens.verify()
    except cloudflare.AuthenticationError:
        return False
    return True


def test_a_reported_token_is_disabled_and_labelled_true_positive(leak_server: Server) -> None:
    token_id, value = _live_token(leak_server)
    other_id, other = _live_token(leak_server)
    assert _works(leak_server, value)
    stranger, junk = fake_token(), "ghp_notoursatall"
    body = report(value, stranger, junk)
    answer = post_report(leak_server.base_url, body, GITHUB)
    assert answer.status_code == 200, answer.text
    assert answer.json() == [
        {
            "token_hash": hashlib.sha256(v.encode()).hexdigest(),
            "token_type": "cloudflare_api_token",
            "label": label,
        }
        for v, label in (
            (value, "true_positive"),
            (stranger, "false_positive"),
            (junk, "false_positive"),
        )
    ]
    assert value not in answer.text  # answered by hash: the secret is not echoed
    assert not _works(leak_server, value)
    assert _works(leak_server, other)
    cf = sdk(leak_server)
    assert cf.user.tokens.get(token_id).status == "disabled"  # type: ignore[union-attr]
    assert cf.user.tokens.get(other_id).status == "active"  # type: ignore[union-attr]
    entries = [
        e
        for e in cf.audit_logs.list(account_id=leak_server.account_id, per_page=1000)
        if e.resource.id == token_id
    ]
    assert (entries[0].action.type, entries[0].actor.type) == ("disable", "Cloudflare")
    assert entries[0].metadata["reported_by"] == "github_secret_scanning"
    assert entries[0].metadata["url"] == "https://github.com/o/r/blob/abc/.env"


def test_a_second_report_of_the_same_token_is_still_a_true_positive(leak_server: Server) -> None:
    _, value = _live_token(leak_server)
    for _ in range(2):
        answer = post_report(leak_server.base_url, report(value), GITHUB)
        assert answer.json()[0]["label"] == "true_positive"


@pytest.mark.parametrize("account_token", [False, True])
def test_account_tokens_are_disabled_too(leak_server: Server, account_token: bool) -> None:
    if account_token:
        policies = [
            make_policy(
                "Account Settings Read", resources={account_key(leak_server.account_id): "*"}
            )
        ]
        _, value = mint_account_token(leak_server, leak_server.account_id, policies)
    else:
        _, value = _live_token(leak_server)
    assert (
        post_report(leak_server.base_url, report(value), GITHUB).json()[0]["label"]
        == "true_positive"
    )


def test_unsigned_reports_get_401_and_disable_nothing(leak_server: Server) -> None:
    _, value = _live_token(leak_server)
    envelope_error(post_report(leak_server.base_url, report(value), None), 401, 10000)
    assert _works(leak_server, value)


@pytest.mark.parametrize("forgery", ["unknown key", "wrong key", "tampered body", "garbage"])
def test_forged_reports_get_403_and_disable_nothing(leak_server: Server, forgery: str) -> None:
    _, value = _live_token(leak_server)
    body = report(value)
    if forgery == "unknown key":
        answer = post_report(leak_server.base_url, body, ROTATED_OUT)
    elif forgery == "wrong key":  # GitHub's key id, someone else's signature
        answer = post_report(leak_server.base_url, body, GITHUB, signature=ROTATED_OUT.sign(body))
    elif forgery == "tampered body":
        signed_for = report(fake_token())
        answer = post_report(leak_server.base_url, body, GITHUB, signature=GITHUB.sign(signed_for))
    else:
        answer = post_report(leak_server.base_url, body, GITHUB, signature="not base64!!")
    envelope_error(answer, 403, 10000)
    assert _works(leak_server, value)


@pytest.mark.parametrize(
    "body", [b"not json", b"{}", b"[]", b'[{"type": "x"}]', b"[1, 2]"], ids=str
)
def test_signed_nonsense_gets_a_400_envelope(leak_server: Server, body: bytes) -> None:
    envelope_error(post_report(leak_server.base_url, body, GITHUB), 400, 1001)


def test_without_configured_keys_every_report_is_refused(server: Server) -> None:
    signer = Signer()
    _, value = mint_user_token(
        server,
        server.user_id,
        [make_policy("User Details Read", resources={user_key(server.user_id): "*"})],
    )
    envelope_error(post_report(server.base_url, report(value), signer), 403, 10000)
    assert _works(server, value)
