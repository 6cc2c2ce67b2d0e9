"""Secret values: scannable format with CRC32, Bearer parsing before lookup, hashing, show-once."""

from __future__ import annotations

import copy
import pickle
import re

import pytest

from flarelite.core.errors import Invalid
from flarelite.tokens.errors import MalformedAuthorization
from flarelite.tokens.secrets import (
    OneTimeSecret,
    ParsedBearer,
    SecretAlreadyRevealed,
    TokenKind,
    checksum,
    find_tokens,
    keyed_hash,
    last_four,
    looks_like_token,
    matches,
    new_secret,
    parse_bearer,
)

# TruffleHog's v2 detector fixture (reference tokens.md §3.2).
TRUFFLEHOG_SAMPLE = "cfut_ZE4CrcFhEIDXk9vL2sTLeARsFp2ZZYbydVDhhIUq8573bbfe"
# The OpenAPI spec's own legacy example, with '-' and '_' (§3.2).
SPEC_LEGACY = "8M7wS6hCpXVc-DoRnPPY_UCWPgy8aea4Wy6kCe5T"
SCANNABLE = re.compile(r"cf[ua]t_[A-Za-z0-9]{40}[0-9a-f]{8}")


def test_trufflehog_sample_has_a_valid_crc32_suffix() -> None:
    assert checksum("ZE4CrcFhEIDXk9vL2sTLeARsFp2ZZYbydVDhhIUq") == "8573bbfe"
    assert looks_like_token(TRUFFLEHOG_SAMPLE)
    assert parse_bearer(f"Bearer {TRUFFLEHOG_SAMPLE}") == ParsedBearer(
        TRUFFLEHOG_SAMPLE, TokenKind.USER
    )


@pytest.mark.parametrize(
    ("kind", "prefix"), [(TokenKind.USER, "cfut_"), (TokenKind.ACCOUNT, "cfat_")]
)
def test_new_secret_is_prefixed_by_owner_kind_with_valid_checksum(
    kind: TokenKind, prefix: str
) -> None:
    value = new_secret(kind)
    assert value.startswith(prefix)
    assert len(value) == 53
    assert SCANNABLE.fullmatch(value)
    assert checksum(value[5:45]) == value[45:]
    assert parse_bearer(f"Bearer {value}") == ParsedBearer(value, kind)


def test_new_secrets_do_not_repeat() -> None:
    values = {new_secret(TokenKind.USER)[5:45] for _ in range(200)}
    assert len(values) == 200


@pytest.mark.parametrize(
    "header",
    [
        f"Bearer {SPEC_LEGACY}",
        f"bearer {SPEC_LEGACY}",
        f"BEARER {SPEC_LEGACY}",
        f"  Bearer   {SPEC_LEGACY}  ",
        f"Bearer\t{SPEC_LEGACY}",
        "Bearer " + "a" * 40,
        "Bearer " + "_" * 40,
    ],
)
def test_legacy_forty_character_values_are_accepted_without_a_kind(header: str) -> None:
    parsed = parse_bearer(header)
    assert parsed.kind is None
    assert len(parsed.value) == 40


def test_scheme_is_case_insensitive_for_scannable_values() -> None:
    assert parse_bearer(f"bEaReR {TRUFFLEHOG_SAMPLE}").kind is TokenKind.USER


def _with_wrong_crc(value: str) -> str:
    wrong = f"{(int(value[-8:], 16) + 1) % 2**32:08x}"
    return value[:-8] + wrong


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("Bearer", id="no-value"),
        pytest.param("Bearer ", id="blank-value"),
        pytest.param(f"Basic {SPEC_LEGACY}", id="basic-scheme"),
        pytest.param(f"Token {SPEC_LEGACY}", id="token-scheme"),
        pytest.param(SPEC_LEGACY, id="no-scheme"),
        pytest.param("Bearer " + "0123456789abcdef" * 2 + "01234", id="global-key-37-hex"),
        pytest.param("Bearer " + "a" * 39, id="39-chars"),
        pytest.param("Bearer " + "a" * 41, id="41-chars"),
        pytest.param("Bearer " + "a" * 39 + "é", id="non-ascii"),
        pytest.param("Bearer " + "a" * 39 + ".", id="dot"),
        pytest.param("Bearer " + "a" * 20 + " " + "a" * 19, id="inner-space"),
        pytest.param(f"Bearer {_with_wrong_crc(TRUFFLEHOG_SAMPLE)}", id="wrong-crc"),
        pytest.param(f"Bearer {TRUFFLEHOG_SAMPLE[:-8]}8573BBFE", id="uppercase-crc"),
        pytest.param(f"Bearer cfk_{TRUFFLEHOG_SAMPLE[5:]}", id="global-key-prefix"),
        pytest.param(f"Bearer cfxt_{TRUFFLEHOG_SAMPLE[5:]}", id="unknown-prefix"),
        pytest.param(f"Bearer {TRUFFLEHOG_SAMPLE}x", id="trailing-junk"),
        pytest.param(f"Bearer {TRUFFLEHOG_SAMPLE} extra", id="second-word"),
        pytest.param("Bearer " + "a" * 5000, id="huge"),
    ],
)
def test_malformed_authorization_is_rejected_before_lookup(header: str | None) -> None:
    with pytest.raises(MalformedAuthorization):
        parse_bearer(header)


def test_wrong_checksum_on_account_token_is_rejected() -> None:
    with pytest.raises(MalformedAuthorization):
        parse_bearer(f"Bearer {_with_wrong_crc(new_secret(TokenKind.ACCOUNT))}")


def test_malformed_authorization_has_cloudflares_400_6003_6111_shape() -> None:
    with pytest.raises(MalformedAuthorization) as caught:
        parse_bearer("Bearer nope")
    error = caught.value
    assert isinstance(error, Invalid)
    assert (error.status, error.code, error.message) == (400, 6003, "Invalid request headers")
    (detail,) = error.details()
    assert [(c.code, c.message) for c in detail.chain] == [
        (6111, "Invalid format for Authorization header")
    ]


@pytest.mark.parametrize(
    "value", [TRUFFLEHOG_SAMPLE[:-1] + "0", SPEC_LEGACY + "x", "cfut_" + "a" * 40]
)
def test_malformed_authorization_never_echoes_the_value(value: str) -> None:
    with pytest.raises(MalformedAuthorization) as caught:
        parse_bearer(f"Bearer {value}")
    shown = [str(caught.value), repr(caught.value), caught.value.message]
    assert not any(value in text or value[5:45] in text for text in shown)


def test_parsed_bearer_repr_hides_the_value() -> None:
    assert TRUFFLEHOG_SAMPLE not in repr(parse_bearer(f"Bearer {TRUFFLEHOG_SAMPLE}"))


def test_looks_like_token_needs_prefix_and_valid_checksum() -> None:
    assert looks_like_token(new_secret(TokenKind.ACCOUNT))
    assert not looks_like_token(_with_wrong_crc(TRUFFLEHOG_SAMPLE))
    assert not looks_like_token(SPEC_LEGACY)
    assert not looks_like_token(f" {TRUFFLEHOG_SAMPLE}")


def test_find_tokens_picks_valid_tokens_out_of_text() -> None:
    other = new_secret(TokenKind.ACCOUNT)
    text = (
        f"export CF={TRUFFLEHOG_SAMPLE}\nbad={_with_wrong_crc(other)} "
        f"'{other}' glued{TRUFFLEHOG_SAMPLE}"
    )
    assert find_tokens(text) == [TRUFFLEHOG_SAMPLE, other]


def test_keyed_hash_is_hmac_sha256_hex() -> None:
    # RFC 4231 test case 2.
    assert (
        keyed_hash(b"Jefe", "what do ya want for nothing?")
        == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_keyed_hash_depends_on_the_key() -> None:
    assert keyed_hash(b"one", TRUFFLEHOG_SAMPLE) != keyed_hash(b"two", TRUFFLEHOG_SAMPLE)


def test_keyed_hash_refuses_an_empty_key() -> None:
    with pytest.raises(ValueError, match="non-empty"):
        keyed_hash(b"", TRUFFLEHOG_SAMPLE)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [("abc", "abc", True), ("abc", "abd", False), ("abc", "abcd", False), ("", "", True)],
)
def test_matches_compares_exactly(a: str, b: str, expected: bool) -> None:
    assert matches(a, b) is expected


def test_last_four_keeps_the_tail() -> None:
    assert last_four(TRUFFLEHOG_SAMPLE) == "bbfe"


def test_one_time_secret_reveals_once() -> None:
    secret = OneTimeSecret(TRUFFLEHOG_SAMPLE)
    assert not secret.is_revealed
    assert secret.reveal() == TRUFFLEHOG_SAMPLE
    assert secret.is_revealed
    with pytest.raises(SecretAlreadyRevealed):
        secret.reveal()
    assert secret.last_four == "bbfe"


def test_one_time_secret_never_shows_its_value() -> None:
    secret = OneTimeSecret(TRUFFLEHOG_SAMPLE)
    for text in (repr(secret), str(secret), f"{secret}", f"{secret!r}"):
        assert TRUFFLEHOG_SAMPLE not in text
        assert "bbfe" in text


@pytest.mark.parametrize(
    "leak", [pickle.dumps, copy.copy, copy.deepcopy], ids=["pickle", "copy", "deepcopy"]
)
def test_one_time_secret_cannot_be_copied_or_pickled(leak: object) -> None:
    with pytest.raises(TypeError):
        leak(OneTimeSecret(TRUFFLEHOG_SAMPLE))  # type: ignore[operator]
