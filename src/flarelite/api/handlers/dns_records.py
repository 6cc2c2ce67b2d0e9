"""DNS records: list, create, get, update (PUT), edit (PATCH), delete, batch, import, export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Query
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from flarelite.api.auth import services_of
from flarelite.api.envelope import message, ok
from flarelite.core.errors import Invalid
from flarelite.core.paging import PageRequest
from flarelite.dns.models import DnsRecord, Zone
from flarelite.dns.records import record_as_api

MAX_ZONE_FILE_BYTES = 256 * 1024  # Cloudflare's import limit (reference zones-dns.md §7.2)


def _zone(request: Request) -> Zone:
    zone: Zone = request.state.zone  # resolved by the guard
    return zone


def _records(rows: list[DnsRecord], zone: Zone) -> list[dict[str, object]]:
    return [record_as_api(row, zone) for row in rows]


async def list_records(
    request: Request,
    zone_id: str,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=5_000_000)] = 100,  # the spec's maximum (§6.1)
    type: Annotated[str | None, Query(max_length=100)] = None,
    name: Annotated[str | None, Query(max_length=300)] = None,
    content: Annotated[str | None, Query(max_length=5000)] = None,
) -> Response:
    """Filters arrive as dotted keys (``name.contains``); the DNS domain parses them all."""
    zone = _zone(request)
    query: dict[str, str | list[str]] = {}
    for key, value in request.query_params.multi_items():
        previous = query.get(key)
        query[key] = value if previous is None else [*_as_list(previous), value]
    rows, info = await services_of(request).records.list(zone, query, PageRequest(page, per_page))
    return ok(_records(rows, zone), result_info=info)


async def create_record(
    request: Request, zone_id: str, body: Annotated[dict[str, Any], Body()]
) -> Response:
    zone = _zone(request)
    row = await services_of(request).records.create(zone, body)
    return ok(record_as_api(row, zone))


async def get_record(request: Request, zone_id: str, dns_record_id: str) -> Response:
    zone = _zone(request)
    return ok(record_as_api(await services_of(request).records.get(zone, dns_record_id), zone))


async def update_record(
    request: Request, zone_id: str, dns_record_id: str, body: Annotated[dict[str, Any], Body()]
) -> Response:
    zone = _zone(request)
    row = await services_of(request).records.update(zone, dns_record_id, body)
    return ok(record_as_api(row, zone))


async def edit_record(
    request: Request, zone_id: str, dns_record_id: str, body: Annotated[dict[str, Any], Body()]
) -> Response:
    zone = _zone(request)
    row = await services_of(request).records.edit(zone, dns_record_id, body)
    return ok(record_as_api(row, zone))


async def delete_record(request: Request, zone_id: str, dns_record_id: str) -> Response:
    await services_of(request).records.delete(_zone(request), dns_record_id)
    return ok({"id": dns_record_id})


async def batch_records(
    request: Request, zone_id: str, body: Annotated[dict[str, Any], Body()]
) -> Response:
    zone = _zone(request)
    done = await services_of(request).records.batch(zone, body)
    return ok({section: _records(rows, zone) for section, rows in done.items()})


async def export_records(request: Request, zone_id: str) -> Response:
    # BIND text, not JSON: both SDKs read it as a string (§1, §7.3).
    text = await services_of(request).records.export(_zone(request))
    return PlainTextResponse(text)


async def import_records(request: Request, zone_id: str) -> Response:
    """multipart ``file`` as a plain field (SDKs) or a file part (curl); ``proxied`` (§7.2)."""
    text, proxied = await _zone_file(request)
    result = await services_of(request).records.import_zone_file(
        _zone(request), text, proxied=proxied
    )
    return ok(
        {"recs_added": result.added, "total_records_parsed": result.parsed},
        messages=[message(code, text) for code, text in result.problems],
    )


async def _zone_file(request: Request) -> tuple[str, bool]:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Invalid(
            detail="Failed to parse form data. Make sure the Content-Type is multipart/form-data."
        )
    async with request.form(max_files=1, max_fields=10, max_part_size=MAX_ZONE_FILE_BYTES) as form:
        part = form.get("file")
        proxied = str(form.get("proxied", "false")).lower() == "true"
        if part is None:
            raise Invalid(detail="file: required", pointer="file")
        raw = part if isinstance(part, str) else await part.read(MAX_ZONE_FILE_BYTES + 1)
    data = raw.encode() if isinstance(raw, str) else raw
    if len(data) > MAX_ZONE_FILE_BYTES:
        raise Invalid(detail="file: a zone file may be at most 256 KiB", pointer="file")
    try:
        return data.decode("utf-8"), proxied
    except UnicodeDecodeError:
        raise Invalid(detail="file: the zone file must be UTF-8 text", pointer="file") from None


def _as_list(value: str | list[str]) -> list[str]:
    return value if isinstance(value, list) else [value]
