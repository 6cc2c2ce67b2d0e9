"""Images batch tokens: bound to one account, signed, short-lived."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flarelite.images.batch import LIFETIME, issue_batch_token, verify_batch_token

KEY = b"k" * 64
ACCOUNT = "a" * 32
NOW = datetime(2026, 5, 1, tzinfo=UTC)


def test_issued_token_verifies_for_its_account_until_it_expires() -> None:
    token = issue_batch_token(KEY, ACCOUNT, NOW)
    assert token.expires_at == NOW + LIFETIME
    assert verify_batch_token(KEY, token.value, NOW) == ACCOUNT
    assert verify_batch_token(KEY, token.value, NOW + LIFETIME - timedelta(seconds=1)) == ACCOUNT
    assert verify_batch_token(KEY, token.value, NOW + LIFETIME) is None


def test_token_signed_with_another_key_or_edited_is_refused() -> None:
    token = issue_batch_token(KEY, ACCOUNT, NOW).value
    assert verify_batch_token(b"x" * 64, token, NOW) is None
    assert verify_batch_token(KEY, token.replace(ACCOUNT, "b" * 32), NOW) is None
    later = token.replace(str(int((NOW + LIFETIME).timestamp())), "9999999999")
    assert verify_batch_token(KEY, later, NOW) is None
    assert verify_batch_token(KEY, "imgbt_garbage", NOW) is None
