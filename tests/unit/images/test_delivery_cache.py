"""The in-process variant LRU, its blob form, and ETag matching for If-None-Match."""

from __future__ import annotations

from flarelite.images.delivery import etag_matches
from flarelite.images.variant_cache import BuiltVariant, VariantCache


def entry(size: int, tag: str = '"t"') -> BuiltVariant:
    return BuiltVariant(b"x" * size, "image/jpeg", tag)


def test_lru_evicts_the_least_recently_used_past_its_byte_bound() -> None:
    cache = VariantCache(max_bytes=100)
    cache.put("a", entry(20))
    cache.put("b", entry(20))
    cache.put("c", entry(20))
    assert cache.get("a") is not None  # a is now the most recent
    cache.put("d", entry(20))
    cache.put("e", entry(20))
    cache.put("f", entry(20))
    assert cache.size <= 100
    assert cache.get("b") is None
    assert cache.get("a") is not None


def test_items_over_a_quarter_of_the_cache_are_not_kept() -> None:
    cache = VariantCache(max_bytes=100)
    cache.put("big", entry(26))
    assert cache.get("big") is None


def test_blob_form_round_trips_and_refuses_foreign_bytes() -> None:
    built = BuiltVariant(b"\xff\xd8binary\nwith newlines", "image/jpeg", '"abc"')
    assert BuiltVariant.decode(built.encode()) == built
    assert BuiltVariant.decode(b"garbage") is None


def test_if_none_match_uses_weak_comparison_and_lists() -> None:
    assert etag_matches('"a"', '"a"')
    assert etag_matches('W/"a"', '"a"')
    assert etag_matches('"b", "a"', '"a"')
    assert etag_matches("*", '"a"')
    assert not etag_matches('"b"', '"a"')
    assert not etag_matches(None, '"a"')
