"""API tokens: list, the create wizard (templates, form, summary, secret shown once), edit,
roll, disable/enable and delete; for the user's own tokens and for account-owned tokens.

The wizard keeps its state in the form itself (hidden fields on the summary), so it works
without JavaScript and without server-side drafts. Secrets are only in no-store responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from flarelite.core.errors import FlareliteError
from flarelite.core.paging import PageRequest
from flarelite.dns.zones import ZoneFilter
from flarelite.tokens.catalog import GROUPS_BY_ID, TEMPLATES, TEMPLATES_BY_KEY
from flarelite.tokens.secrets import TokenKind
from flarelite.tokens.service import TokenOwner, token_status
from flarelite.web.context import Dash, redirect
from flarelite.web.forms import (
    RESOURCE_KINDS,
    IpRow,
    PermissionRow,
    ResourceRow,
    TokenForm,
    groups_by_scope,
)


@dataclass(frozen=True, slots=True)
class Owner:
    """Whose tokens a page shows: the user's ("My Profile") or one account's."""

    token_owner: TokenOwner
    base: str  # URL of the token list
    title: str
    account_id: str | None  # the account an account-owned token belongs to

    @property
    def is_user(self) -> bool:
        return self.token_owner.kind is TokenKind.USER

    def verify_path(self) -> str:
        if self.is_user:
            return "/client/v4/user/tokens/verify"
        return f"/client/v4/accounts/{self.account_id}/tokens/verify"


def _owner(dash: Dash, *, write: bool = False) -> Owner:
    account_id = dash.request.path_params.get("account_id")
    if account_id is None:
        user = dash.signed_in_user
        return Owner(TokenOwner(TokenKind.USER, user.id), "/profile/api-tokens", "API Tokens", None)
    account = dash.account(account_id, write=write)
    return Owner(
        TokenOwner(TokenKind.ACCOUNT, account.id),
        f"/accounts/{account.id}/api-tokens",
        "Account API Tokens",
        account.id,
    )


async def list_tokens(dash: Dash) -> Response:
    owner = _owner(dash)
    rows, _ = await dash.services.tokens.list(owner.token_owner, PageRequest(1, 500))
    now = dash.services.clock.now()
    tokens = [
        {
            "id": t.id,
            "name": t.name,
            "status": token_status(t, now),
            "last_used": t.last_used_on.strftime("%Y-%m-%d %H:%M UTC")
            if t.last_used_on
            else "Never",
            "summary": _permissions_summary(t.policies),
        }
        for t in rows
    ]
    return dash.render("tokens/list.html", owner=owner, tokens=tokens)


async def templates(dash: Dash) -> Response:
    owner = _owner(dash, write=True)
    usable = [t for t in TEMPLATES if owner.is_user or t.resource_hint != "user"]
    return dash.render("tokens/templates.html", owner=owner, templates=usable)


async def new_form(dash: Dash) -> Response:
    owner = _owner(dash, write=True)
    default_account = owner.account_id or _first_account(dash)
    key = dash.request.query_params.get("template", "")
    template = TEMPLATES_BY_KEY.get(key)
    form = (
        TokenForm.from_template(template, default_account)
        if template
        else TokenForm.blank(default_account)
    )
    return await _form_page(dash, owner, form, action=f"{owner.base}/new")


async def new_post(dash: Dash) -> Response:
    """One endpoint for every button of the wizard: add/remove rows, summary, back, create."""
    owner = _owner(dash, write=True)
    form = TokenForm.from_fields(dash.field, dash.fields)
    return await _step(dash, owner, form, action=f"{owner.base}/new", token_id=None)


async def edit_form(dash: Dash) -> Response:
    owner = _owner(dash, write=True)
    token = await dash.services.tokens.get(owner.token_owner, dash.request.path_params["token_id"])
    form = TokenForm.from_token(
        token.name, token.policies, token.condition,
        token.not_before.date() if token.not_before else None,
        token.expires_on.date() if token.expires_on else None,
    )  # fmt: skip
    return await _form_page(
        dash, owner, form, action=f"{owner.base}/{token.id}/edit", token_id=token.id
    )


async def edit_post(dash: Dash) -> Response:
    owner = _owner(dash, write=True)
    token_id = dash.request.path_params["token_id"]
    await dash.services.tokens.get(owner.token_owner, token_id)  # 404 before anything else
    form = TokenForm.from_fields(dash.field, dash.fields)
    return await _step(dash, owner, form, action=f"{owner.base}/{token_id}/edit", token_id=token_id)


async def _step(
    dash: Dash, owner: Owner, form: TokenForm, *, action: str, token_id: str | None
) -> Response:
    step = dash.field("action", "summary")
    if step in ("add_permission", "add_resource", "add_ip") or step.startswith("remove_"):
        _change_rows(form, step, owner)
        return await _form_page(dash, owner, form, action=action, token_id=token_id)
    if step == "edit":
        return await _form_page(dash, owner, form, action=action, token_id=token_id)
    user_id = dash.signed_in_user.id if owner.is_user else None
    payload = form.to_payload(user_id=user_id)
    if payload is None:
        return await _form_page(dash, owner, form, action=action, token_id=token_id, status=400)
    if step != "create":
        return await _summary_page(dash, owner, form, action=action, token_id=token_id)
    try:
        if token_id is None:
            creator = dash.signed_in_user.email if not owner.is_user else None
            token, secret = await dash.services.tokens.create(
                owner.token_owner, payload, creator_email=creator, actor=dash.actor
            )
        else:
            current = await dash.services.tokens.get(owner.token_owner, token_id)
            await dash.services.tokens.update(
                owner.token_owner,
                token_id,
                {**payload, "status": current.status},
                actor=dash.actor,
            )
            return redirect(owner.base)
    except FlareliteError as exc:  # e.g. a grant beyond the owner's role: shown on the form
        form.errors["form"] = exc.message
        return await _form_page(
            dash, owner, form, action=action, token_id=token_id, status=exc.status
        )
    return _secret_page(dash, owner, token.name, secret, rolled=False)


def _change_rows(form: TokenForm, step: str, owner: Owner) -> None:
    """ "add_permission", "add_resource", "add_ip" or "remove_<perm|res|ip>:<row index>"."""
    if step == "add_permission":
        form.permissions.append(PermissionRow("account"))
    elif step == "add_resource":
        form.resources.append(ResourceRow("include", "account", account=owner.account_id or ""))
    elif step == "add_ip":
        form.ips.append(IpRow())
    else:
        kind, _, index_text = step.removeprefix("remove_").partition(":")
        index = int(index_text) if index_text.isdigit() else -1
        rows: Any = {"perm": form.permissions, "res": form.resources, "ip": form.ips}.get(kind, [])
        if 0 <= index < len(rows):
            rows.pop(index)


async def _choices(dash: Dash, owner: Owner) -> dict[str, Any]:
    if owner.account_id is not None:
        accounts = [a for _, a in dash.memberships if a.id == owner.account_id]
    else:
        accounts = [a for _, a in dash.memberships]
    names = {a.id: a.name for a in accounts}
    zones = await dash.services.zones.list(list(names), names, ZoneFilter(), lambda z: True)
    return {
        "accounts": accounts,
        "zones": zones,
        "groups": groups_by_scope(),
        "resource_kinds": RESOURCE_KINDS,
        "scopes": ["account", "zone", "user"] if owner.is_user else ["account", "zone"],
    }


async def _form_page(
    dash: Dash,
    owner: Owner,
    form: TokenForm,
    *,
    action: str,
    token_id: str | None = None,
    status: int = 200,
) -> Response:
    choices = await _choices(dash, owner)
    return dash.render(
        "tokens/form.html", owner=owner, form=form, action=action, token_id=token_id,
        status=status, **choices,
    )  # fmt: skip


async def _summary_page(
    dash: Dash, owner: Owner, form: TokenForm, *, action: str, token_id: str | None
) -> Response:
    choices = await _choices(dash, owner)
    account_names = {a.id: a.name for a in choices["accounts"]}
    zone_names = {z.id: z.name for z in choices["zones"]}
    resources = [_resource_words(r, account_names, zone_names) for r in form.resources]
    return dash.render(
        "tokens/summary.html", owner=owner, form=form, action=action, token_id=token_id,
        permission_lines=form.permission_lines(), resource_lines=resources,
    )  # fmt: skip


def _resource_words(row: Any, accounts: dict[str, str], zones: dict[str, str]) -> str:
    effect = "Include" if row.effect == "include" else "Exclude"
    if row.kind == "zone":
        return f"{effect} · Zone · {zones.get(row.zone, row.zone)}"
    if row.kind == "account_zones":
        return f"{effect} · All zones from account · {accounts.get(row.account, row.account)}"
    if row.kind == "account":
        return f"{effect} · Account · {accounts.get(row.account, row.account)}"
    return f"{effect} · {RESOURCE_KINDS.get(row.kind, row.kind)}"


def _secret_page(dash: Dash, owner: Owner, name: str, secret: str, *, rolled: bool) -> Response:
    dash.no_store = True  # the Back button must not bring the secret back
    verify_url = dash.services.settings.public_url + owner.verify_path()
    return dash.render(
        "tokens/secret.html",
        owner=owner,
        name=name,
        secret=secret,
        rolled=rolled,
        verify_url=verify_url,
    )


async def roll(dash: Dash) -> Response:
    owner = _owner(dash, write=True)
    token_id = dash.request.path_params["token_id"]
    token = await dash.services.tokens.get(owner.token_owner, token_id)
    secret = await dash.services.tokens.roll(owner.token_owner, token_id, actor=dash.actor)
    return _secret_page(dash, owner, token.name, secret, rolled=True)


async def set_status(dash: Dash) -> Response:
    owner = _owner(dash, write=True)
    token_id = dash.request.path_params["token_id"]
    wanted = "disabled" if dash.request.url.path.endswith("/disable") else "active"
    token = await dash.services.tokens.get(owner.token_owner, token_id)
    payload = {
        "name": token.name,
        "policies": [{k: v for k, v in p.items() if k != "id"} for p in token.policies],
        "condition": token.condition,
        "not_before": token.not_before.strftime("%Y-%m-%dT%H:%M:%SZ") if token.not_before else None,
        "expires_on": token.expires_on.strftime("%Y-%m-%dT%H:%M:%SZ") if token.expires_on else None,
        "status": wanted,
    }
    await dash.services.tokens.update(owner.token_owner, token_id, payload, actor=dash.actor)
    return redirect(owner.base)


async def delete_confirm(dash: Dash) -> Response:
    owner = _owner(dash, write=True)
    token = await dash.services.tokens.get(owner.token_owner, dash.request.path_params["token_id"])
    return dash.render("tokens/delete.html", owner=owner, token=token)


async def delete(dash: Dash) -> Response:
    owner = _owner(dash, write=True)
    token_id = dash.request.path_params["token_id"]
    await dash.services.tokens.delete(owner.token_owner, token_id, actor=dash.actor)
    return redirect(owner.base)


def _first_account(dash: Dash) -> str | None:
    return dash.memberships[0][1].id if dash.memberships else None


def _permissions_summary(policies: list[dict[str, Any]]) -> str:
    names: list[str] = []
    for policy in policies:
        if policy.get("effect") != "allow":
            continue
        for group in policy.get("permission_groups", []):
            known = GROUPS_BY_ID.get(str(group.get("id")))
            label = known.dashboard_name if known else str(group.get("name", group.get("id")))
            if label not in names:
                names.append(label)
    return ", ".join(names) or "No permissions"
