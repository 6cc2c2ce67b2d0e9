"""Page-number pagination as a value object: page/per_page in, result_info out."""

from __future__ import annotations

from dataclasses import dataclass

from flarelite.core.errors import Invalid


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int = 1
    per_page: int = 20

    @classmethod
    def parse(
        cls,
        page: int | None,
        per_page: int | None,
        *,
        default_per_page: int = 20,
        min_per_page: int = 5,
        max_per_page: int = 50,
    ) -> PageRequest:
        """Validate page numbers; out-of-range values are a 400 naming the field."""
        page = 1 if page is None else page
        per_page = default_per_page if per_page is None else per_page
        if page < 1:
            raise Invalid(detail="page must be 1 or more", pointer="page")
        if not min_per_page <= per_page <= max_per_page:
            raise Invalid(
                detail=f"per_page must be between {min_per_page} and {max_per_page}",
                pointer="per_page",
            )
        return cls(page, per_page)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True, slots=True)
class PageInfo:
    page: int
    per_page: int
    count: int
    total_count: int

    @property
    def total_pages(self) -> int:
        """At least 1: Cloudflare answers an empty list with total_pages 1 (zones-dns.md §6.1)."""
        return max(1, -(-self.total_count // self.per_page)) if self.per_page else 1

    def as_dict(self) -> dict[str, int]:
        return {
            "page": self.page,
            "per_page": self.per_page,
            "count": self.count,
            "total_count": self.total_count,
            "total_pages": self.total_pages,
        }
