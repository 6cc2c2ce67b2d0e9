"""DNS: the account's zones (list, add), a zone's records table (add, edit, delete).

The record form's per-type fields are web/record_form.py; records go through the same
``services.records`` calls as the API, so every rule and error is the API's.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from flarelite.core.errors import FlareliteError
from flarelite.core.paging import PageRequest
from flarelite.dns.models import Zone
from flarelite.dns.zones import ZoneFilter
from flarelite.web import record_form
from flarelite.web.context import Dash, redirect
from flarelite.web.record_form import MissingFields


async def zones(dash: Dash, *, error: str | None = None, status: int = 200) -> Response:
    account = dash.account(dash.request.path_params["account_id"])
    names = {account.id: account.name}
    found = await dash.services.zones.list([account.id], names, ZoneFilter(), lambda z: True)
    return dash.render("dns/zones.html", account=account, zones=found, error=error, status=status)


async def add_zone(dash: Dash) -> Response:
    account = dash.account(dash.request.path_params["account_id"], write=True)
    try:
        zone = await dash.services.zones.create(account.id, dash.field("name"))
    except FlareliteError as exc:
        return await zones(dash, error=exc.message, status=exc.status)
    return redirect(f"/zones/{zone.id}/dns")


async def _zone(dash: Dash, *, write: bool = False) -> Zone:
    zone = await dash.services.zones.get(dash.request.path_params["zone_id"])
    dash.account(zone.account_id, write=write)  # NotMember unless the zone's account is theirs
    return zone


async def records(dash: Dash, *, errors: dict[str, str] | None = None, status: int = 200,
                  draft: dict[str, str] | None = None) -> Response:  # fmt: skip
    zone = await _zone(dash)
    rows, _ = await dash.services.records.list(zone, {}, PageRequest(1, 5000))
    # ?type=SRV preselects a type: the no-JavaScript way to start from the right fields.
    chosen = dash.request.query_params.get("type", "A")
    return dash.render(
        "dns/records.html", zone=zone, rows=record_form.rows_of(rows), status=status,
        fixed_type=False,
        **_form_values(draft or record_form.new_draft(chosen), errors or {}),
    )  # fmt: skip


def _form_values(draft: dict[str, str], errors: dict[str, str]) -> dict[str, Any]:
    return {
        "draft": draft,
        "errors": errors,
        "types": record_form.RECORD_TYPES,
        "content_types": record_form.CONTENT_TYPES,
        "content_hint": record_form.CONTENT_HINT,
        "caa_tags": record_form.CAA_TAG_LABELS,
    }


def _posted(dash: Dash) -> dict[str, str]:
    return {name: dash.field(name) for name in record_form.ALL_FIELDS}


def _errors_of(fields: dict[str, str], exc: FlareliteError | MissingFields) -> dict[str, str]:
    if isinstance(exc, MissingFields):
        return exc.errors
    return {record_form.error_field(record_form.chosen_type(fields), exc.pointer): exc.message}


async def add_record(dash: Dash) -> Response:
    zone = await _zone(dash, write=True)
    fields = _posted(dash)
    try:
        await dash.services.records.create(zone, record_form.record_body(fields))
    except (FlareliteError, MissingFields) as exc:
        return await records(
            dash, errors=_errors_of(fields, exc), status=exc.status,
            draft=record_form.posted_draft(fields),
        )  # fmt: skip
    return redirect(f"/zones/{zone.id}/dns")


async def edit_record_form(
    dash: Dash,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
    draft: dict[str, str] | None = None,
) -> Response:
    zone = await _zone(dash)
    record = await dash.services.records.get(zone, dash.request.path_params["record_id"])
    return dash.render(
        "dns/edit.html", zone=zone, record=record, status=status, fixed_type=True,
        **_form_values(draft or record_form.draft_of(record), errors or {}),
    )  # fmt: skip


async def edit_record(dash: Dash) -> Response:
    zone = await _zone(dash, write=True)
    record_id = dash.request.path_params["record_id"]
    fields = _posted(dash)
    try:
        # PATCH, not PUT: tags and settings set through the API are not on this form.
        await dash.services.records.edit(zone, record_id, record_form.record_body(fields))
    except (FlareliteError, MissingFields) as exc:
        return await edit_record_form(
            dash, errors=_errors_of(fields, exc), status=exc.status,
            draft=record_form.posted_draft(fields),
        )  # fmt: skip
    return redirect(f"/zones/{zone.id}/dns")


async def delete_record(dash: Dash) -> Response:
    zone = await _zone(dash, write=True)
    await dash.services.records.delete(zone, dash.request.path_params["record_id"])
    return redirect(f"/zones/{zone.id}/dns")
