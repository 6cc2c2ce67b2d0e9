"""Delivery: URL -> image + variant or options -> signature -> format -> cached or built variant.

Design §2 "Delivery". Returns a ``Delivered`` value; cdn/ turns it (and DeliveryError) into HTTP.
Misses are single-flight per cache key, rendered in the bounded TransformPool, stored twice.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog

from flarelite.images import containers, geometry
from flarelite.images.delivery_lookup import DeliveryCatalogue, ImageFacts
from flarelite.images.delivery_url import parse_delivery_path
from flarelite.images.errors import (
    AccessDenied,
    Busy,
    DeliveryError,
    DeliveryNotFound,
    FlexibleVariantsDisabled,
    NotAnImage,
    TooLargeToTransform,
    TransformInternal,
)
from flarelite.images.formats import ImageFormat
from flarelite.images.negotiate import accepted_types, choose_format
from flarelite.images.options import TransformOptions, canonical, from_variant, parse_flexible
from flarelite.images.pipeline import RenderLimits, probe, render
from flarelite.images.records import variant_prefix
from flarelite.images.transform_pool import TransformPool
from flarelite.images.url_signatures import check_signature
from flarelite.images.variant_cache import BuiltVariant, VariantCache
from flarelite.observability.metrics import (
    STORAGE_ERRORS,
    TRANSFORM_REJECTIONS,
    TRANSFORM_SECONDS,
    TRANSFORMS_IN_FLIGHT,
    VARIANT_LOOKUPS,
)
from flarelite.storage.blobs import BlobNotFound, BlobStore
from flarelite.storage.locks import BuildLocks

log = structlog.get_logger(__name__)
# Where each delivered variant came from (the cache hit ratio); resolved once, incremented only.
_FROM_MEMORY = VARIANT_LOOKUPS.labels("memory")
_FROM_STORE = VARIANT_LOOKUPS.labels("store")
_BUILT = VARIANT_LOOKUPS.labels("built")
STALE_WHILE_REVALIDATE = 7200  # §4.4 header shape
_ACCEPT_MEMO_MAX = 256
# Enlargements may not produce more than this; shrinking (output <= source) is always fine.
# Without it, w=12000,h=12000,fit=contain on a thumbnail costs seconds of CPU (a cheap DoS).
MAX_ENLARGED_PIXELS = 25_000_000


@dataclass(frozen=True, slots=True)
class DeliveryRequest:
    path: str  # percent-decoded request path
    raw_path: str  # as sent: what a signature covers (§5)
    query: str
    accept: str | None = None
    if_none_match: str | None = None


@dataclass(frozen=True, slots=True)
class Delivered:
    variant: BuiltVariant
    cache_control: str
    not_modified: bool

    @property
    def is_svg(self) -> bool:
        return self.variant.content_type == "image/svg+xml"


@dataclass(frozen=True, slots=True)
class _Plan:
    opts: TransformOptions
    version: str  # the variant's version, or "flex" for option lists
    browser_ttl: int
    needs_signature: bool


class DeliveryService:
    def __init__(
        self,
        catalogue: DeliveryCatalogue,
        blobs: BlobStore,
        pool: TransformPool,
        locks: BuildLocks,
        cache: VariantCache,
        limits: RenderLimits | None = None,
    ) -> None:
        self._catalogue = catalogue
        self._blobs = blobs
        self._pool = pool
        self._locks = locks
        self._cache = cache
        self._limits = limits or RenderLimits()
        self._accepts: dict[str, str] = {}

    async def deliver(self, request: DeliveryRequest) -> Delivered:
        """Raises DeliveryError subclasses (9xxx) for every client-visible failure."""
        self._catalogue.refresh()
        path = parse_delivery_path(request.path)
        account_id = await self._catalogue.account_id(path.account_hash)
        image = await self._catalogue.image(account_id, path.image_id)
        plan = await self._plan(account_id, path.variant, path.options, image)
        expires = None
        if plan.needs_signature:
            keys = await self._catalogue.keys(account_id)
            now = self._catalogue.now()
            expires = check_signature(request.raw_path, request.query, keys, now)
        accept = self._accept_class(request.accept, plan.opts, image)
        key = cache_key(image, plan, accept)
        built = self._cache.get(key)
        if built is None:
            built = await self._build(key, image, plan.opts, accept)
        else:
            _FROM_MEMORY.inc()
        return Delivered(
            built,
            _cache_control(plan, expires, self._catalogue.now()),
            etag_matches(request.if_none_match, built.etag),
        )

    async def _plan(
        self, account_id: str, variant: str | None, options: str | None, image: ImageFacts
    ) -> _Plan:
        config = await self._catalogue.config(account_id)
        if variant is None:
            if not config.flexible_variants:
                raise FlexibleVariantsDisabled(f"account {account_id}")
            if image.requires_signed_urls:  # §4.2, §5: never for private images
                raise AccessDenied("flexible variant of a private image")
            return _Plan(parse_flexible(options or ""), "flex", config.browser_ttl, False)
        found = await self._catalogue.variant(account_id, variant)
        ttl = found.options.get("browser_ttl")
        return _Plan(
            from_variant(found.options),
            f"{found.name}.{found.version}",
            ttl if isinstance(ttl, int) else config.browser_ttl,
            image.requires_signed_urls and not found.never_requires_signed_urls,
        )

    def _accept_class(self, accept: str | None, opts: TransformOptions, image: ImageFacts) -> str:
        """What of ``Accept`` can change the output: AVIF and WebP support, nothing else."""
        if image.content_type == "image/svg+xml" or opts.format not in ("auto", None):
            return ""
        raw = accept or ""
        found = self._accepts.get(raw)
        if found is None:
            ranges = accepted_types(raw)
            found = ",".join(m for m in ("image/avif", "image/webp") if ranges.get(m, 0.0) > 0)
            if len(self._accepts) >= _ACCEPT_MEMO_MAX:
                self._accepts.clear()
            self._accepts[raw] = found
        return found

    async def _build(
        self, key: str, image: ImageFacts, opts: TransformOptions, accept: str
    ) -> BuiltVariant:
        async with self._locks.hold(key):
            hit = self._cache.get(key)
            if hit is not None:  # built by the request we waited for
                _FROM_MEMORY.inc()
                return hit
            blob_key = variant_prefix(image.account_id, image.id_hash) + key
            built = await self._stored(blob_key)
            if built is None:

                async def original() -> bytes:
                    try:
                        return await self._blobs.get(image.blob_key)
                    except BlobNotFound as exc:  # deleted between the lookup and now
                        raise DeliveryNotFound(f"original {image.blob_key} gone") from exc

                built = await self._transform(original, opts, accept)
                _BUILT.inc()
                # One line per build (not per request): how often single-flight failed to hold.
                log.info("variant_built", key=key, content_type=built.content_type)
                await self._store(blob_key, built)
            else:
                _FROM_STORE.inc()
            self._cache.put(key, built)
            return built

    async def _transform(
        self, original: Callable[[], Awaitable[bytes]], opts: TransformOptions, accept: str
    ) -> BuiltVariant:
        TRANSFORMS_IN_FLIGHT.inc()  # the queue depth: running plus waiting for a slot
        try:
            return await self._pool.run(original, transform, opts, accept, self._limits)
        except Busy:
            TRANSFORM_REJECTIONS.inc()
            raise
        finally:
            TRANSFORMS_IN_FLIGHT.dec()

    async def _stored(self, blob_key: str) -> BuiltVariant | None:
        try:
            return BuiltVariant.decode(await self._blobs.get(blob_key))
        except BlobNotFound:
            return None

    async def _store(self, blob_key: str, built: BuiltVariant) -> None:
        try:
            await self._blobs.put(blob_key, built.encode(), durable=False)  # rebuildable
        except Exception as exc:  # the variant is served anyway; the next miss rebuilds it
            log.warning("variant_store_failed", key=blob_key, error=str(exc))
            STORAGE_ERRORS.labels("variant_store").inc()


def transform(
    data: bytes, opts: TransformOptions, accept: str, limits: RenderLimits
) -> BuiltVariant:
    """Pick the output format from the original's header, render, tag. Runs in the pool;
    its time is recorded in ``flarelite_transform_duration_seconds``."""
    started = time.perf_counter()
    outcome = "error"
    try:
        built = _transform(data, opts, accept, limits)
        outcome = "ok"
        return built
    finally:
        TRANSFORM_SECONDS.labels(outcome).observe(time.perf_counter() - started)


def _transform(
    data: bytes, opts: TransformOptions, accept: str, limits: RenderLimits
) -> BuiltVariant:
    try:
        fmt = containers.sniff(data)
        if fmt is None:
            raise NotAnImage("stored original not an image")
        if fmt is ImageFormat.SVG:
            out = choose_format(accept, opts.format, fmt, animated=False)
        else:
            source = probe(data, fmt, opts)
            _check_enlargement(source.width, source.height, opts)
            animated = source.frames > 1 and opts.anim
            out = choose_format(
                accept, opts.format, fmt, animated=animated, has_alpha=source.has_alpha
            )
        rendered = render(data, opts, out, limits=limits)
    except DeliveryError:
        raise
    except Exception as exc:  # a bug in the pipeline: 9523, logged by the caller's edge
        raise TransformInternal(f"{type(exc).__name__}: {exc}") from exc
    etag = '"' + hashlib.blake2b(rendered.data, digest_size=16).hexdigest() + '"'
    return BuiltVariant(rendered.data, rendered.content_type, etag)


def _check_enlargement(width: int, height: int, opts: TransformOptions) -> None:
    out_width, out_height = geometry.plan((width, height), opts).output
    area = out_width * out_height
    if area > max(width * height, MAX_ENLARGED_PIXELS):
        raise TooLargeToTransform(
            f"{width}x{height} -> {out_width}x{out_height}",
            detail=f"The image enlarged too much: {out_width}×{out_height}",
        )


def cache_key(image: ImageFacts, plan: _Plan, accept: str) -> str:
    """Hex digest of every input of the bytes: original (its blob), variant version, options,
    accepted formats. A new upload, variant edit or option change gives a new key (§4.4)."""
    text = "\x1f".join((image.blob_key, plan.version, canonical(plan.opts), accept))
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.2: weak comparison, ``*`` matches any current representation."""
    if not if_none_match:
        return False
    for candidate in if_none_match.split(","):
        tag = candidate.strip().removeprefix("W/")
        if tag == "*" or tag == etag:
            return True
    return False


def _cache_control(plan: _Plan, expires: int | None, now: int) -> str:
    if plan.needs_signature:
        # §4.4: private images ignore the TTLs; their cache time follows the signature expiry.
        ttl = plan.browser_ttl if expires is None else max(0, min(plan.browser_ttl, expires - now))
        return f"private, max-age={ttl}"
    return f"public, max-age={plan.browser_ttl}, stale-while-revalidate={STALE_WHILE_REVALIDATE}"
