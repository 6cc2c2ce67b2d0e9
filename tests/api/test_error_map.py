"""The one error map: unexpected errors and framework errors all answer Cloudflare's envelope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from flarelite.app import create_app
from flarelite.config import Settings
from flarelite.storage.migrate import migrate


@asynccontextmanager
async def app_client(data_dir: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The real app in process, with a route that fails the way a bug would."""
    settings = Settings.from_env({"FLARELITE_DATA_DIR": str(data_dir)})
    migrate(settings.database_url)
    app = create_app(settings)

    async def explode() -> None:
        raise RuntimeError("a bug, with an internal detail that must not leak")

    app.add_api_route("/client/v4/explode", explode, methods=["GET"])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://flarelite.test") as http,
    ):
        yield http


async def test_unexpected_error_is_a_500_envelope_with_a_logged_request_id(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    async with app_client(tmp_path) as client:
        answer = await client.get("/client/v4/explode")
    assert answer.status_code == 500
    assert answer.json() == {
        "result": None,
        "success": False,
        "errors": [{"code": 1002, "message": "Internal server error"}],
        "messages": [],
    }
    assert "internal detail" not in answer.text
    logged = capfd.readouterr().err
    assert "unhandled_error" in logged
    assert answer.headers["x-request-id"] in logged


async def test_unknown_route_and_wrong_method_answer_envelopes(tmp_path: Path) -> None:
    async with app_client(tmp_path) as client:
        missing = await client.get("/client/v4/nothing/here")
        wrong_method = await client.post("/client/v4/user/tokens/verify")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["code"] == 7003
    assert wrong_method.status_code == 405
    assert wrong_method.json()["success"] is False


async def test_authentication_runs_before_the_body_is_read(tmp_path: Path) -> None:
    async with app_client(tmp_path) as client:
        answer = await client.post(
            "/client/v4/user/tokens",
            json={"name": 5},
            headers={"Authorization": "Bearer " + "a" * 40},
        )
    assert answer.status_code == 403
    assert answer.json()["errors"][0]["code"] == 9109
