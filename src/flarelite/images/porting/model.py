"""What flows between a source and a sink: image descriptions, originals, variants, config,
the two protocols each end implements, and the report of one copy. Pure values; no I/O."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class PortingError(Exception):
    """A copy cannot go on (source unreachable, refused token, unreadable folder).

    The message is for the person running the command: it never holds a token value.
    """


class ImageFailed(Exception):
    """One image could not be copied; the copy goes on and the report lists it."""


@dataclass(frozen=True, slots=True)
class SourceImage:
    """An image as the source describes it, with Cloudflare's fields (reference images.md §2.1)."""

    id: str
    filename: str | None = None
    creator: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    requires_signed_urls: bool = False
    uploaded: datetime | None = None


@dataclass(frozen=True, slots=True)
class Original:
    data: bytes
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class VariantSpec:
    name: str
    options: dict[str, Any]
    never_requires_signed_urls: bool = False


class Presence(StrEnum):
    """What the sink already holds for an image id."""

    ABSENT = "absent"
    SAME = "same"  # bytes and fields already there: nothing to do
    STALE = "stale"  # bytes there, but metadata, creator or requireSignedURLs differ


class Outcome(StrEnum):
    COPIED = "copied"
    UPDATED = "updated"  # fields refreshed, bytes not copied again
    SKIPPED = "skipped"  # already there
    FAILED = "failed"


class Source(Protocol):
    async def count(self) -> int | None:
        """How many images to expect (for the progress bar); None when unknown."""
        ...

    def images(self) -> AsyncIterator[SourceImage]: ...

    async def original(self, image: SourceImage) -> Original:
        """The original bytes; raises ImageFailed for this image only."""
        ...

    async def variants(self) -> list[VariantSpec]: ...

    async def config(self) -> dict[str, Any] | None:
        """The account's Images config; None when the source does not publish it."""
        ...


class Sink(Protocol):
    async def presence(self, image: SourceImage) -> Presence: ...

    async def put_image(self, image: SourceImage, original: Original) -> None:
        """Store a new image; raises ImageFailed when this image cannot be stored."""
        ...

    async def refresh_image(self, image: SourceImage) -> None: ...

    async def put_variant(self, variant: VariantSpec) -> Outcome: ...

    async def put_config(self, config: dict[str, Any]) -> Outcome: ...

    async def finish(self, completed: bool) -> None:
        """Called once at the end; ``completed`` is False when the copy was cut short."""
        ...


@dataclass
class CopyReport:
    """What one run did; ``as_json`` is the ``--json`` output."""

    seen: int = 0
    copied: int = 0
    updated: int = 0
    skipped: int = 0
    failed: dict[str, str] = field(default_factory=dict)  # image id → reason
    bytes_copied: int = 0
    variants: dict[str, str] = field(default_factory=dict)  # name → outcome, or "failed: why"
    config: str = "unavailable"  # an Outcome, or "unavailable" when the source has none
    seconds: float = 0.0

    def count(self, outcome: Outcome, nbytes: int = 0) -> None:
        self.seen += 1
        self.bytes_copied += nbytes
        if outcome is Outcome.COPIED:
            self.copied += 1
        elif outcome is Outcome.UPDATED:
            self.updated += 1
        elif outcome is Outcome.SKIPPED:
            self.skipped += 1

    @property
    def is_complete(self) -> bool:
        variants_ok = not any(v.startswith(Outcome.FAILED) for v in self.variants.values())
        return not self.failed and variants_ok and not self.config.startswith(Outcome.FAILED)

    def as_json(self) -> dict[str, Any]:
        return {
            "images": {
                "seen": self.seen,
                "copied": self.copied,
                "updated": self.updated,
                "skipped": self.skipped,
                "failed": len(self.failed),
            },
            "failures": [{"id": k, "reason": v} for k, v in sorted(self.failed.items())],
            "bytes_copied": self.bytes_copied,
            "variants": dict(sorted(self.variants.items())),
            "config": self.config,
            "seconds": round(self.seconds, 3),
            "complete": self.is_complete,
        }
