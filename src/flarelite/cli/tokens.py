"""`flarelite tokens list|create|roll|revoke|explain`: API tokens straight from the database.

Same settings and services as `serve`; every change bumps the change feed, so running servers
drop what they cached at once. Heavy modules load inside the commands: `--help` stays fast.
`--json` prints the API's wire shapes; without it, rich tables.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from flarelite.cli.settings import load_settings

if TYPE_CHECKING:
    from flarelite.services import Services

tokens = typer.Typer(help="Manage API tokens directly in the database.", no_args_is_help=True)
_T = TypeVar("_T")
DENIED_EXIT = 3  # `explain` exits with this when the request would be refused

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _run(work: Callable[[Services], Awaitable[_T]]) -> _T:
    """Run ``work`` with this data dir's services; a domain error becomes one line and exit 1."""
    import anyio

    from flarelite.core.errors import FlareliteError
    from flarelite.services import build

    settings = load_settings()

    async def main() -> _T:
        services = build(settings)
        try:
            return await work(services)
        finally:
            await services.close()

    try:
        return anyio.run(main)
    except FlareliteError as exc:
        typer.echo(f"flarelite: {exc.message} ({exc})", err=True)
        raise typer.Exit(1) from None


def _print_json(value: object) -> None:
    typer.echo(json.dumps(value, indent=2, default=str))


@tokens.command("list")
def list_tokens(
    user: Annotated[str | None, typer.Option(help="Only this user's tokens (email).")] = None,
    account: Annotated[str | None, typer.Option(help="Only this account's tokens (id).")] = None,
    as_json: AsJson = False,
) -> None:
    """List tokens: every user's and account's, or one owner's."""
    from flarelite.api.handlers.tokens import token_as_api
    from flarelite.tokens.service import token_status

    async def work(services: Services) -> tuple[list[dict[str, Any]], list[list[str]]]:
        user_id = None
        if user is not None:
            found = await services.identity.find_user_by_email(user)
            if found is None:
                raise _no_such_user(user)
            user_id = found.id
        rows = await services.tokens.every(user_id=user_id, account_id=account)
        now = services.clock.now()
        wire = [token_as_api(token, now) | _owner_json(token) for token in rows]
        table = [
            [
                token.id,
                token.name,
                f"user {token.user_id}" if token.user_id else f"account {token.account_id}",
                token_status(token, now),
                f"…{token.last_four}",
                str(token.expires_on or "-"),
                str(token.last_used_on or "-"),
            ]
            for token in rows
        ]
        return wire, table

    wire, table = _run(work)
    if as_json:
        _print_json(wire)
        return
    _table(
        "API tokens",
        ["id", "name", "owner", "status", "value", "expires on", "last used"],
        table,
    )


@tokens.command("create")
def create_token(
    name: Annotated[str, typer.Option(help="Token name.")],
    policies: Annotated[
        str, typer.Option(help="Policies as the API takes them: JSON, or @file with the JSON.")
    ],
    user: Annotated[str | None, typer.Option(help="Owner: a user's email (user token).")] = None,
    account: Annotated[
        str | None, typer.Option(help="Owner: an account id (account token).")
    ] = None,
    expires_on: Annotated[str | None, typer.Option(help="RFC 3339 expiry.")] = None,
    not_before: Annotated[str | None, typer.Option(help="RFC 3339 start.")] = None,
    allow_ip: Annotated[
        list[str] | None, typer.Option(help="Client IP range allowed (repeatable).")
    ] = None,
    deny_ip: Annotated[
        list[str] | None, typer.Option(help="Client IP range refused (repeatable).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Create a token; its value is printed once, here and never again."""
    from flarelite.api.handlers.tokens import token_as_api
    from flarelite.tokens.secrets import TokenKind
    from flarelite.tokens.service import TokenOwner

    if (user is None) == (account is None):
        typer.echo("flarelite: give exactly one owner: --user EMAIL or --account ID", err=True)
        raise typer.Exit(2)
    payload: dict[str, Any] = {"name": name, "policies": _json_option(policies, "--policies")}
    if expires_on:
        payload["expires_on"] = expires_on
    if not_before:
        payload["not_before"] = not_before
    if allow_ip or deny_ip:
        ip = {"in": allow_ip or [], "not_in": deny_ip or []}
        payload["condition"] = {"request_ip": {k: v for k, v in ip.items() if v}}

    async def work(services: Services) -> dict[str, Any]:
        if user is not None:
            found = await services.identity.find_user_by_email(user)
            if found is None:
                raise _no_such_user(user)
            owner = TokenOwner(TokenKind.USER, found.id)
        else:
            await services.identity.get_account(str(account))  # AccountNotFound when unknown
            owner = TokenOwner(TokenKind.ACCOUNT, str(account))
        token, secret = await services.tokens.create(owner, payload)
        return token_as_api(token, services.clock.now()) | {"value": secret}

    made = _run(work)
    if as_json:
        _print_json(made)
        return
    typer.echo(f"created token {made['id']} ({made['name']})")
    typer.echo(f"value (shown once): {made['value']}")


@tokens.command("roll")
def roll_token(
    token_id: Annotated[str, typer.Argument(help="Token id.")], as_json: AsJson = False
) -> None:
    """Give a token a new value; the old value stops working at once, on every worker."""

    async def work(services: Services) -> str:
        owner, _ = await services.tokens.find(token_id)
        return await services.tokens.roll(owner, token_id)

    value = _run(work)
    if as_json:
        _print_json({"id": token_id, "value": value})
    else:
        typer.echo(f"new value for {token_id} (shown once): {value}")


@tokens.command("revoke")
def revoke_token(
    token_id: Annotated[str, typer.Argument(help="Token id.")], as_json: AsJson = False
) -> None:
    """Delete a token: it stops working at once, on every worker."""

    async def work(services: Services) -> None:
        owner, _ = await services.tokens.find(token_id)
        await services.tokens.delete(owner, token_id)

    _run(work)
    if as_json:
        _print_json({"id": token_id, "revoked": True})
    else:
        typer.echo(f"revoked token {token_id}")


@tokens.command("explain")
def explain_token(
    token_id: Annotated[str, typer.Argument(help="Token id.")],
    method: Annotated[str, typer.Argument(help="HTTP method, e.g. GET.")],
    path: Annotated[str, typer.Argument(help="Request path, e.g. /client/v4/zones/<id>.")],
    ip: Annotated[str, typer.Option(help="Client IP the request comes from.")] = "127.0.0.1",
    at: Annotated[
        str | None, typer.Option(help="When (RFC 3339); default: the server's clock now.")
    ] = None,
    account: Annotated[str | None, typer.Option(help="account.id of a create-zone body.")] = None,
    as_json: AsJson = False,
) -> None:
    """Would this token be allowed this request? Which policy decides, and why.

    Exits 0 when allowed, 3 when refused, 1 when the token does not exist.
    """
    from datetime import datetime

    from flarelite.api.explain import Explanation, explain

    when = None
    if at is not None:
        try:
            when = datetime.fromisoformat(at.replace("z", "Z"))
        except ValueError:
            when = None
        if when is None or when.tzinfo is None:
            typer.echo("flarelite: --at: an RFC 3339 time with a zone, e.g. 2030-01-01T00:00:00Z")
            raise typer.Exit(2)

    async def work(services: Services) -> Explanation:
        moment = when or services.clock.now()
        return await explain(services, token_id, method, path, ip=ip, at=moment, account_id=account)

    verdict = _run(work)
    if as_json:
        _print_json(verdict.as_json())
    else:
        _print_explanation(verdict, method, path, ip)
    if not verdict.allowed:
        raise typer.Exit(DENIED_EXIT)


def _print_explanation(verdict: Any, method: str, path: str, ip: str) -> None:
    from rich.console import Console

    console = Console()
    outcome = "[green]ALLOWED[/]" if verdict.allowed else "[red]DENIED[/]"
    console.print(f"{method.upper()} {path} from {ip}: {outcome}", highlight=False)
    if verdict.route:
        console.print(f"  route:   {verdict.route}", highlight=False)
    if verdict.needs:
        console.print(f"  needs:   {verdict.needs}", highlight=False)
    if not verdict.allowed:
        console.print(
            f"  answer:  {verdict.status}, code {verdict.code}: {verdict.message}", highlight=False
        )
    if verdict.policy_id:
        console.print(f"  policy:  {verdict.policy_id}", highlight=False)
    for reason in verdict.reasons:
        console.print(f"  - {reason}", highlight=False, markup=False)


def _table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    import sys

    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    # Piped output is not cut to 80 columns: ids and names stay whole for grep.
    Console(width=None if sys.stdout.isatty() else 240).print(table)


def _json_option(raw: str, option: str) -> Any:
    from pathlib import Path

    text = Path(raw[1:]).read_text() if raw.startswith("@") else raw
    try:
        return json.loads(text)
    except ValueError as exc:
        typer.echo(f"flarelite: {option}: not JSON ({exc})", err=True)
        raise typer.Exit(2) from None


def _owner_json(token: Any) -> dict[str, Any]:
    return {"owner": {"type": token.kind, "id": token.user_id or token.account_id}}


def _no_such_user(email: str) -> Exception:
    from flarelite.core.errors import NotFound

    return NotFound(f"no user with email {email}", detail=f"no user with email {email}")
