"""`flarelite images import|export`: the typer edge over ``images.porting``.

Import writes into this flarelite through the domain services, with the same settings as
``serve`` (so generated ids and upload times survive); it is safe while the server runs.
Heavy modules are imported inside the commands, keeping ``flarelite --help`` fast.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from flarelite.cli.settings import load_settings

if TYPE_CHECKING:
    from flarelite.config import Settings
    from flarelite.identity.models import Account
    from flarelite.images.porting.model import CopyReport, Sink, Source
    from flarelite.services import Services

images = typer.Typer(help="Copy Images data in and out.", no_args_is_help=True)

Concurrency = Annotated[
    int, typer.Option(min=1, max=64, help="Images copied at once (bounded, for both ends).")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the final report as JSON.")]


@images.command("import")
def import_images(
    from_url: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="v4 API base URL: https://api.cloudflare.com/client/v4 or another flarelite's.",
        ),
    ] = None,
    from_folder: Annotated[
        Path | None,
        typer.Option("--from-folder", help="A folder written by `flarelite images export`."),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="FLARELITE_IMPORT_TOKEN",
            help="API token with Images Read on the source account (or set the variable).",
            show_default=False,
        ),
    ] = None,
    account: Annotated[str | None, typer.Option(help="Source account id (with --from).")] = None,
    into: Annotated[
        str | None,
        typer.Option(help="Local account id to write into; default: the source account's id."),
    ] = None,
    concurrency: Concurrency = 8,
    as_json: AsJson = False,
) -> None:
    """Copy every image (bytes, id, metadata, creator, requireSignedURLs, upload time), the
    named variants and the config into this flarelite. Re-run it to resume: nothing is
    copied twice."""
    if (from_url is None) == (from_folder is None):
        _fail("give exactly one of --from URL or --from-folder FOLDER", code=2)
    if from_url is not None and not (token and account):
        _fail("--from needs --token (or FLARELITE_IMPORT_TOKEN) and --account", code=2)
    job = ImportJob(from_url, from_folder, token, account, into, concurrency, quiet=as_json)
    _run(lambda settings: _import(settings, job), as_json=as_json)


@images.command("export")
def export_images(
    folder: Annotated[Path, typer.Argument(help="Folder to write (created when missing).")],
    account: Annotated[str, typer.Option(help="Local account id to export.")],
    concurrency: Concurrency = 8,
    as_json: AsJson = False,
) -> None:
    """Write every original plus manifest.json (ids, metadata, variants, config) to FOLDER.
    Re-run it to resume or refresh; `images import --from-folder` reads it back."""
    _run(lambda settings: _export(settings, folder, account, concurrency, as_json), as_json=as_json)


# --- running ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportJob:
    from_url: str | None
    from_folder: Path | None
    token: str | None = field(repr=False)  # never printed
    account: str | None
    into: str | None
    concurrency: int
    quiet: bool


def _run(command: Callable[[Settings], Awaitable[CopyReport]], *, as_json: bool) -> None:
    """Migrate, run ``command``, print its report; exit 1 unless everything was copied."""
    import anyio

    from flarelite.core.errors import FlareliteError
    from flarelite.images.porting.model import PortingError
    from flarelite.storage.migrate import migrate as run_migrations

    settings = load_settings()
    run_migrations(settings.database_url)
    try:
        report = anyio.run(command, settings)
    except PortingError as exc:
        _fail(str(exc))
    except FlareliteError as exc:
        _fail(exc.message)
    except OSError as exc:  # the export folder or a --from-folder file: disk full, no access
        _fail(f"{exc.filename or 'file'}: {exc.strerror or exc}")
    except KeyboardInterrupt:
        _fail("interrupted: run the same command again to resume", code=130)
    if as_json:
        typer.echo(json.dumps(report.as_json()))
    else:
        _print_report(report)
    if not report.is_complete:
        raise typer.Exit(1)


async def _import(settings: Settings, job: ImportJob) -> CopyReport:
    import anyio
    import httpx

    from flarelite.images.porting.folder import FolderSource
    from flarelite.images.porting.local import LocalSink
    from flarelite.images.porting.model import PortingError
    from flarelite.images.porting.v4 import V4Source
    from flarelite.services import build

    services = build(settings)
    try:
        async with httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=10.0)) as client:
            source: Source
            account = job.account
            if job.from_folder is not None:
                source = FolderSource(job.from_folder)
                account = source.account_id
            else:
                source = V4Source(job.from_url or "", job.token or "", account or "", client=client)
            target = job.into or account
            if not target:
                raise PortingError("the manifest names no account: give --into ACCOUNT_ID")
            await _local_account(services, target, given=job.into is not None)
            sink = LocalSink(
                target,
                services.images,
                services.image_variants,
                services.image_config,
                on_change=services.image_changes.bump,
            )
            report = await _copy(source, sink, job.concurrency, quiet=job.quiet)
            if services.redis is not None:
                await anyio.sleep(0.2)  # let the change feed's publish to other nodes go out
            return report
    finally:
        await services.close()


async def _export(
    settings: Settings, folder: Path, account: str, concurrency: int, quiet: bool
) -> CopyReport:
    from flarelite.images.porting.folder import FolderSink
    from flarelite.images.porting.local import LocalSource
    from flarelite.services import build

    services = build(settings)
    try:
        local = await _local_account(services, account, given=True)
        source = LocalSource(
            account, services.images, services.image_variants, services.image_config
        )
        sink = FolderSink(folder, {"id": local.id, "name": local.name, "hash": local.account_hash})
        return await _copy(source, sink, concurrency, quiet=quiet)
    finally:
        await services.close()


async def _local_account(services: Services, account_id: str, *, given: bool) -> Account:
    from flarelite.identity.errors import AccountNotFound
    from flarelite.images.porting.model import PortingError

    try:
        return await services.identity.get_account(account_id)
    except AccountNotFound:
        hint = "" if given else "; give --into with a local account id"
        raise PortingError(f"no account {account_id} in this flarelite{hint}") from None


async def _copy(source: Source, sink: Sink, concurrency: int, *, quiet: bool) -> CopyReport:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from flarelite.images.porting.copy import copy_account

    total = await source.count()
    progress = Progress(
        TextColumn("images"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("• {task.fields[moved]}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=quiet,
    )
    task = progress.add_task("images", total=total, moved="0.0 MB")
    moved = 0

    def advance(_: object, nbytes: int) -> None:
        nonlocal moved
        moved += nbytes
        progress.update(task, advance=1, moved=f"{moved / 1_000_000:.1f} MB")

    with progress:
        return await copy_account(source, sink, concurrency=concurrency, on_image=advance)


# --- output -------------------------------------------------------------------------------


def _print_report(report: CopyReport) -> None:
    from rich.console import Console

    console = Console()
    summary = report.as_json()
    counts = summary["images"]
    console.print(
        f"images: {counts['seen']} seen, {counts['copied']} copied, {counts['updated']} updated, "
        f"{counts['skipped']} already there, {counts['failed']} failed "
        f"({report.bytes_copied / 1_000_000:.1f} MB in {report.seconds:.1f} s)",
        highlight=False,
    )
    variants = ", ".join(f"{name} {outcome}" for name, outcome in summary["variants"].items())
    console.print(f"variants: {variants or 'none'}", highlight=False)
    console.print(f"config: {report.config}", highlight=False)
    for failure in summary["failures"]:
        console.print(f"  failed {failure['id']}: {failure['reason']}", highlight=False)


def _fail(message: str, *, code: int = 1) -> NoReturn:
    typer.echo(f"flarelite: {message}", err=True)
    raise typer.Exit(code)
