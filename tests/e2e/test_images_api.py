"""Images API end to end through the official SDK, curl and plain httpx (reference images.md §2)."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

import cloudflare
import httpx
import pytest
from tests.image_corpus import jpeg, png
from tests.servers import Server, sdk

from flarelite.tokens.catalog import PERMISSION_GROUPS

pytestmark = pytest.mark.e2e

IMAGES_READ = next(g.id for g in PERMISSION_GROUPS if g.name == "Images Read")


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def images_url(server: Server, rest: str = "") -> str:
    return f"{server.api}/accounts/{server.account_id}/images/{rest}".rstrip("/")


@pytest.fixture
def creator() -> str:
    """A creator id of the test's own, so listings see only the test's images."""
    return f"creator-{uuid.uuid4().hex[:12]}"


def upload(cf: cloudflare.Cloudflare, server: Server, **fields: object) -> str:
    fields.setdefault("file", ("pic.png", png(), "image/png"))
    image = cf.images.v1.create(account_id=server.account_id, **fields)  # type: ignore[arg-type]
    assert image.id is not None
    return image.id


def test_seed_curl_command_uploads_unchanged_apart_from_the_host(
    server: Server, tmp_path: Path
) -> None:
    (tmp_path / "YOUR_IMAGE.png").write_bytes(png())
    url = f"{server.api}/accounts/{server.account_id}/images/v1"
    command = ["curl", "-s", "-X", "POST", "-F", "file=@./YOUR_IMAGE.png"]
    command += ["-H", f"Authorization: Bearer {server.token}", url]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=30)
    body = json.loads(done.stdout)
    assert body["success"] is True
    assert body["errors"] == []
    result = body["result"]
    assert set(result) == {"id", "filename", "uploaded", "requireSignedURLs", "variants"}
    assert result["filename"] == "YOUR_IMAGE.png"
    assert result["uploaded"].endswith("Z")
    assert result["variants"][0].startswith(f"{server.base_url}/cdn-cgi/imagedelivery/")
    assert result["variants"][0].endswith(f"/{result['id']}/public")


def test_sdk_upload_with_custom_id_holding_slashes_and_spaces(
    cf: cloudflare.Cloudflare, server: Server
) -> None:
    custom = f"albums/{uuid.uuid4().hex[:8]}/summer photo.jpg"
    image = cf.images.v1.create(
        account_id=server.account_id,
        file=("s.jpg", jpeg(), "image/jpeg"),
        id=custom,
        metadata='{"album": "summer"}',
    )
    assert image.id == custom
    assert image.meta == {"album": "summer"}
    fetched = cf.images.v1.get(custom, account_id=server.account_id)
    assert fetched.filename == "s.jpg"
    assert fetched.variants is not None
    assert fetched.variants[0].endswith("/summer%20photo.jpg/public")
    assert cf.images.v1.blobs.get(custom, account_id=server.account_id).read() == jpeg()


def test_sdk_metadata_dict_arrives_as_dotted_parts_with_string_values(
    cf: cloudflare.Cloudflare, server: Server
) -> None:
    # The SDK flattens a dict into `metadata.k` parts (§2.10); values arrive as strings.
    image_id = upload(cf, server, metadata={"k": "v", "n": {"x": 1}}, require_signed_urls=True)
    image = cf.images.v1.get(image_id, account_id=server.account_id)
    assert image.meta == {"k": "v", "n": {"x": "1"}}
    assert image.require_signed_urls is True


def test_typescript_bracketed_metadata_parts_are_accepted(server: Server) -> None:
    files = {"file": ("p.png", png(), "image/png")}
    data = {"metadata[k]": "v", "metadata[n][x]": "1", "requireSignedURLs": "false"}
    answer = httpx.post(
        images_url(server, "v1"), files=files, data=data, headers=auth(server.token)
    )
    assert answer.status_code == 200
    assert answer.json()["result"]["meta"] == {"k": "v", "n": {"x": "1"}}


def test_duplicate_custom_id_is_409_5409_and_not_retried(server: Server) -> None:
    custom = f"dup-{uuid.uuid4().hex[:8]}"
    # Retries on: the SDK would re-POST a 409 twice unless told not to (§1).
    cf = cloudflare.Cloudflare(api_token=server.token, base_url=server.api, max_retries=2)
    upload(cf, server, id=custom)
    with pytest.raises(cloudflare.ConflictError) as caught:
        upload(cf, server, id=custom)
    assert caught.value.response.headers["x-should-retry"] == "false"
    assert caught.value.body is not None
    assert caught.value.response.json()["errors"][0] == {
        "code": 5409,
        "message": "Resource already exists",
    }


def test_edit_replaces_metadata_and_sets_creator(cf: cloudflare.Cloudflare, server: Server) -> None:
    image_id = upload(cf, server, metadata='{"a": 1, "b": 2}')
    edited = cf.images.v1.edit(
        image_id, account_id=server.account_id, metadata={"c": 3}, creator="editor"
    )
    assert edited.meta == {"c": 3}
    assert edited.creator == "editor"
    edited = cf.images.v1.edit(image_id, account_id=server.account_id, require_signed_urls=True)
    assert edited.require_signed_urls is True
    assert edited.meta == {"c": 3}


def test_custom_id_images_cannot_become_private(cf: cloudflare.Cloudflare, server: Server) -> None:
    custom = f"public-{uuid.uuid4().hex[:8]}"
    upload(cf, server, id=custom)
    with pytest.raises(cloudflare.BadRequestError) as caught:
        cf.images.v1.edit(custom, account_id=server.account_id, require_signed_urls=True)
    assert caught.value.response.json()["errors"][0]["code"] == 5400


def test_delete_answers_empty_object_and_the_image_is_gone(
    cf: cloudflare.Cloudflare, server: Server
) -> None:
    custom = f"to delete/{uuid.uuid4().hex[:8]}"
    upload(cf, server, id=custom)
    assert cf.images.v1.delete(custom, account_id=server.account_id) == {}
    with pytest.raises(cloudflare.NotFoundError) as caught:
        cf.images.v1.get(custom, account_id=server.account_id)
    assert caught.value.response.json()["errors"][0] == {"code": 5404, "message": "Image not found"}
    with pytest.raises(cloudflare.NotFoundError):
        cf.images.v1.delete(custom, account_id=server.account_id)


def test_blob_is_the_original_with_its_content_type(server: Server) -> None:
    data = jpeg(90, 60)
    files = {"file": ("o.jpg", data, "application/octet-stream")}
    image_id = httpx.post(images_url(server, "v1"), files=files, headers=auth(server.token)).json()[
        "result"
    ]["id"]
    answer = httpx.get(
        images_url(server, f"v1/{image_id}/blob"),
        headers={**auth(server.token), "Accept": "image/*"},
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/jpeg"
    assert answer.content == data


def test_stats_count_current_images_against_the_quota(
    cf: cloudflare.Cloudflare, server: Server
) -> None:
    before = cf.images.v1.stats.get(account_id=server.account_id)
    upload(cf, server)
    after = cf.images.v1.stats.get(account_id=server.account_id)
    assert before.count is not None
    assert after.count is not None
    assert after.count.allowed == 100_000
    assert after.count.current == (before.count.current or 0) + 1


def test_v1_list_pages_to_the_end_through_result_images(
    cf: cloudflare.Cloudflare, server: Server, creator: str
) -> None:
    made = {upload(cf, server, creator=creator) for _ in range(23)}
    seen: list[str] = []
    for page_number in range(1, 10):
        with pytest.warns(DeprecationWarning, match="deprecated"):  # SDK marks v1 list (§2.3)
            page = cf.images.v1.list(
                account_id=server.account_id, page=page_number, per_page=10, creator=creator
            )
        # SDK quirk (§2.3): the auto-pager reads result.items; Cloudflare answers result.images.
        assert list(page) == []
        assert page.result is not None
        images = page.result.images  # type: ignore[attr-defined]
        if not images:
            break
        seen += [image["id"] for image in images]
    assert page_number == 4
    assert sorted(seen) == sorted(made)


def test_v2_list_pages_to_the_end_with_continuation_tokens(
    cf: cloudflare.Cloudflare, server: Server, creator: str
) -> None:
    made = [upload(cf, server, creator=creator) for _ in range(21)]
    seen: list[str] = []
    token: str | None = None
    for _ in range(10):
        page = cf.images.v2.list(
            account_id=server.account_id,
            per_page=10,
            sort_order="asc",
            creator=creator,
            continuation_token=token,
        )
        seen += [image.id for image in page.images or [] if image.id]
        token = page.continuation_token
        if token is None:
            break
    assert seen == made
    newest_first = cf.images.v2.list(account_id=server.account_id, creator=creator, per_page=10)
    assert [i.id for i in newest_first.images or []] == made[::-1][:10]


def test_v2_metadata_filters_as_the_sdk_sends_them(
    cf: cloudflare.Cloudflare, server: Server, creator: str
) -> None:
    for n in range(6):
        upload(cf, server, creator=creator, metadata=json.dumps({"n": n, "tag": f"t{n % 3}"}))
    page = cf.images.v2.list(
        account_id=server.account_id,
        creator=creator,
        meta={"tag[in]": "t0|t1", "n[gt:number]": "1"},  # type: ignore[typeddict-unknown-key]
    )
    assert sorted(image.meta["n"] for image in page.images or []) == [3, 4]  # type: ignore[index]


def test_v2_unsupported_filter_operator_is_400_5400(server: Server) -> None:
    answer = httpx.get(
        images_url(server, "v2"), params={"meta.n[like]": "x"}, headers=auth(server.token)
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["code"] == 5400


def test_variants_crud_with_public_always_present(
    cf: cloudflare.Cloudflare, server: Server
) -> None:
    account = server.account_id
    name = f"thumb{uuid.uuid4().hex[:6]}"
    listed = cf.images.v1.variants.list(account_id=account)
    assert listed.variants is not None
    assert listed.variants.model_extra is not None
    assert "public" in listed.variants.model_extra
    options = {"fit": "cover", "width": 200, "height": 150, "metadata": "none"}
    created = cf.images.v1.variants.create(
        account_id=account,
        id=name,
        options=options,
        never_require_signed_urls=True,  # type: ignore[arg-type]
    )
    assert created.variant is not None
    assert created.variant.never_require_signed_urls is True
    got = cf.images.v1.variants.get(name, account_id=account)
    assert got.variant is not None
    assert got.variant.options.width == 200
    edited = cf.images.v1.variants.edit(
        name,
        account_id=account,
        options={**options, "width": 320},  # type: ignore[arg-type]
    )
    assert edited.variant is not None
    assert edited.variant.options.width == 320
    image_id = upload(cf, server)
    variants = cf.images.v1.get(image_id, account_id=account).variants or []
    assert any(url.endswith(f"/{image_id}/{name}") for url in variants)
    assert cf.images.v1.variants.delete(name, account_id=account) == {}
    with pytest.raises(cloudflare.NotFoundError):
        cf.images.v1.variants.get(name, account_id=account)
    with pytest.raises(cloudflare.BadRequestError):
        cf.images.v1.variants.delete("public", account_id=account)


def test_variant_with_bad_options_names_the_field(
    cf: cloudflare.Cloudflare, server: Server
) -> None:
    with pytest.raises(cloudflare.BadRequestError) as caught:
        cf.images.v1.variants.create(
            account_id=server.account_id,
            id="badfit",
            options={"fit": "stretch", "width": 1, "height": 1, "metadata": "none"},  # type: ignore[typeddict-item]
        )
    error = caught.value.response.json()["errors"][0]
    assert error["code"] == 5400
    assert "options.fit" in error["message"]


def test_signing_keys_default_rotate_and_delete(fresh_server: Server) -> None:
    cf = sdk(fresh_server)
    account = fresh_server.account_id
    keys = cf.images.v1.keys.list(account_id=account).keys or []
    assert [k.name for k in keys] == ["default"]
    first = keys[0].value
    rotated = cf.images.v1.keys.update("default", account_id=account).keys or []
    assert [k.name for k in rotated] == ["default"]
    assert rotated[0].value != first
    both = cf.images.v1.keys.update("mobile", account_id=account).keys or []
    assert sorted(k.name for k in both) == ["default", "mobile"]
    assert [k.name for k in cf.images.v1.keys.delete("default", account_id=account).keys or []] == [
        "mobile"
    ]
    # Deleting the last key makes a fresh `default` (§5).
    after = cf.images.v1.keys.delete("mobile", account_id=account).keys or []
    assert [k.name for k in after] == ["default"]


def test_config_reads_and_updates_flexible_variants_and_ttl(fresh_server: Server) -> None:
    url = images_url(fresh_server, "v1/config")
    headers = auth(fresh_server.token)
    assert httpx.get(url, headers=headers).json()["result"] == {
        "flexible_variants": False,
        "browser_ttl": 172800,
        "preserve_content_credentials": False,
    }
    answer = httpx.patch(
        url, headers=headers, json={"flexible_variants": True, "browser_ttl": 7200}
    )
    assert answer.json()["result"]["flexible_variants"] is True
    assert httpx.get(url, headers=headers).json()["result"]["browser_ttl"] == 7200
    bad = httpx.patch(url, headers=headers, json={"browser_ttl": 5})
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["code"] == 5400


def test_direct_upload_takes_one_plain_multipart_post(
    cf: cloudflare.Cloudflare, server: Server, creator: str
) -> None:
    created = cf.images.v2.direct_uploads.create(
        account_id=server.account_id, creator=creator, metadata='{"from": "browser"}'
    )
    assert created.id is not None
    assert created.upload_url is not None
    assert created.upload_url.startswith(f"{server.base_url}/")
    draft = httpx.get(images_url(server, f"v1/{created.id}"), headers=auth(server.token)).json()
    assert draft["result"]["draft"] is True
    assert "filename" not in draft["result"]
    listed = cf.images.v2.list(account_id=server.account_id, creator=creator)
    assert listed.images == []
    answer = httpx.post(
        created.upload_url,
        files={"file": ("from-browser.png", png(), "image/png")},
        headers={"Origin": "https://creator.example"},
    )
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"
    result = answer.json()["result"]
    assert (result["id"], result["filename"], result["meta"]) == (
        created.id,
        "from-browser.png",
        {"from": "browser"},
    )
    assert "draft" not in result
    again = httpx.post(created.upload_url, files={"file": ("x.png", png(), "image/png")})
    assert again.status_code == 404
    assert again.headers["access-control-allow-origin"] == "*"
    assert [
        i.id for i in cf.images.v2.list(account_id=server.account_id, creator=creator).images or []
    ] == [created.id]


def test_direct_upload_url_answers_a_cors_preflight(
    cf: cloudflare.Cloudflare, server: Server
) -> None:
    created = cf.images.v2.direct_uploads.create(account_id=server.account_id)
    assert created.upload_url is not None
    answer = httpx.options(
        created.upload_url,
        headers={
            "Origin": "https://creator.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert answer.status_code == 204
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "POST" in answer.headers["access-control-allow-methods"]


def test_direct_upload_accepts_the_docs_json_body_with_expiry(server: Server) -> None:
    answer = httpx.post(
        images_url(server, "v2/direct_upload"),
        headers=auth(server.token),
        json={"expiry": "2099-01-01T00:00:00Z"},
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["code"] == 5400


def test_batch_token_is_a_bearer_for_images_routes_only(server: Server) -> None:
    answer = httpx.get(images_url(server, "v1/batch_token"), headers=auth(server.token))
    result = answer.json()["result"]
    assert set(result) == {"token", "expiresAt"}
    batch = result["token"]
    listed = httpx.get(images_url(server, "v2"), headers=auth(batch), params={"per_page": 10})
    assert listed.status_code == 200
    files = {"file": ("b.png", png(), "image/png")}
    assert httpx.post(images_url(server, "v1"), files=files, headers=auth(batch)).status_code == 200
    assert httpx.get(f"{server.api}/user", headers=auth(batch)).status_code == 400
    other = f"{server.api}/accounts/{'0' * 32}/images/v2"
    assert httpx.get(other, headers=auth(batch)).status_code == 403
    forged = batch[:-4] + ("AAAA" if not batch.endswith("AAAA") else "BBBB")
    assert httpx.get(images_url(server, "v2"), headers=auth(forged)).status_code == 403


@pytest.fixture(scope="module")
def read_only_token(server: Server) -> str:
    created = sdk(server).user.tokens.create(
        name="images read only",
        policies=[
            {
                "effect": "allow",
                "resources": {f"com.cloudflare.api.account.{server.account_id}": "*"},
                "permission_groups": [{"id": IMAGES_READ}],
            }
        ],
    )
    assert created.value is not None
    return created.value


WRITES = [
    ("POST", "v1", {"files": {"file": ("r.png", b"\x89PNG", "image/png")}}),
    ("PATCH", "v1/some-image", {"json": {"creator": "x"}}),
    ("DELETE", "v1/some-image", {}),
    ("POST", "v1/variants", {"json": {"id": "x", "options": {"width": 1}}}),
    ("PATCH", "v1/variants/public", {"json": {"options": {"width": 1}}}),
    ("DELETE", "v1/variants/public", {}),
    ("PUT", "v1/keys/default", {}),
    ("DELETE", "v1/keys/default", {}),
    ("PATCH", "v1/config", {"json": {"flexible_variants": True}}),
    ("POST", "v2/direct_upload", {"data": {"creator": "x"}}),
    ("GET", "v1/batch_token", {}),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_images_read_token_is_refused_on_every_write(
    server: Server, read_only_token: str, method: str, path: str, body: dict[str, object]
) -> None:
    answer = httpx.request(
        method,
        images_url(server, path),
        headers=auth(read_only_token),
        **body,  # type: ignore[arg-type]
    )
    assert answer.status_code == 403
    assert answer.json()["errors"][0]["code"] == 10000


def test_images_read_token_may_read(server: Server, read_only_token: str) -> None:
    cf = sdk(server, token=read_only_token)
    assert cf.images.v1.stats.get(account_id=server.account_id).count is not None
    assert cf.images.v2.list(account_id=server.account_id, per_page=10).images is not None
    assert cf.images.v1.variants.list(account_id=server.account_id).variants is not None
    assert cf.images.v1.keys.list(account_id=server.account_id).keys
