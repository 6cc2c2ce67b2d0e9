"""GitHub secret-scanning reports for tests: keys the test makes, signed the way GitHub signs."""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from flarelite.tokens.secrets import checksum


@dataclass
class Signer:
    """One ECDSA P-256 key pair and the id GitHub would give it."""

    key_id: str = field(default_factory=lambda: secrets.token_hex(32))
    private: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    def public_pem(self) -> str:
        return (
            self.private.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )

    def sign(self, body: bytes) -> str:
        return base64.b64encode(self.private.sign(body, ec.ECDSA(hashes.SHA256()))).decode()


def write_github_keys(path: Path, *signers: Signer) -> Path:
    """The key file in GitHub's own format (api.github.com/meta/public_keys/secret_scanning)."""
    keys = [
        {"key_identifier": s.key_id, "key": s.public_pem(), "is_current": True} for s in signers
    ]
    path.write_text(json.dumps({"public_keys": keys}))
    return path


def report(*values: str, kind: str = "cloudflare_api_token") -> bytes:
    items = [
        {
            "token": v,
            "type": kind,
            "url": "https://github.com/o/r/blob/abc/.env",
            "source": "content",
        }
        for v in values
    ]
    return json.dumps(items).encode()


def post_report(
    base_url: str,
    body: bytes,
    signer: Signer | None,
    *,
    key_id: str | None = None,
    signature: str | None = None,
) -> httpx.Response:
    headers = {"content-type": "application/json"}
    if signer is not None:
        headers["Github-Public-Key-Identifier"] = key_id or signer.key_id
        headers["Github-Public-Key-Signature"] = signature or signer.sign(body)
    return httpx.post(f"{base_url}/secret-scanning/github", content=body, headers=headers)


def fake_token(prefix: str = "cfut_") -> str:
    """A value of the right shape and checksum that no server issued."""
    body = "".join(
        secrets.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789") for _ in range(40)
    )
    return prefix + body + checksum(body)


def as_json(answer: httpx.Response) -> Any:
    return answer.json()
