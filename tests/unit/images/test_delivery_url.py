"""Delivery path parsing (reference images.md §4.1): hash, image id with slashes, last segment."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flarelite.images.delivery_url import DeliveryPath, parse_delivery_path
from flarelite.images.errors import DeliveryError, DeliveryNotFound, InvalidDeliveryPath

HASH = "ZWd9g1K7eljCn_KDTu_MWA"


def test_named_variant_on_a_custom_domain_path() -> None:
    parsed = parse_delivery_path(f"/cdn-cgi/imagedelivery/{HASH}/abc-123/public")
    assert parsed == DeliveryPath(HASH, "abc-123", "public")
    assert not parsed.is_flexible


def test_imagedelivery_net_path_without_the_prefix() -> None:
    assert parse_delivery_path(f"/{HASH}/abc/thumb") == DeliveryPath(HASH, "abc", "thumb")


def test_image_id_keeps_its_slashes_and_the_last_segment_is_the_variant() -> None:
    parsed = parse_delivery_path(
        f"/cdn-cgi/imagedelivery/{HASH}/albums/2024/summer photo.jpg/w=400"
    )
    assert parsed.image_id == "albums/2024/summer photo.jpg"
    assert parsed.options == "w=400"
    assert parsed.is_flexible


@pytest.mark.parametrize(
    "path",
    [
        f"/cdn-cgi/imagedelivery/{HASH}",
        f"/cdn-cgi/imagedelivery/{HASH}/",
        f"/cdn-cgi/imagedelivery/{HASH}/only-id",
        f"/cdn-cgi/imagedelivery/{HASH}/id/",
        f"/cdn-cgi/imagedelivery/{HASH}//public",
        f"/cdn-cgi/imagedelivery/{HASH}/a//b/public",
        f"/cdn-cgi/imagedelivery/{HASH}/a\x00b/public",
        f"/cdn-cgi/imagedelivery/{HASH}/id/bad-name!",
        f"/cdn-cgi/imagedelivery/{HASH}/id/w=1\nx",
        "/cdn-cgi/imagedelivery/bad hash!/id/public",
        "/cdn-cgi/imagedelivery//id/public",
    ],
)
def test_malformed_paths_answer_9426(path: str) -> None:
    with pytest.raises(InvalidDeliveryPath) as caught:
        parse_delivery_path(path)
    assert (caught.value.status, caught.value.code) == (403, 9426)


def test_overlong_image_id_cannot_exist() -> None:
    with pytest.raises(DeliveryNotFound):
        parse_delivery_path(f"/cdn-cgi/imagedelivery/{HASH}/{'x' * 1025}/public")


@given(st.text(max_size=300))
def test_any_path_parses_or_raises_a_delivery_error(tail: str) -> None:
    try:
        parsed = parse_delivery_path(f"/cdn-cgi/imagedelivery/{tail}")
    except DeliveryError as exc:
        status = exc.status
    else:
        status = 200
        assert parsed.image_id
        assert parsed.variant or parsed.options
    assert status in (200, 403, 404)
