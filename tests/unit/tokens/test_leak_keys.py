"""Leak intake, pure parts: the key file, the ECDSA check and the report parser."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from tests.e2e.leak_reports import Signer, fake_token, report

from flarelite.tokens.errors import LeakReportInvalid
from flarelite.tokens.leak_keys import parse_keys, verifies
from flarelite.tokens.leaks import MAX_REPORTS, parse_reports
from flarelite.tokens.secrets import looks_like_token

SIGNER = Signer()
BODY = report(fake_token())


def test_github_document_and_plain_mapping_both_load() -> None:
    github = {"public_keys": [{"key_identifier": SIGNER.key_id, "key": SIGNER.public_pem()}]}
    plain = {SIGNER.key_id: SIGNER.public_pem()}
    for text in (json.dumps(github), json.dumps(plain)):
        assert verifies(parse_keys(text), SIGNER.key_id, SIGNER.sign(BODY), BODY)


def test_a_signature_verifies_only_for_its_key_and_its_exact_body() -> None:
    other = Signer()
    keys = parse_keys(
        json.dumps({SIGNER.key_id: SIGNER.public_pem(), other.key_id: other.public_pem()})
    )
    signature = SIGNER.sign(BODY)
    assert verifies(keys, SIGNER.key_id, signature, BODY)
    assert not verifies(keys, other.key_id, signature, BODY)
    assert not verifies(keys, "unknown", signature, BODY)
    assert not verifies(keys, SIGNER.key_id, signature, BODY + b" ")
    assert not verifies(keys, SIGNER.key_id, "%%%not-base64", BODY)
    assert not verifies(keys, SIGNER.key_id, "QUFB", BODY)  # base64, but not a DER signature
    assert not verifies(keys, SIGNER.key_id, "A" * 10_000, BODY)


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        json.dumps({"k": 1}),
        json.dumps({"k": "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----"}),
        json.dumps(
            {
                "k": ec.generate_private_key(ec.SECP384R1())
                .public_key()
                .public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
                .decode()
            }
        ),
    ],
    ids=["not-json", "list", "not-pem-string", "bad-pem", "p384"],
)
def test_a_bad_key_file_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(ValueError, match=r"leak keys|PEM|key"):
        parse_keys(text)


def test_reports_parse_and_their_repr_hides_the_value() -> None:
    value = fake_token("cfat_")
    (parsed,) = parse_reports(report(value))
    assert parsed.token == value
    assert parsed.source == "content"
    assert value not in repr(parsed)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"nope",
        b"{}",
        b"[]",
        b"[1]",
        b'[{"token": 5}]',
        json.dumps([{"token": "x"}] * (MAX_REPORTS + 1)).encode(),
    ],
)
def test_malformed_reports_are_refused(body: bytes) -> None:
    with pytest.raises(LeakReportInvalid):
        parse_reports(body)


def test_only_checksum_valid_values_are_looked_up() -> None:
    value = fake_token()
    assert looks_like_token(value)
    broken = value[:-1] + ("0" if value[-1] != "0" else "1")
    assert not looks_like_token(broken)
    assert not looks_like_token("ghp_" + value[5:])
