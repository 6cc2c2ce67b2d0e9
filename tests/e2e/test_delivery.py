"""Delivery end to end: fits, Accept negotiation, 304, HEAD, flexible variants, errors, purges.

A real ``flarelite serve`` (2 workers, so cross-worker invalidation is exercised) and httpx;
pixels are checked by decoding with pyvips, never by bytes (reference images.md §4).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from tests.e2e.delivery_support import (
    auth,
    decoded,
    delivery_base,
    images_api,
    loader,
    set_config,
    upload,
)
from tests.factories import stored_keys
from tests.image_corpus import jpeg, png
from tests.servers import Server, running_server

from flarelite.images.records import id_hash, variant_prefix

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running_server(tmp_path_factory.mktemp("delivery"), workers=2) as started:
        set_config(started, flexible_variants=True)
        yield started


@pytest.fixture(scope="module")
def photo(server: Server) -> str:
    """Delivery base URL of a 640x480 JPEG."""
    return delivery_base(upload(server, jpeg(640, 480), "photo.jpg", "image/jpeg"))


@pytest.mark.parametrize(
    ("options", "size"),
    [
        ("w=320,h=320", (320, 240)),  # scale-down (default) shrinks to fit
        ("fit=scale-down,w=1000,h=1000", (640, 480)),  # ... and never enlarges
        ("fit=contain,w=1000,h=1000", (1000, 750)),  # contain may enlarge
        ("fit=contain,h=120", (160, 120)),
        ("fit=cover,w=300,h=300", (300, 300)),  # fills the box, cropping
        ("fit=crop,w=200,h=400", (200, 400)),  # cover for a larger source
        ("fit=crop,w=1000,h=1000", (640, 480)),  # scale-down for a smaller one
        ("fit=pad,w=400,h=400", (400, 400)),  # contain + background fill
    ],
)
def test_fit_modes_give_the_documented_pixel_sizes(
    photo: str, options: str, size: tuple[int, int]
) -> None:
    response = httpx.get(f"{photo}/{options},f=jpeg")
    assert response.status_code == 200, response.text
    image = decoded(response)
    assert (image.width, image.height) == size


@pytest.mark.parametrize(
    ("accept", "content_type", "decoder"),
    [
        ("image/avif,image/webp,image/apng,*/*;q=0.8", "image/avif", "heifload_buffer"),
        ("image/webp,*/*", "image/webp", "webpload_buffer"),
        ("image/*,*/*;q=0.8", "image/jpeg", "jpegload_buffer"),
        (None, "image/jpeg", "jpegload_buffer"),
    ],
)
def test_accept_header_picks_avif_then_webp_then_the_original_format(
    photo: str, accept: str | None, content_type: str, decoder: str
) -> None:
    headers = {"Accept": accept} if accept else {}
    response = httpx.get(f"{photo}/public", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.headers["vary"] == "Accept"
    assert loader(decoded(response)) == decoder


def test_png_original_stays_png_without_modern_formats(server: Server) -> None:
    base = delivery_base(upload(server, png(300, 200), "p.png", "image/png"))
    response = httpx.get(f"{base}/w=150", headers={"Accept": "image/png"})
    assert response.headers["content-type"] == "image/png"
    assert decoded(response).width == 150


def test_etag_revalidation_answers_304_without_a_body(photo: str) -> None:
    first = httpx.get(f"{photo}/w=200", headers={"Accept": "image/webp"})
    etag = first.headers["etag"]
    assert etag.startswith('"')  # strong: no W/ prefix
    assert first.headers["cache-control"].startswith("public, max-age=172800")
    again = httpx.get(f"{photo}/w=200", headers={"Accept": "image/webp", "If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    other = httpx.get(f"{photo}/w=200", headers={"If-None-Match": etag})  # JPEG: other tag
    assert other.status_code == 200


def test_head_sends_the_headers_of_get_without_the_body(photo: str) -> None:
    got = httpx.get(f"{photo}/w=120")
    head = httpx.head(f"{photo}/w=120")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == got.headers["content-length"]
    assert head.headers["etag"] == got.headers["etag"]


def test_browser_ttl_follows_the_account_config_then_the_variant(server: Server) -> None:
    base = delivery_base(upload(server, jpeg(100, 100), "t.jpg", "image/jpeg"))
    set_config(server, browser_ttl=7200)
    try:
        assert (
            httpx.get(f"{base}/public").headers["cache-control"].startswith("public, max-age=7200,")
        )
        name = f"ttl{uuid.uuid4().hex[:8]}"
        created = httpx.post(
            images_api(server, "v1/variants"),
            headers=auth(server),
            json={"id": name, "options": {"width": 50, "browser_ttl": 3600}},
        )
        assert created.status_code == 200, created.text
        assert (
            httpx.get(f"{base}/{name}").headers["cache-control"].startswith("public, max-age=3600,")
        )
    finally:
        set_config(server, browser_ttl=172800)


@pytest.mark.parametrize(
    ("suffix", "status", "code"),
    [
        ("w=abc", 400, 9401),
        ("width=0", 400, 9401),
        ("w=99999999999", 400, 9401),
        ("fit=sideways", 400, 9401),
        ("nonsense=1", 400, 9401),
        ("w=100,w=200", 400, 9401),
        ("background=rgb(1,2", 400, 9401),
        ("w=12000,h=12000,fit=contain", 403, 9413),  # enlargement past the output limit
        ("nosuchvariant", 404, 9431),
        ("bad-variant!", 403, 9426),
    ],
)
def test_bad_options_and_names_answer_plain_text_errors(
    photo: str, suffix: str, status: int, code: int
) -> None:
    response = httpx.get(f"{photo}/{suffix}")
    assert response.status_code == status
    assert response.text.startswith(f"ERROR {code}: ")
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["cf-resized"] == f"err={code}"


def test_unknown_account_hash_and_image_answer_9427_and_9431(server: Server, photo: str) -> None:
    unknown_hash = httpx.get(
        f"{server.base_url}/cdn-cgi/imagedelivery/AAAAAAAAAAAAAAAAAAAAAA/x/public"
    )
    assert (unknown_hash.status_code, unknown_hash.text[:10]) == (403, "ERROR 9427")
    account_base = photo.rsplit("/", 1)[0]
    unknown_image = httpx.get(f"{account_base}/{uuid.uuid4()}/public")
    assert (unknown_image.status_code, unknown_image.text[:10]) == (404, "ERROR 9431")
    no_variant = httpx.get(f"{account_base}/only-an-id")
    assert no_variant.status_code in (403, 404)


def test_flexible_variants_off_answers_9429(tmp_path: Path) -> None:
    with running_server(tmp_path) as server:
        base = delivery_base(upload(server, jpeg(64, 64), "f.jpg", "image/jpeg"))
        off = httpx.get(f"{base}/w=32")
        assert (off.status_code, off.text.split(":")[0]) == (403, "ERROR 9429")
        assert httpx.get(f"{base}/public").status_code == 200
        set_config(server, flexible_variants=True)
        assert decoded(httpx.get(f"{base}/w=32")).width == 32


def test_custom_id_with_slashes_and_spaces_is_delivered(server: Server) -> None:
    custom = f"albums/{uuid.uuid4().hex[:6]}/summer photo.jpg"
    image = upload(server, jpeg(90, 60), "s.jpg", "image/jpeg", id=custom)
    response = httpx.get(image["variants"][0])
    assert response.status_code == 200
    assert decoded(response).width == 90


def test_image_patch_and_delete_purge_delivered_variants(server: Server) -> None:
    image = upload(server, jpeg(200, 100), "d.jpg", "image/jpeg")
    base = delivery_base(image)
    assert httpx.get(f"{base}/w=50").status_code == 200
    built = variant_prefix(server.account_id, id_hash(image["id"]))
    assert stored_keys(server, built), "the variant was stored"
    patched = httpx.patch(
        images_api(server, f"v1/{image['id']}"), headers=auth(server),
        json={"requireSignedURLs": True},
    )  # fmt: skip
    assert patched.status_code == 200, patched.text
    assert httpx.get(f"{base}/public").status_code == 403  # now private: unsigned refused
    deleted = httpx.delete(images_api(server, f"v1/{image['id']}"), headers=auth(server))
    assert deleted.status_code == 200
    for _ in range(3):  # every worker, whichever answers
        gone = httpx.get(f"{base}/public")
        assert (gone.status_code, gone.text[:10]) == (404, "ERROR 9431")
    assert stored_keys(server, built) == []


def test_reupload_under_the_same_custom_id_serves_the_new_pixels(server: Server) -> None:
    custom = f"re/{uuid.uuid4().hex[:8]}"
    first = upload(server, jpeg(120, 80), "a.jpg", "image/jpeg", id=custom)
    assert decoded(httpx.get(first["variants"][0])).width == 120
    encoded = quote(custom, safe="")  # API paths take the id fully encoded (§3.2)
    httpx.delete(images_api(server, f"v1/{encoded}"), headers=auth(server)).raise_for_status()
    second = upload(server, jpeg(60, 40), "b.jpg", "image/jpeg", id=custom)
    assert decoded(httpx.get(second["variants"][0])).width == 60


def test_variant_patch_and_delete_change_what_is_delivered(server: Server) -> None:
    base = delivery_base(upload(server, jpeg(400, 200), "v.jpg", "image/jpeg"))
    name = f"thumb{uuid.uuid4().hex[:8]}"
    variants = images_api(server, "v1/variants")
    created = httpx.post(
        variants, headers=auth(server), json={"id": name, "options": {"width": 100}}
    )
    assert created.status_code == 200, created.text
    assert decoded(httpx.get(f"{base}/{name}")).width == 100
    edited = httpx.patch(
        f"{variants}/{name}", headers=auth(server), json={"options": {"width": 50}}
    )
    assert edited.status_code == 200, edited.text
    for _ in range(3):
        assert decoded(httpx.get(f"{base}/{name}")).width == 50
    httpx.delete(f"{variants}/{name}", headers=auth(server)).raise_for_status()
    for _ in range(3):
        assert httpx.get(f"{base}/{name}").status_code == 404


def test_direct_upload_post_under_the_delivery_prefix_still_works(server: Server) -> None:
    made = httpx.post(
        f"{server.api}/accounts/{server.account_id}/images/v2/direct_upload", headers=auth(server)
    )
    assert made.status_code == 200, made.text
    result = made.json()["result"]
    posted = httpx.post(result["uploadURL"], files={"file": ("u.jpg", jpeg(30, 20), "image/jpeg")})
    assert posted.status_code == 200, posted.text
    account_base = delivery_base(upload(server, jpeg(8, 8), "x.jpg", "image/jpeg")).rsplit("/", 1)[
        0
    ]
    assert decoded(httpx.get(f"{account_base}/{result['id']}/public")).width == 30
