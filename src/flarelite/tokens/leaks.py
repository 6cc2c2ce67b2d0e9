"""Leak intake: a GitHub secret-scanning report in, leaked tokens disabled, GitHub's answer out.

The flow: check the signature over the raw body (``leak_keys``) → parse the report list →
drop values that are not ours offline (prefix and CRC32, ``secrets.looks_like_token``) → look
the rest up by keyed hash → disable matches through ``TokenService`` (audited; the change feed
drops cached principals on every node) → label each report true or false positive.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import anyio
import structlog

from flarelite.tokens.errors import LeakReportForged, LeakReportInvalid, LeakReportUnsigned
from flarelite.tokens.leak_keys import KeyFile, verifies
from flarelite.tokens.secrets import keyed_hash, looks_like_token
from flarelite.tokens.service import TokenService

log = structlog.get_logger(__name__)

MAX_BODY_BYTES = 1024 * 1024
MAX_REPORTS = 1000  # GitHub batches matches; this bounds the work one request can cause
Label = Literal["true_positive", "false_positive"]


@dataclass(frozen=True, slots=True)
class LeakReport:
    token: str
    type: str
    url: str | None = None
    source: str | None = None

    def __repr__(self) -> str:  # the value is a live secret: never in a repr or a log line
        return f"LeakReport(token=<redacted>, type={self.type!r}, source={self.source!r})"


def parse_reports(body: bytes) -> list[LeakReport]:
    """GitHub's payload: a JSON list of {token, type, url, source}. Raises LeakReportInvalid."""
    try:
        items = json.loads(body)
    except ValueError:
        raise LeakReportInvalid("leak report is not JSON") from None
    if not isinstance(items, list) or not 0 < len(items) <= MAX_REPORTS:
        raise LeakReportInvalid(f"leak report is not a list of 1 to {MAX_REPORTS} items")
    reports = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("token"), str):
            raise LeakReportInvalid("leak report item without a string token")
        reports.append(
            LeakReport(
                token=item["token"][:1024],
                type=str(item.get("type") or "")[:200],
                url=_text(item.get("url")),
                source=_text(item.get("source")),
            )
        )
    return reports


def _text(value: Any) -> str | None:
    return value[:2000] if isinstance(value, str) else None


def token_hash(value: str) -> str:
    """GitHub's ``token_hash``: SHA-256 of the raw value, hex. Lets us answer without echoing
    the secret back."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class LeakIntake:
    def __init__(self, tokens: TokenService, secret_key: bytes, keys_path: Path | None) -> None:
        self._tokens = tokens
        self._key = secret_key
        self._keys = KeyFile(keys_path)

    async def check_signature(self, body: bytes, key_id: str | None, signature: str | None) -> None:
        """Raise LeakReportUnsigned (401) or LeakReportForged (403) unless a configured key
        signed ``body``. With no key file configured every report is refused."""
        if not key_id or not signature:
            raise LeakReportUnsigned("leak report without signature headers")
        keys = await anyio.to_thread.run_sync(self._keys.keys)
        if not verifies(keys, key_id, signature, body):
            log.warning("leak_report_refused", key_id=key_id[:80], keys_known=len(keys))
            raise LeakReportForged(f"leak report signature fails for key {key_id[:80]!r}")

    async def handle(self, reports: Sequence[LeakReport]) -> list[dict[str, str]]:
        """Disable every reported token of ours; GitHub's answer, one item per report."""
        answer = []
        for report in reports:
            label: Label = "false_positive"
            if looks_like_token(report.token):  # offline: wrong prefix or CRC32 → not ours
                metadata = {
                    "reported_by": "github_secret_scanning",
                    "type": report.type,
                    "url": report.url,
                    "found_in": report.source,
                }
                found = await self._tokens.disable_leaked(
                    [keyed_hash(self._key, report.token)], report=metadata
                )
                if found:
                    label = "true_positive"
                    for token in found.values():
                        log.warning("token_leaked_disabled", token_id=token.id, url=report.url)
            answer.append(
                {"token_hash": token_hash(report.token), "token_type": report.type, "label": label}
            )
        return answer
