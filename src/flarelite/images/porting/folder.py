"""An export folder as a copy end: originals as files plus one ``manifest.json``.

Layout::

    manifest.json            format, version, account, config, variants, images[]
    originals/ab/<sha256 of the image id>.<ext>
    .journal.jsonl           images written so far (resume); folded into the manifest at the end

Files are written to a temporary name and renamed, so a file that exists is complete; the
journal lets an interrupted export resume and still list every image in its manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio

from flarelite.images.porting.model import (
    ImageFailed,
    Original,
    Outcome,
    PortingError,
    Presence,
    SourceImage,
    VariantSpec,
)
from flarelite.images.porting.v4 import parse_time

FORMAT = "flarelite-images-export"
VERSION = 1
MANIFEST = "manifest.json"
JOURNAL = ".journal.jsonl"
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/avif": ".avif",
    "image/svg+xml": ".svg",
    "image/heic": ".heic",
}


def entry_of(image: SourceImage, file: str, original: Original) -> dict[str, Any]:
    """A manifest entry: Cloudflare's field names, plus where the bytes are and their hash."""
    return {
        "id": image.id,
        "filename": image.filename,
        "creator": image.creator,
        "meta": image.meta,
        "requireSignedURLs": image.requires_signed_urls,
        "uploaded": _rfc3339(image.uploaded),
        "file": file,
        "content_type": original.content_type,
        "size": len(original.data),
        "sha256": hashlib.sha256(original.data).hexdigest(),
    }


def image_of_entry(entry: dict[str, Any]) -> SourceImage:
    return SourceImage(
        id=str(entry["id"]),
        filename=entry.get("filename"),
        creator=entry.get("creator"),
        meta=dict(entry.get("meta") or {}),
        requires_signed_urls=bool(entry.get("requireSignedURLs", False)),
        uploaded=parse_time(entry.get("uploaded")),
    )


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PortingError(
            f"{path} not found: is this a finished `images export` folder?"
        ) from None
    except (OSError, ValueError) as exc:
        raise PortingError(f"{path} cannot be read: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise PortingError(f"{path} is not a {FORMAT} manifest")
    if manifest.get("version") != VERSION:
        raise PortingError(f"{path} has version {manifest.get('version')!r}; this reads {VERSION}")
    return manifest


class FolderSource:
    """Reads back what ``FolderSink`` wrote; every file is checked against its SHA-256."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._manifest = read_manifest(folder)
        self._entries = {str(e["id"]): e for e in self._manifest.get("images") or []}

    @property
    def account_id(self) -> str | None:
        account = self._manifest.get("account") or {}
        return account.get("id")

    async def count(self) -> int | None:
        return len(self._entries)

    async def images(self) -> AsyncIterator[SourceImage]:
        for entry in self._entries.values():
            yield image_of_entry(entry)

    async def original(self, image: SourceImage) -> Original:
        entry = self._entries[image.id]
        path = self._folder / entry["file"]
        try:
            data = await anyio.Path(path).read_bytes()
        except OSError as exc:
            raise ImageFailed(f"{entry['file']}: {exc.strerror or exc}") from exc
        if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            raise ImageFailed(f"{entry['file']}: bytes do not match the manifest's sha256")
        return Original(data, entry.get("content_type"))

    async def variants(self) -> list[VariantSpec]:
        return [
            VariantSpec(name, dict(v.get("options") or {}), bool(v.get("neverRequireSignedURLs")))
            for name, v in sorted((self._manifest.get("variants") or {}).items())
        ]

    async def config(self) -> dict[str, Any] | None:
        config = self._manifest.get("config")
        return dict(config) if isinstance(config, dict) else None


class FolderSink:
    """Writes an export folder; re-running it adds only what is missing."""

    def __init__(self, folder: Path, account: dict[str, Any]) -> None:
        self._folder = folder
        self._account = account
        self._variants: dict[str, Any] = {}
        self._config: dict[str, Any] | None = None
        folder.mkdir(parents=True, exist_ok=True)
        self._entries = self._previous_entries()
        self._journal = (folder / JOURNAL).open("a", encoding="utf-8")

    def _previous_entries(self) -> dict[str, dict[str, Any]]:
        entries: dict[str, dict[str, Any]] = {}
        if (self._folder / MANIFEST).exists():
            previous = read_manifest(self._folder)
            theirs = (previous.get("account") or {}).get("id")
            if theirs != self._account.get("id"):  # never mix two accounts in one folder
                raise PortingError(f"{self._folder} holds an export of account {theirs}")
            entries |= {e["id"]: e for e in previous.get("images") or []}
        journal = self._folder / JOURNAL
        if journal.exists():
            for line in journal.read_text(encoding="utf-8").splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a line cut short by a crash: that image is simply copied again
                entries[entry["id"]] = entry
        # Keep only entries whose file is really there (a crash may come between the two).
        return {k: e for k, e in entries.items() if (self._folder / e["file"]).is_file()}

    async def presence(self, image: SourceImage) -> Presence:
        entry = self._entries.get(image.id)
        if entry is None:
            return Presence.ABSENT
        kept = image_of_entry(entry)
        same = (kept.meta, kept.creator, kept.requires_signed_urls) == (
            image.meta,
            image.creator,
            image.requires_signed_urls,
        )
        return Presence.SAME if same else Presence.STALE

    async def put_image(self, image: SourceImage, original: Original) -> None:
        digest = hashlib.sha256(image.id.encode("utf-8")).hexdigest()
        extension = EXTENSIONS.get(original.content_type or "", "")
        file = f"originals/{digest[:2]}/{digest}{extension}"
        await anyio.to_thread.run_sync(_write_atomically, self._folder / file, original.data)
        self._record(entry_of(image, file, original))

    async def refresh_image(self, image: SourceImage) -> None:
        entry = self._entries[image.id]
        fields = entry_of(image, entry["file"], Original(b""))
        kept = {"file", "content_type", "size", "sha256"}
        self._record({k: (entry[k] if k in kept else v) for k, v in fields.items()})

    def _record(self, entry: dict[str, Any]) -> None:
        self._entries[entry["id"]] = entry
        self._journal.write(json.dumps(entry, ensure_ascii=False) + "\n")
        self._journal.flush()

    async def put_variant(self, variant: VariantSpec) -> Outcome:
        self._variants[variant.name] = {
            "options": variant.options,
            "neverRequireSignedURLs": variant.never_requires_signed_urls,
        }
        return Outcome.COPIED

    async def put_config(self, config: dict[str, Any]) -> Outcome:
        self._config = config
        return Outcome.COPIED

    async def finish(self, completed: bool) -> None:
        """Write the manifest (atomically), then drop the journal it now contains.

        An interrupted export writes no manifest: its journal is what the next run resumes.
        """
        self._journal.close()
        if not completed:
            return
        images = sorted(self._entries.values(), key=lambda e: (e.get("uploaded") or "", e["id"]))
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "exported": _rfc3339(datetime.now(UTC)),
            "account": self._account,
            "config": self._config,
            "variants": dict(sorted(self._variants.items())),
            "images": images,
        }
        text = json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
        _write_atomically(self._folder / MANIFEST, text.encode("utf-8"))
        (self._folder / JOURNAL).unlink(missing_ok=True)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.part")
    with temporary.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _rfc3339(when: datetime | None) -> str | None:
    if when is None:
        return None
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
