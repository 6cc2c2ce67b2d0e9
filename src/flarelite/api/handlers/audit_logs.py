"""Account audit logs, Cloudflare's v1 shape: ``GET /accounts/{account_id}/audit_logs``.

Filters are Cloudflare's dotted names (``actor.ip``, ``actor.email``, ``action.type``); the
Stainless SDKs send the same filters in brackets (``actor[ip]``), so both spellings are read.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Query
from starlette.requests import Request
from starlette.responses import Response

from flarelite.api.auth import services_of
from flarelite.api.envelope import ok
from flarelite.api.query import Direction, log_paging
from flarelite.audit.events import WIRE_ACTOR_TYPES, ActorType
from flarelite.audit.filters import AuditFilter, parse_network, parse_when
from flarelite.audit.models import AuditEvent
from flarelite.core.clock import rfc3339
from flarelite.core.paging import PageRequest

Text = Annotated[str | None, Query(max_length=320)]


def _pick(request: Request, dotted: str, given: str | None) -> str | None:
    """The dotted parameter when given, else its bracket spelling (``actor.ip`` → ``actor[ip]``)."""
    if given is not None:
        return given
    outer, inner = dotted.split(".")
    value = request.query_params.get(f"{outer}[{inner}]")
    return value[:320] if value is not None else None


async def list_audit_logs(
    request: Request,
    account_id: str,
    paging: Annotated[PageRequest, Depends(log_paging)],
    id: Text = None,
    since: Text = None,
    before: Text = None,
    direction: Direction = None,
    hide_user_logs: Annotated[bool | None, Query()] = None,
    actor_ip: Annotated[str | None, Query(alias="actor.ip", max_length=64)] = None,
    actor_email: Annotated[str | None, Query(alias="actor.email", max_length=320)] = None,
    action_type: Annotated[str | None, Query(alias="action.type", max_length=60)] = None,
) -> Response:
    services = services_of(request)
    flt = AuditFilter(
        id=id or None,
        since=parse_when(since, "since"),
        before=parse_when(before, "before"),
        actor_ip=parse_network(_pick(request, "actor.ip", actor_ip)),
        actor_email=_pick(request, "actor.email", actor_email) or None,
        action_type=_pick(request, "action.type", action_type) or None,
        descending=direction != "asc",
        include_user_events=not hide_user_logs,
    )
    members = await services.identity.member_ids(account_id) if flt.include_user_events else ()
    rows, info = await services.audit.list(account_id, flt, paging, member_ids=members)
    return ok([audit_log_as_api(row) for row in rows], result_info=info)


def audit_log_as_api(event: AuditEvent) -> dict[str, Any]:
    """One v1 audit log entry; ``newValue``/``oldValue`` are JSON text, as Cloudflare sends."""
    details = event.details or {}
    when = rfc3339(event.when)
    actor: dict[str, Any] = {"id": event.actor_id or "", "type": _actor_type(event.actor_type)}
    if event.actor_email:
        actor["email"] = event.actor_email
    if event.actor_ip:
        actor["ip"] = event.actor_ip
    metadata = dict(details.get("metadata") or {})
    if event.token_id:
        metadata.setdefault("token_id", event.token_id)
    result: dict[str, Any] = {
        "id": event.id,
        "action": {"type": event.action, "result": event.result, "time": when},
        "actor": actor,
        "interface": event.interface,
        "metadata": metadata,
        "owner": {"id": event.account_id or event.user_id or ""},
        "resource": {"id": event.resource_id or "", "type": event.resource_type},
        "when": when,
    }
    for key, stored in (("newValue", "new"), ("oldValue", "old")):
        if details.get(stored) is not None:
            result[key] = json.dumps(details[stored], separators=(",", ":"), sort_keys=True)
            result[f"{key}Json"] = details[stored]
    return result


def _actor_type(stored: str) -> str:
    try:
        return WIRE_ACTOR_TYPES[ActorType(stored)]
    except ValueError:
        return stored
