"""Shared query-parameter decoding: paging and sort direction, as the SDKs send them."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query

from flarelite.core.errors import Invalid
from flarelite.core.paging import PageRequest


def _whole(value: float | None, name: str) -> int | None:
    # The Stainless SDKs type page numbers as floats and may send "2.0".
    if value is None:
        return None
    if value != int(value):
        raise Invalid(detail=f"{name}: must be a whole number", pointer=name)
    return int(value)


def paging(
    page: Annotated[float | None, Query(ge=1, le=1_000_000)] = None,
    per_page: Annotated[float | None, Query(ge=1, le=1000)] = None,
) -> PageRequest:
    """page/per_page with Cloudflare's token-list bounds (5–50, default 20)."""
    return PageRequest.parse(_whole(page, "page"), _whole(per_page, "per_page"))


def wide_paging(
    page: Annotated[float | None, Query(ge=1, le=1_000_000)] = None,
    per_page: Annotated[float | None, Query(ge=1, le=1000)] = None,
) -> PageRequest:
    """page/per_page for accounts and memberships (5–50, default 20 as well, but 1 allowed)."""
    return PageRequest.parse(
        _whole(page, "page"), _whole(per_page, "per_page"), min_per_page=1, max_per_page=50
    )


def log_paging(
    page: Annotated[float | None, Query(ge=1, le=1_000_000)] = None,
    per_page: Annotated[float | None, Query(ge=1, le=1000)] = None,
) -> PageRequest:
    """page/per_page for audit logs: 100 per page by default, up to 1000 (Cloudflare's v1)."""
    return PageRequest.parse(
        _whole(page, "page"),
        _whole(per_page, "per_page"),
        default_per_page=100,
        min_per_page=1,
        max_per_page=1000,
    )


Direction = Annotated[Literal["asc", "desc"] | None, Query()]
