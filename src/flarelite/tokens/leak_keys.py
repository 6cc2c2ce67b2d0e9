"""The public keys that sign GitHub secret-scanning reports, and the signature check.

GitHub signs the raw request body with ECDSA P-256 / SHA-256 and sends the base64 DER signature
in ``Github-Public-Key-Signature``, naming the key in ``Github-Public-Key-Identifier``. The key
file is either GitHub's own document (``{"public_keys": [{"key_identifier", "key", ...}]}``,
as served at api.github.com/meta/public_keys/secret_scanning) or a plain ``{key id: PEM}``.
Pure apart from ``KeyFile``, which re-reads the file when it changes (key rotation).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

# cryptography costs every worker ~4 MB and only leak reports need it: imported on first use.
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

PublicKeys: TypeAlias = "Mapping[str, ec.EllipticCurvePublicKey]"
MAX_SIGNATURE_LENGTH = 256  # a P-256 DER signature is at most 72 bytes, ~96 in base64


def parse_keys(text: str) -> dict[str, ec.EllipticCurvePublicKey]:
    """Key id → P-256 public key. Raises ValueError naming the entry that is wrong."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"leak keys: not JSON ({exc})") from None
    if isinstance(document, dict) and isinstance(document.get("public_keys"), list):
        pairs = [(k.get("key_identifier"), k.get("key")) for k in document["public_keys"]]
    elif isinstance(document, dict):
        pairs = list(document.items())
    else:
        raise ValueError("leak keys: expected an object")
    keys: dict[str, ec.EllipticCurvePublicKey] = {}
    for key_id, pem in pairs:
        if not isinstance(key_id, str) or not isinstance(pem, str):
            raise ValueError(f"leak keys: entry {key_id!r} needs a string id and a PEM string")
        key = load_pem_public_key(pem.encode())
        if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
            raise ValueError(f"leak keys: {key_id!r} is not an ECDSA P-256 public key")
        keys[key_id] = key
    return keys


def verifies(keys: PublicKeys, key_id: str, signature_b64: str, body: bytes) -> bool:
    """Whether ``body`` carries a valid signature by the key named ``key_id``."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    key = keys.get(key_id)
    if key is None or len(signature_b64) > MAX_SIGNATURE_LENGTH:
        return False
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        key.verify(signature, body, ec.ECDSA(hashes.SHA256()))
    except (binascii.Error, ValueError, InvalidSignature):
        return False
    return True


@dataclass
class KeyFile:
    """The configured key file, parsed once and again whenever its mtime changes."""

    path: Path | None
    _stamp: tuple[int, int] | None = None
    _keys: dict[str, ec.EllipticCurvePublicKey] | None = None

    def keys(self) -> PublicKeys:
        """The current keys; empty when no file is configured. Raises ValueError on a bad file."""
        if self.path is None:
            return {}
        stat = self.path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        if self._keys is None or stamp != self._stamp:
            self._keys = parse_keys(self.path.read_text())
            self._stamp = stamp
        return self._keys
