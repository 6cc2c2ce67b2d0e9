"""The in-process variant LRU, its blob form, and ETag matching for If-None-Match."""

from __future__ import annotations

from flarelite.images.delivery import etag_matches
from flarelite.images.variant_cache import BuiltVariant, VariantCache


def entry(size: int, tag: str = '"t"') -> BuiltVariant:
    return BuiltVariant(b"x" * size, "image/jpeg", tag)


def offer_twice(cache: VariantCache, key: str, item: BuiltVariant) -> None:
    cache.put(key, item)
    cache.put(key, item)


def test_lru_evicts_the_least_recently_used_past_its_byte_bound() -> None:
    cache = VariantCache(max_bytes=100)
    offer_twice(cache, "a", entry(20))
    offer_twice(cache, "b", entry(20))
    offer_twice(cache, "c", entry(20))
    assert cache.get("a") is not None  # a is now the most recent
    offer_twice(cache, "d", entry(20))
    offer_twice(cache, "e", entry(20))
    offer_twice(cache, "f", entry(20))
    assert cache.size <= 100
    assert cache.get("b") is None
    assert cache.get("a") is not None


def test_items_over_a_quarter_of_the_cache_are_not_kept() -> None:
    cache = VariantCache(max_bytes=100)
    offer_twice(cache, "big", entry(26))
    assert cache.get("big") is None


def test_a_variant_is_kept_from_its_second_offer() -> None:
    cache = VariantCache(max_bytes=100)
    cache.put("once", entry(10))
    assert cache.get("once") is None
    assert cache.size == 0
    cache.put("once", entry(10))
    assert cache.get("once") is not None


def test_one_off_variants_never_push_out_hot_ones() -> None:
    cache = VariantCache(max_bytes=100, doorkeeper_keys=10)
    offer_twice(cache, "hot", entry(20))
    for n in range(1000):  # a scan of variants each asked for once
        cache.put(f"one-off-{n}", entry(20))
    assert cache.get("hot") is not None
    assert cache.size == 20


def test_the_doorkeeper_forgets_old_offers() -> None:
    cache = VariantCache(max_bytes=100, doorkeeper_keys=2)
    cache.put("a", entry(10))
    cache.put("b", entry(10))
    cache.put("c", entry(10))  # "a" falls out of the doorkeeper
    cache.put("a", entry(10))
    assert cache.get("a") is None


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
