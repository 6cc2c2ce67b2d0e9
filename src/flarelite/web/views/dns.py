"""DNS: the account's zones (list, add), a zone's records table (add, edit, delete)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from flarelite.core.errors import FlareliteError
from flarelite.core.paging import PageRequest
from flarelite.dns.models import Zone
from flarelite.dns.zones import ZoneFilter
from flarelite.web.context import Dash, redirect

RECORD_TYPES = ("A", "AAAA", "CNAME", "MX", "TXT", "NS", "SRV", "CAA", "PTR")


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


async def records(dash: Dash, *, error: str | None = None, status: int = 200,
                  draft: dict[str, str] | None = None) -> Response:  # fmt: skip
    zone = await _zone(dash)
    rows, _ = await dash.services.records.list(zone, {}, PageRequest(1, 5000))
    return dash.render(
        "dns/records.html", zone=zone, records=rows, types=RECORD_TYPES, error=error,
        status=status, draft=draft or {"type": "A", "ttl": "1"},
    )  # fmt: skip


def record_input(dash: Dash) -> dict[str, Any]:
    """The API body from the per-type fields; the record service validates every one."""
    record_type = dash.field("type").upper()
    raw: dict[str, Any] = {
        "type": record_type,
        "name": dash.field("name").strip(),
        "content": dash.field("content").strip(),
        "proxied": dash.field("proxied") == "on",
        "comment": dash.field("comment").strip() or None,
    }
    ttl = dash.field("ttl").strip() or "1"
    raw["ttl"] = int(ttl) if ttl.isdigit() else ttl
    priority = dash.field("priority").strip()
    if record_type in ("MX", "SRV", "URI") and priority:
        raw["priority"] = int(priority) if priority.isdigit() else priority
    return raw


async def add_record(dash: Dash) -> Response:
    zone = await _zone(dash, write=True)
    try:
        await dash.services.records.create(zone, record_input(dash))
    except FlareliteError as exc:
        draft = {
            k: dash.field(k) for k in ("type", "name", "content", "ttl", "priority", "comment")
        }
        return await records(dash, error=exc.message, status=exc.status, draft=draft)
    return redirect(f"/zones/{zone.id}/dns")


async def edit_record_form(dash: Dash, *, error: str | None = None, status: int = 200) -> Response:
    zone = await _zone(dash)
    record = await dash.services.records.get(zone, dash.request.path_params["record_id"])
    return dash.render(
        "dns/edit.html", zone=zone, record=record, types=RECORD_TYPES, error=error, status=status
    )


async def edit_record(dash: Dash) -> Response:
    zone = await _zone(dash, write=True)
    record_id = dash.request.path_params["record_id"]
    try:
        await dash.services.records.update(zone, record_id, record_input(dash))
    except FlareliteError as exc:
        return await edit_record_form(dash, error=exc.message, status=exc.status)
    return redirect(f"/zones/{zone.id}/dns")


async def delete_record(dash: Dash) -> Response:
    zone = await _zone(dash, write=True)
    await dash.services.records.delete(zone, dash.request.path_params["record_id"])
    return redirect(f"/zones/{zone.id}/dns")
