"""The copy engine: variants and config first, then every image through a bounded pool.

Idempotent and resumable by construction: the sink is asked what it already holds before
any byte moves, so a re-run (after an interruption, or just again) copies only what is
missing. One image's failure is reported and the copy goes on; a ``PortingError`` (the
source refuses us or is gone) stops it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio
from anyio.abc import ObjectReceiveStream

from flarelite.core.errors import FlareliteError
from flarelite.images.porting.model import (
    CopyReport,
    ImageFailed,
    Outcome,
    Presence,
    Sink,
    Source,
    SourceImage,
)

# Called after each image with its outcome and the bytes it moved (drives the progress bar).
OnImage = Callable[[Outcome, int], None]


async def copy_account(
    source: Source, sink: Sink, *, concurrency: int = 8, on_image: OnImage | None = None
) -> CopyReport:
    """Copy variants, config and images from ``source`` to ``sink``; see the module docstring."""
    started = time.monotonic()
    report = CopyReport()
    completed = False
    try:
        await _copy_variants(source, sink, report)
        await _copy_config(source, sink, report)
        await _copy_images(source, sink, report, max(1, concurrency), on_image)
        completed = True
    finally:
        with anyio.CancelScope(shield=True):  # runs on Ctrl-C too: state must stay resumable
            await sink.finish(completed)
        report.seconds = time.monotonic() - started
    return report


async def _copy_variants(source: Source, sink: Sink, report: CopyReport) -> None:
    for variant in await source.variants():
        try:
            report.variants[variant.name] = await sink.put_variant(variant)
        except (FlareliteError, ImageFailed) as exc:
            report.variants[variant.name] = f"{Outcome.FAILED}: {_reason(exc)}"


async def _copy_config(source: Source, sink: Sink, report: CopyReport) -> None:
    config = await source.config()
    if config is None:
        return
    try:
        report.config = await sink.put_config(config)
    except FlareliteError as exc:
        report.config = f"{Outcome.FAILED}: {_reason(exc)}"


async def _copy_images(
    source: Source, sink: Sink, report: CopyReport, concurrency: int, on_image: OnImage | None
) -> None:
    # The listing runs ahead of the workers by at most a small buffer: memory stays bounded.
    send, receive = anyio.create_memory_object_stream[SourceImage](concurrency * 2)

    async def worker(images: ObjectReceiveStream[SourceImage]) -> None:
        async with images:
            async for image in images:
                outcome, nbytes = await _copy_one(source, sink, image, report)
                report.count(outcome, nbytes)
                if on_image is not None:
                    on_image(outcome, nbytes)

    try:
        async with anyio.create_task_group() as group:
            for _ in range(concurrency):
                group.start_soon(worker, receive.clone())
            receive.close()
            async with send:
                async for image in source.images():
                    await send.send(image)
    except BaseExceptionGroup as failed:
        # One cause (the listing failed, Ctrl-C): callers catch it as itself, not as a group.
        if len(failed.exceptions) == 1:
            raise failed.exceptions[0] from None
        raise


async def _copy_one(
    source: Source, sink: Sink, image: SourceImage, report: CopyReport
) -> tuple[Outcome, int]:
    try:
        presence = await sink.presence(image)
        if presence is Presence.SAME:
            return Outcome.SKIPPED, 0
        if presence is Presence.STALE:
            await sink.refresh_image(image)
            return Outcome.UPDATED, 0
        original = await source.original(image)
        await sink.put_image(image, original)
    except (FlareliteError, ImageFailed) as exc:
        report.failed[image.id] = _reason(exc)
        return Outcome.FAILED, 0
    return Outcome.COPIED, len(original.data)


def _reason(exc: Exception) -> str:
    # A FlareliteError's public text names the rule ("Must not be UUID"), its message the case.
    if isinstance(exc, FlareliteError):
        internal = str(exc)
        suffix = f": {internal}" if internal != exc.message else ""
        return f"{exc.message} ({exc.code}){suffix}"
    return str(exc)
