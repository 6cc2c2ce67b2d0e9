"""Hostile and broken uploads: each is a 4xx envelope with its 5xxx code, leaving no row and no
bytes behind; upload by URL refuses loopback, private and metadata addresses (§2.2, §3)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from tests.factories import stored_keys
from tests.image_corpus import jpeg, oversized_jpeg_bytes, png, png_declaring
from tests.servers import OriginServer, Server, origin_server, running_server

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of this module's own, private fetches refused (the default)."""
    with running_server(tmp_path_factory.mktemp("guarded")) as started:
        yield started


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server that may fetch from loopback origins (FLARELITE_FETCH_ALLOW_PRIVATE=1)."""
    env = {"FLARELITE_FETCH_ALLOW_PRIVATE": "1"}
    with running_server(tmp_path_factory.mktemp("lab"), env=env) as started:
        yield started


@pytest.fixture(scope="module")
def origin() -> Iterator[OriginServer]:
    with origin_server() as started:
        yield started


def stored_objects(server: Server) -> list[str]:
    return stored_keys(server)


def image_count(server: Server) -> int:
    answer = httpx.get(
        f"{server.api}/accounts/{server.account_id}/images/v1/stats",
        headers={"Authorization": f"Bearer {server.token}"},
    )
    return int(answer.json()["result"]["count"]["current"])


def post_upload(
    server: Server,
    *,
    data: dict[str, str] | None = None,
    files: dict[str, tuple[str | None, bytes | str, str | None]] | None = None,
    **request: object,
) -> httpx.Response:
    """POST a multipart form (as curl -F does): ``data`` fields become parts, like files."""
    parts = dict(files or {})
    parts.update({name: (None, value, None) for name, value in (data or {}).items()})
    headers = {"Authorization": f"Bearer {server.token}", **request.pop("headers", {})}  # type: ignore[dict-item]
    return httpx.post(
        f"{server.api}/accounts/{server.account_id}/images/v1",
        headers=headers,
        files=parts or None,
        timeout=60,
        **request,  # type: ignore[arg-type]
    )


def assert_refused_cleanly(server: Server, status: int, code: int, **request: object) -> None:
    objects, count = stored_objects(server), image_count(server)
    answer = post_upload(server, **request)
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["success"] is False
    assert body["result"] is None
    assert body["errors"][0]["code"] == code
    assert stored_objects(server) == objects
    assert image_count(server) == count


def file_part(data: bytes, name: str = "upload.png") -> dict[str, object]:
    return {"files": {"file": (name, data, "image/png")}}


TRUNCATED_JPEG = jpeg(256, 256)[:-600]

BAD_FILES = [
    ("empty file", b"", 400, 5400),
    ("text named .png", b"just some text, not an image\n" * 20, 415, 5455),
    ("truncated JPEG", TRUNCATED_JPEG, 400, 9422),
    ("PNG declaring 30000x30000", png_declaring(30_000, 30_000), 400, 5400),
    ("over 10 MB", oversized_jpeg_bytes(), 413, 5413),
]


@pytest.mark.parametrize(
    ("data", "status", "code"), [b[1:] for b in BAD_FILES], ids=[b[0] for b in BAD_FILES]
)
def test_bad_file_is_refused_without_leftovers(
    guarded: Server, data: bytes, status: int, code: int
) -> None:
    assert_refused_cleanly(guarded, status, code, **file_part(data))


BAD_FIELDS = [
    ("metadata not JSON", {"metadata": "{not json"}, 5400),
    ("metadata not an object", {"metadata": "[1, 2]"}, 5400),
    ("metadata over 1024 bytes", {"metadata": '{"k": "' + "x" * 1100 + '"}'}, 5400),
    ("id is a UUID", {"id": str(uuid.uuid4())}, 5411),
    ("id starts with a slash", {"id": "/leading"}, 5411),
    ("id ends with a slash", {"id": "trailing/"}, 5411),
    ("id with a non-image extension", {"id": "setup.exe"}, 5411),
    ("id over 1024 characters", {"id": "a" * 1025}, 5411),
    ("id with an empty segment", {"id": "a//b"}, 5411),
    ("requireSignedURLs not a boolean", {"requireSignedURLs": "maybe"}, 5400),
    (
        "custom id that requires signed URLs",
        {"id": "private-one", "requireSignedURLs": "true"},
        5400,
    ),
    ("file and url together", {"url": "https://example.com/a.png"}, 5400),
]


@pytest.mark.parametrize(
    ("fields", "code"), [b[1:] for b in BAD_FIELDS], ids=[b[0] for b in BAD_FIELDS]
)
def test_bad_form_field_is_refused_without_leftovers(
    guarded: Server, fields: dict[str, str], code: int
) -> None:
    assert_refused_cleanly(guarded, 400, code, data=fields, **file_part(png()))


def test_neither_file_nor_url_is_refused(guarded: Server) -> None:
    assert_refused_cleanly(
        guarded, 400, 5400, data={"creator": "x"}, files={"other": ("a", b"b", None)}
    )


def test_raw_image_bytes_instead_of_a_form_is_415_5415(guarded: Server) -> None:
    assert_refused_cleanly(guarded, 415, 5415, content=png(), headers={"Content-Type": "image/png"})


def test_malformed_multipart_body_is_400_5400(guarded: Server) -> None:
    assert_refused_cleanly(
        guarded,
        400,
        5400,
        content=b'--xyz\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc',
        headers={"Content-Type": "multipart/form-data; boundary=xyz"},
    )


REFUSED_URLS = [
    "http://127.0.0.1:{port}/a.png",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:{port}/a.png",
    "http://localhost:{port}/a.png",
    "http://10.1.2.3/a.png",
    "http://[fd00::1]/a.png",
    "http://127.0.0.1:{port}/to-loopback",
    "http://127.0.0.1:{port}/to-metadata",
    "file:///etc/passwd",
    "ftp://127.0.0.1/a.png",
]


@pytest.mark.parametrize("template", REFUSED_URLS)
def test_url_to_a_private_address_is_refused(
    guarded: Server, origin: OriginServer, template: str
) -> None:
    port = origin.base_url.rsplit(":", 1)[1]
    origin.serve("/a.png", png())
    origin.redirect("/to-loopback", f"http://127.0.0.1:{port}/a.png")
    origin.redirect("/to-metadata", "http://169.254.169.254/latest/meta-data/")
    assert_refused_cleanly(guarded, 400, 5454, data={"url": template.format(port=port)})


def test_url_upload_follows_redirects_to_an_allowed_origin(
    lab: Server, origin: OriginServer
) -> None:
    data = jpeg(80, 60)
    origin.serve("/photos/cat.jpg", data, **{"Content-Type": "image/jpeg"})
    origin.redirect("/short", "/photos/cat.jpg", status=301)
    answer = post_upload(
        lab, data={"url": origin.base_url + "/short", "metadata": '{"via": "url"}'}
    )
    assert answer.status_code == 200, answer.text
    result = answer.json()["result"]
    assert (result["filename"], result["meta"]) == ("cat.jpg", {"via": "url"})
    blob = httpx.get(
        f"{lab.api}/accounts/{lab.account_id}/images/v1/{result['id']}/blob",
        headers={"Authorization": f"Bearer {lab.token}"},
    )
    assert blob.content == data


def test_metadata_addresses_stay_refused_when_private_fetches_are_allowed(
    lab: Server, origin: OriginServer
) -> None:
    origin.redirect("/sneaky", "http://169.254.169.254/latest/meta-data/iam/")
    assert_refused_cleanly(lab, 400, 5454, data={"url": origin.base_url + "/sneaky"})


def test_redirect_loops_and_origin_errors_are_5454(lab: Server, origin: OriginServer) -> None:
    origin.redirect("/loop", "/loop")
    origin.serve("/missing.png", b"gone", status=404)
    origin.serve("/huge.png", b"\xff\xd8\xff" + b"\x00" * (11 * 1024 * 1024))
    assert_refused_cleanly(lab, 400, 5454, data={"url": origin.base_url + "/loop"})
    assert_refused_cleanly(lab, 400, 5454, data={"url": origin.base_url + "/missing.png"})
    assert_refused_cleanly(lab, 413, 5413, data={"url": origin.base_url + "/huge.png"})
