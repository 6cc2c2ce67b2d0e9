"""`flarelite` commands: serve, init, migrate, users, fsck.

Heavy modules are imported inside the commands: the `serve` supervisor stays small, and
its workers (spawned) and the one-off preparation child import what they need themselves.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from flarelite.cli.fsck import fsck
from flarelite.cli.images import images as images_cli
from flarelite.cli.settings import load_settings
from flarelite.cli.tokens import tokens as tokens_cli
from flarelite.config import Settings

app = typer.Typer(
    help="Self-hosted Cloudflare v4-compatible API tokens, Images and DNS.", no_args_is_help=True
)
users = typer.Typer(help="Manage dashboard users.", no_args_is_help=True)
app.add_typer(users, name="users")
app.add_typer(tokens_cli, name="tokens")
app.add_typer(images_cli, name="images")
app.command()(fsck)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8787,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Migrate the database, then serve the API, delivery and dashboard."""
    from flarelite.cli.serve import prepare_in_child
    from flarelite.cli.serve import serve as run_server

    settings = load_settings()  # fail fast; also writes the shared secret key before forking
    prepare_in_child()  # migrations and the first-run user, in a child that exits afterwards
    if settings.metrics_token:
        from flarelite.observability.multiprocess import prepare_metrics_dir

        # Before any worker imports prometheus_client: workers share one metrics folder.
        prepare_metrics_dir(settings.data_dir)
    base = f"http://{host}:{port}"
    typer.echo(f"flarelite: serving on {base}  (API: {base}/client/v4, docs: {base}/docs)")
    run_server(host, port, workers)


@app.command()
def init(
    email: Annotated[str, typer.Option(help="Email of the first user.")],
    password: Annotated[str, typer.Option(help="Password of the first user.")],
    account_name: Annotated[str, typer.Option(help="Name of the first account.")] = "My account",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Create a user, an account and a user token that may do everything."""
    import anyio

    from flarelite.core.errors import FlareliteError
    from flarelite.identity.errors import UserExists
    from flarelite.storage.migrate import migrate as run_migrations

    settings = load_settings()
    run_migrations(settings.database_url)
    try:
        made = anyio.run(_init, settings, email, password, account_name)
    except UserExists:
        typer.echo(
            f"flarelite: a user with email {email} already exists in this data dir", err=True
        )
        raise typer.Exit(1) from None
    except FlareliteError as exc:
        typer.echo(f"flarelite: {exc.message}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(made.as_json()))
    else:
        for key, value in made.as_json().items():
            typer.echo(f"{key}: {value}")


async def _init(settings: Settings, email: str, password: str, account_name: str):  # type: ignore[no-untyped-def]
    from flarelite.cli.bootstrap import bootstrap
    from flarelite.services import build

    services = build(settings)
    try:
        return await bootstrap(services, email, password, account_name, "flarelite init")
    finally:
        await services.close()


@app.command()
def migrate() -> None:
    """Upgrade the database schema to the newest revision."""
    from flarelite.storage.migrate import migrate as run_migrations

    settings = load_settings()
    run_migrations(settings.database_url)
    typer.echo("flarelite: database is up to date")


@users.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="Email (the login name).")],
    password: Annotated[str, typer.Option(help="Password, 8 characters or more.")],
    account_name: Annotated[
        str | None, typer.Option(help="Also create an account they administer.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create a dashboard user (and optionally an account they administer)."""
    import anyio

    from flarelite.core.errors import FlareliteError
    from flarelite.storage.migrate import migrate as run_migrations

    settings = load_settings()
    run_migrations(settings.database_url)
    try:
        result = anyio.run(_create_user, settings, email, password, account_name)
    except FlareliteError as exc:
        typer.echo(f"flarelite: {exc.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(result) if as_json else f"created user {result['user_id']}")


async def _create_user(
    settings: Settings, email: str, password: str, account_name: str | None
) -> dict[str, str]:
    from flarelite.services import build

    services = build(settings)
    try:
        user = await services.identity.create_user(email, password)
        result = {"user_id": user.id, "email": user.email}
        if account_name:
            account = await services.identity.create_account(account_name, owner_id=user.id)
            result |= {"account_id": account.id, "account_hash": account.account_hash}
        return result
    finally:
        await services.close()
