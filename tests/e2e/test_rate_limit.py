"""Rate limits: FLARELITE_RATE_LIMIT requests per five-minute window, per token and per user.

Tokens and users are made in-process (``tests.factories``) so that setting up spends none of
the budget under test. Windows are fixed five-minute slots of wall-clock time; each test
starts clear of a slot's edge so that its requests all fall into one window.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime

import cloudflare
import httpx
import pytest
from tests.factories import (
    Tenant,
    account_key,
    bearer,
    envelope_error,
    http,
    make_policy,
    make_tenant,
    mint_account_token,
    mint_user_token,
    user_key,
)
from tests.servers import Server, running_server, sdk

pytestmark = pytest.mark.e2e

LIMIT = 20
WINDOW = 300


@pytest.fixture(scope="session")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {"FLARELITE_RATE_LIMIT": str(LIMIT)}
    with running_server(tmp_path_factory.mktemp("limited"), env=env) as started:
        yield started


@pytest.fixture
def tenant(limited: Server) -> Tenant:
    return make_tenant(limited)


def clear_of_window_edge(needed: float = 3.0) -> None:
    """Wait (bounded, at most ``needed`` seconds) until a whole window slot has room left."""
    deadline = time.monotonic() + needed + 1
    while WINDOW - time.time() % WINDOW < needed and time.monotonic() < deadline:
        time.sleep(0.05)


def verify(server: Server, token: str) -> httpx.Response:
    return http.get(f"{server.api}/user/tokens/verify", headers=bearer(token))


def spend(server: Server, token: str, count: int, path: str = "/user/tokens/verify") -> None:
    for _ in range(count):
        answer = http.get(f"{server.api}{path}", headers=bearer(token))
        assert answer.status_code == 200, answer.text


def details_read(user_id: str) -> list[dict[str, object]]:
    return [make_policy("User Details Read", resources={user_key(user_id): "*"})]


def test_the_request_past_the_limit_is_a_429_with_rate_limit_headers(
    limited: Server, tenant: Tenant
) -> None:
    clear_of_window_edge()
    for spent in range(1, LIMIT + 1):
        answer = verify(limited, tenant.token)
        assert answer.status_code == 200, answer.text
        assert answer.headers["x-ratelimit-limit"] == str(LIMIT)
        assert answer.headers["x-ratelimit-remaining"] == str(LIMIT - spent)
    refused = verify(limited, tenant.token)
    error = envelope_error(refused, 429, 971)
    assert error["message"] == "Please wait and consider throttling your request speed"
    retry_after = int(refused.headers["retry-after"])
    assert 1 <= retry_after <= WINDOW
    assert refused.headers["x-ratelimit-limit"] == str(LIMIT)
    assert refused.headers["x-ratelimit-remaining"] == "0"
    reset = parsedate_to_datetime(refused.headers["x-ratelimit-reset"])
    assert reset.timestamp() % WINDOW == 0
    assert 0 < reset.timestamp() - time.time() <= WINDOW + 1
    # Every other route refuses too, for the rest of the window.
    envelope_error(http.get(f"{limited.api}/user", headers=bearer(tenant.token)), 429, 971)


def test_sdk_raises_rate_limit_error_without_retrying(limited: Server, tenant: Tenant) -> None:
    clear_of_window_edge()
    spend(limited, tenant.token, LIMIT)
    with pytest.raises(cloudflare.RateLimitError) as refused:
        sdk(limited, tenant.token).user.tokens.verify()  # sdk() sets max_retries=0
    assert refused.value.status_code == 429
    assert refused.value.response.headers["retry-after"]


def test_two_tokens_of_one_user_share_the_user_budget(limited: Server, tenant: Tenant) -> None:
    _, second = mint_user_token(limited, tenant.user_id, details_read(tenant.user_id))
    clear_of_window_edge()
    spend(limited, tenant.token, LIMIT // 2)
    spend(limited, second, LIMIT // 2, path="/user")
    envelope_error(verify(limited, second), 429, 971)
    envelope_error(verify(limited, tenant.token), 429, 971)
    # A newly made token of the same user starts with the user's budget already spent.
    _, third = mint_user_token(limited, tenant.user_id, details_read(tenant.user_id))
    envelope_error(verify(limited, third), 429, 971)


def test_another_user_keeps_a_budget_of_its_own(limited: Server, tenant: Tenant) -> None:
    other = make_tenant(limited)
    clear_of_window_edge()
    spend(limited, tenant.token, LIMIT)
    envelope_error(verify(limited, tenant.token), 429, 971)
    answer = verify(limited, other.token)
    assert answer.status_code == 200
    assert answer.headers["x-ratelimit-remaining"] == str(LIMIT - 1)


def test_account_tokens_are_counted_per_token(limited: Server, tenant: Tenant) -> None:
    policies = [
        make_policy("Account Settings Read", resources={account_key(tenant.account_id): "*"})
    ]
    _, first = mint_account_token(limited, tenant.account_id, policies)
    _, second = mint_account_token(limited, tenant.account_id, policies)
    path = f"/accounts/{tenant.account_id}"
    clear_of_window_edge()
    spend(limited, first, LIMIT, path=path)
    envelope_error(http.get(f"{limited.api}{path}", headers=bearer(first)), 429, 971)
    answer = http.get(f"{limited.api}{path}", headers=bearer(second))
    assert answer.status_code == 200
    assert answer.headers["x-ratelimit-remaining"] == str(LIMIT - 1)
    # The account token's traffic is not charged to the user who administers the account.
    assert verify(limited, tenant.token).status_code == 200


def test_requests_without_credentials_are_not_charged(limited: Server, tenant: Tenant) -> None:
    clear_of_window_edge()
    for _ in range(LIMIT + 5):
        envelope_error(http.get(f"{limited.api}/user"), 400, 9106)
    answer = verify(limited, tenant.token)
    assert answer.status_code == 200
    assert answer.headers["x-ratelimit-remaining"] == str(LIMIT - 1)
