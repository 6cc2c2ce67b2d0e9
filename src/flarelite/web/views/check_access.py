"""Check access: the dashboard's face of ``flarelite tokens explain``, on each token.

A plain GET form (method, path, client IP, time) whose answer is the API guard's own verdict
for that request made with the token: allowed or denied, the status and code the server
would send, the route and the permission it needs, the deciding policy and the reasons. The
simulator itself lives with the API (``api/explain.py``); ``app.py`` hands it to the
dashboard (``install(explain=...)``) because the edges may not import one another.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from starlette.responses import Response

from flarelite.services import Services
from flarelite.tokens.catalog import GROUPS_BY_ID
from flarelite.web.context import Dash
from flarelite.web.views.tokens import _owner

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
MAX_PATH = 2048
EXAMPLE_PATH = "/client/v4/zones/<zone id>/dns_records"


class Verdict(Protocol):
    """What the simulator answers (``api.explain.Explanation``), as this page reads it."""

    @property
    def allowed(self) -> bool: ...
    @property
    def status(self) -> int: ...
    @property
    def code(self) -> int | None: ...
    @property
    def message(self) -> str: ...
    @property
    def reasons(self) -> tuple[str, ...]: ...
    @property
    def route(self) -> str | None: ...
    @property
    def needs(self) -> str | None: ...
    @property
    def policy_id(self) -> str | None: ...


class Explain(Protocol):
    def __call__(
        self,
        services: Services,
        token_id: str,
        method: str,
        path: str,
        *,
        ip: str,
        at: datetime,
        account_id: str | None = None,
    ) -> Awaitable[Verdict]: ...


@dataclass
class Question:
    """The form as typed; ``errors`` maps a field name to what is wrong with it."""

    method: str = "GET"
    path: str = ""
    ip: str = ""
    time: str = ""
    account: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    at: datetime | None = None  # the parsed time, when one was given


def parse_question(params: Mapping[str, Any], default_ip: str) -> Question:
    """Query-string fields → Question, each bad field explained in ``errors``."""
    q = Question(
        method=str(params.get("method", "GET")).strip().upper() or "GET",
        path=str(params.get("path", "")).strip(),
        ip=str(params.get("ip", "")).strip() or default_ip,
        time=str(params.get("at", "")).strip(),
        account=str(params.get("account", "")).strip(),
    )
    if q.method not in METHODS:
        q.errors["method"] = "Choose one of " + ", ".join(METHODS) + "."
    if not q.path:
        q.errors["path"] = f"Enter the request path, e.g. {EXAMPLE_PATH}."
    elif not q.path.startswith("/") or len(q.path) > MAX_PATH or any(c.isspace() for c in q.path):
        q.errors["path"] = f"A path starts with / and has no spaces, e.g. {EXAMPLE_PATH}."
    try:
        q.ip = str(ipaddress.ip_address(q.ip))
    except ValueError:
        q.errors["ip"] = "Enter an IPv4 or IPv6 address, e.g. 192.0.2.10 or 2001:db8::1."
    if q.time:
        q.at = parse_time(q.time)
        if q.at is None:
            q.errors["at"] = "Enter a date and time, e.g. 2030-01-31T12:00 (UTC) or with a zone."
    return q


def parse_time(text: str) -> datetime | None:
    """RFC 3339 or a browser's datetime-local value (no zone: taken as UTC); None if neither."""
    try:
        when = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


async def check_access(dash: Dash) -> Response:
    owner = _owner(dash)  # a member of the owning account, or the owning user
    token = await dash.services.tokens.get(owner.token_owner, dash.request.path_params["token_id"])
    params = dash.request.query_params
    asked = "path" in params  # the first visit shows the form with its defaults only
    question = parse_question(params, dash.client_ip)
    accounts = [a for _, a in dash.memberships] if owner.is_user else []
    if asked and question.account and question.account not in {a.id for a in accounts}:
        question.errors["account"] = "Choose one of your accounts."
    values: dict[str, Any] = {"owner": owner, "token": token, "q": question, "verdict": None}
    values |= {"methods": METHODS, "accounts": accounts, "example": EXAMPLE_PATH}
    if not asked:
        question.errors.clear()
        return dash.render("tokens/check_access.html", **values)
    if question.errors:
        return dash.render("tokens/check_access.html", status=400, **values)
    explain: Explain = dash.request.app.state.dashboard_explain
    at = question.at or dash.services.clock.now()
    verdict = await explain(
        dash.services, token.id, question.method, question.path,
        ip=question.ip, at=at, account_id=question.account or owner.account_id,
    )  # fmt: skip
    if verdict.route is None:
        question.errors["path"] = (
            f"No API route answers {question.method} on this path: check the method and the "
            f"path, e.g. {EXAMPLE_PATH}."
        )
        return dash.render("tokens/check_access.html", status=400, **values)
    values |= {
        "verdict": verdict,
        "at": at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "policy": describe_policy(token.policies, verdict.policy_id),
    }
    return dash.render("tokens/check_access.html", **values)


@dataclass(frozen=True, slots=True)
class PolicyWords:
    number: int  # 1-based, in the token's order
    effect: str
    groups: str
    id: str


def describe_policy(policies: list[dict[str, Any]], policy_id: str | None) -> PolicyWords | None:
    """The deciding policy as people see it on the token: its place, effect and groups."""
    if policy_id is None:
        return None
    for number, policy in enumerate(policies, start=1):
        if policy.get("id") == policy_id:
            names = []
            for group in policy.get("permission_groups", []):
                known = GROUPS_BY_ID.get(str(group.get("id")))
                names.append(known.dashboard_name if known else str(group.get("id")))
            return PolicyWords(number, str(policy.get("effect")), ", ".join(names), policy_id)
    return None
