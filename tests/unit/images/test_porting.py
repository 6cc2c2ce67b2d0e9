"""Pure parts of images import/export: wire parsing, id shapes, the report, and the v4
client's retry rule (against a scripted HTTP peer: the behaviour under test is ours)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from flarelite.images.porting.model import CopyReport, Outcome, PortingError
from flarelite.images.porting.v4 import V4Source, image_of, parse_time
from flarelite.images.service import is_generated_id


def test_parse_time_reads_cloudflare_timestamps_and_refuses_odd_ones() -> None:
    assert parse_time("2024-05-06T07:08:09.123Z") == datetime(
        2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC
    )
    assert parse_time("2024-05-06T07:08:09+00:00") == datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    for odd in (None, "", "yesterday", "2024-05-06T07:08:09", 17):
        assert parse_time(odd) is None


def test_image_of_takes_cloudflare_field_names() -> None:
    image = image_of(
        {
            "id": "a/b",
            "filename": "x.png",
            "creator": "me",
            "meta": {"k": 1},
            "requireSignedURLs": True,
            "uploaded": "2024-01-01T00:00:00.000Z",
            "variants": ["https://imagedelivery.net/h/a/b/public"],
        }
    )
    assert (image.id, image.filename, image.creator, image.meta) == ("a/b", "x.png", "me", {"k": 1})
    assert image.requires_signed_urls is True
    assert image.uploaded == datetime(2024, 1, 1, tzinfo=UTC)
    assert image_of({"id": "bare"}).meta == {}
    assert image_of({"id": "bare"}).uploaded is None


def test_generated_ids_are_canonical_uuids_only() -> None:
    assert is_generated_id("2cdc28f0-017a-49c4-9ed7-87056c83901f")
    assert is_generated_id("2CDC28F0-017A-49C4-9ED7-87056C83901F")
    for custom in ("2cdc28f0017a49c49ed787056c83901f", "{2cdc28f0-017a-49c4-9ed7-87056c83901f}",
                   "shop/item-1", "x"):  # fmt: skip
        assert not is_generated_id(custom)


def test_report_counts_outcomes_and_knows_when_it_is_complete() -> None:
    report = CopyReport()
    report.count(Outcome.COPIED, 100)
    report.count(Outcome.SKIPPED)
    report.count(Outcome.UPDATED)
    report.variants["thumb"] = Outcome.COPIED
    assert report.is_complete
    summary = report.as_json()
    assert summary["images"] == {"seen": 3, "copied": 1, "updated": 1, "skipped": 1, "failed": 0}
    assert summary["bytes_copied"] == 100
    assert summary["complete"] is True
    report.variants["hero"] = "failed: invalid options"
    assert not report.is_complete
    report.variants.pop("hero")
    report.failed["img"] = "too big"
    assert report.as_json()["failures"] == [{"id": "img", "reason": "too big"}]


def scripted(*answers: httpx.Response) -> tuple[httpx.AsyncClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(answers)

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0)

    return httpx.AsyncClient(transport=httpx.MockTransport(answer)), seen


OK_VARIANTS = {"success": True, "errors": [], "result": {"variants": {}}}


async def test_v4_source_waits_out_429_then_carries_on() -> None:
    client, seen = scripted(
        httpx.Response(429, headers={"retry-after": "0"}, json={"success": False}),
        httpx.Response(503, headers={"retry-after": "0"}),
        httpx.Response(200, json=OK_VARIANTS),
    )
    async with client:
        source = V4Source("http://cf.test/client/v4/", "cfut_secret", "acc", client=client)
        assert await source.variants() == []
    assert len(seen) == 3
    assert str(seen[0].url) == "http://cf.test/client/v4/accounts/acc/images/v1/variants"
    assert seen[0].headers["authorization"] == "Bearer cfut_secret"


async def test_v4_source_stops_on_a_refused_token_with_the_envelope_message() -> None:
    refusal = {"success": False, "errors": [{"code": 10000, "message": "Authentication error"}]}
    client, seen = scripted(httpx.Response(403, json=refusal))
    async with client:
        source = V4Source("http://cf.test/client/v4", "cfut_secret", "acc", client=client)
        with pytest.raises(PortingError) as raised:
            await source.variants()
    assert len(seen) == 1  # a 403 is not retried
    assert "HTTP 403: Authentication error (10000)" in str(raised.value)
    assert "cfut_secret" not in str(raised.value)


async def test_v4_source_pages_with_continuation_tokens_and_skips_drafts() -> None:
    first = {"images": [{"id": "a"}, {"id": "d", "draft": True}], "continuation_token": "t2"}
    last = {"images": [{"id": "b"}], "continuation_token": None}
    client, seen = scripted(
        httpx.Response(200, json={"success": True, "result": first}),
        httpx.Response(200, json={"success": True, "result": last}),
    )
    async with client:
        source = V4Source("http://cf.test/client/v4", "t", "acc", client=client)
        ids = [image.id async for image in source.images()]
    assert ids == ["a", "b"]
    assert seen[1].url.params["continuation_token"] == "t2"
    assert seen[0].url.params["sort_order"] == "asc"
