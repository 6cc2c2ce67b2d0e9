"""Audit Log: an account's audit events, newest first, with paging and two filters.

Reads through the same domain service as ``GET /accounts/{id}/audit_logs`` (the account's
own events plus its members' user-level ones: their logins and user tokens). The filters are
a plain GET form, so a filtered page is a link that works without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.responses import Response

from flarelite.audit.events import Action, ActorType, ResourceType
from flarelite.audit.filters import AuditFilter
from flarelite.audit.models import AuditEvent
from flarelite.core.errors import Invalid
from flarelite.core.paging import PageInfo, PageRequest
from flarelite.web.context import Dash

PER_PAGE = 25
MAX_EMAIL = 320  # the longest address RFC 5321 allows, as the API bounds it
ACTIONS = tuple(action.value for action in Action)
RESOURCE_LABELS = {
    ResourceType.USER_TOKEN.value: "User API token",
    ResourceType.ACCOUNT_TOKEN.value: "Account API token",
    ResourceType.IMAGE.value: "Image",
    ResourceType.IMAGE_VARIANT.value: "Image variant",
    ResourceType.USER.value: "User",
}
FAILURE_REASONS = {"wrong_credentials": "wrong email or password", "throttled": "throttled"}


@dataclass(frozen=True, slots=True)
class Query:
    """The page's filters as typed in the form; ``url`` keeps them on the paging links."""

    action: str = ""
    email: str = ""
    page: int = 1

    def url(self, base: str, page: int) -> str:
        fields = {"action": self.action, "actor_email": self.email, "page": str(page)}
        return base + "?" + urlencode({k: v for k, v in fields.items() if v})


def parse_query(params: Any) -> Query:
    """Query-string parameters → Query; ``Invalid`` naming the field on bad input."""
    action = str(params.get("action", "")).strip()
    if action and action not in ACTIONS:
        raise Invalid(detail=f"Unknown action type {action[:40]!r}.", pointer="action")
    email = str(params.get("actor_email", "")).strip()
    if len(email) > MAX_EMAIL:
        raise Invalid(detail="The actor email is too long.", pointer="actor_email")
    page_text = str(params.get("page", "1")).strip() or "1"
    if not page_text.isdigit() or not 1 <= int(page_text) <= 1_000_000:
        raise Invalid(detail="The page must be a whole number from 1.", pointer="page")
    return Query(action, email, int(page_text))


def row_of(event: AuditEvent) -> dict[str, str]:
    """One table row in words a person reads; the stored values stay as they are."""
    metadata = (event.details or {}).get("metadata") or {}
    reason = str(metadata.get("reason", ""))
    result = "Success" if event.result else "Failure"
    if not event.result and reason:
        result += f" ({FAILURE_REASONS.get(reason, reason)})"
    return {
        "when": event.when.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "when_iso": event.when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "actor": _actor_words(event),
        "ip": event.actor_ip or "",
        "interface": event.interface,
        "action": event.action,
        "resource_type": RESOURCE_LABELS.get(event.resource_type, event.resource_type),
        "resource_id": event.resource_id or "",
        "result": result,
        "succeeded": "yes" if event.result else "no",
    }


def _actor_words(event: AuditEvent) -> str:
    if event.actor_email:
        return event.actor_email
    if event.actor_type == ActorType.TOKEN.value:
        return f"API token {event.actor_id or event.token_id or ''}".strip()
    if event.actor_type == ActorType.SYSTEM.value:
        return "System"  # flarelite itself: the CLI, leak intake, maintenance
    return event.actor_id or ""


async def audit_log(dash: Dash) -> Response:
    account = dash.account(dash.request.path_params["account_id"])  # members only
    base = f"/accounts/{account.id}/audit-log"
    try:
        query = parse_query(dash.request.query_params)
    except Invalid as exc:
        return dash.render(
            "audit_log.html", status=exc.status, account=account, query=Query(), base=base,
            actions=ACTIONS, rows=[], info=PageInfo(1, PER_PAGE, 0, 0), error=exc.message,
            previous_url=None, next_url=None,
        )  # fmt: skip
    flt = AuditFilter(actor_email=query.email or None, action_type=query.action or None)
    members = await dash.services.identity.member_ids(account.id)
    events, info = await dash.services.audit.list(
        account.id, flt, PageRequest(query.page, PER_PAGE), member_ids=members
    )
    return dash.render(
        "audit_log.html",
        account=account,
        query=query,
        base=base,
        actions=ACTIONS,
        rows=[row_of(event) for event in events],
        info=info,
        error=None,
        previous_url=query.url(base, query.page - 1) if query.page > 1 else None,
        next_url=query.url(base, query.page + 1) if query.page < info.total_pages else None,
    )
