"""`flarelite fsck`: check image rows against the blob store, and repair what is safe to.

Exit status: 0 when nothing is left to fix, 1 when findings remain, 2 on invalid settings.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from flarelite.cli.settings import load_settings

if TYPE_CHECKING:
    from flarelite.config import Settings
    from flarelite.images.fsck import FsckReport, Repair


def fsck(
    repair: Annotated[
        bool, typer.Option("--repair", help="Delete orphan blobs and staging files.")
    ] = False,
    delete_rows: Annotated[
        bool,
        typer.Option(
            "--delete-rows-without-bytes",
            help="With --repair: also delete image rows whose original is missing or damaged.",
        ),
    ] = False,
    grace: Annotated[
        int,
        typer.Option(
            min=0, help="Keep orphans younger than this many seconds (uploads in flight)."
        ),
    ] = 600,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Find image rows without bytes and bytes without a row; --repair removes the latter."""
    import anyio

    from flarelite.images.fsck import Repair

    if delete_rows and not repair:
        typer.echo("flarelite: --delete-rows-without-bytes needs --repair", err=True)
        raise typer.Exit(2)
    settings = load_settings()
    plan = Repair(
        orphans=repair, delete_rows_without_bytes=delete_rows, grace=timedelta(seconds=grace)
    )
    from sqlalchemy.exc import DBAPIError

    try:
        report = anyio.run(_run, settings, plan)
    except DBAPIError as exc:  # no schema yet, or the database is down
        typer.echo(f"flarelite: cannot read the database: {exc.orig}", err=True)
        typer.echo("flarelite: is FLARELITE_DATABASE_URL right, and migrated?", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(report.as_json()))
    else:
        _print(report)
    raise typer.Exit(0 if report.is_clean else 1)


async def _run(settings: Settings, plan: Repair) -> FsckReport:
    from flarelite.images.fsck import ImagesFsck
    from flarelite.services import build

    services = build(settings)
    try:
        return await ImagesFsck(services.sessions, services.blobs, services.clock).run(plan)
    finally:
        await services.close()


def _print(report: FsckReport) -> None:
    typer.echo(
        f"checked {report.rows_checked} image rows, {report.originals_checked} originals, "
        f"{report.variants_checked} built variants"
    )
    for row in report.rows_without_bytes:
        problem = (
            "missing"
            if row.found_size is None
            else f"{row.found_size} bytes, row says {row.expected_size}"
        )
        action = "  (row deleted)" if row.deleted else ""
        typer.echo(
            f"row without bytes: account {row.account_id} image {row.image_id!r}: "
            f"{row.blob_key} {problem}{action}"
        )
    for orphan in report.orphan_blobs:
        action = "  (removed)" if orphan.removed else ""
        typer.echo(
            f"orphan {orphan.kind}: {orphan.key} ({orphan.size} bytes, "
            f"{orphan.age_seconds} s old){action}"
        )
    typer.echo("clean" if report.is_clean else "problems remain (see above)")
