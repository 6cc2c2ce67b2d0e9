"""The OpenAPI document describes every /client/v4 route: request, success and error shapes."""

from __future__ import annotations

from typing import Any

import pytest

from flarelite.api.openapi_models import RAW_RESULTS, RESULTS
from flarelite.api.routes import PREFIX, ROUTES, Route
from flarelite.app import create_app
from flarelite.config import Settings


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    settings = Settings.from_env({"FLARELITE_DATA_DIR": str(tmp_path_factory.mktemp("doc"))})
    return create_app(settings).openapi()


def operation(document: dict[str, Any], route: Route) -> dict[str, Any]:
    path = PREFIX + route.path.replace(":segment", "")
    found: dict[str, Any] = document["paths"][path][route.method.lower()]
    return found


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    name = schema["$ref"].rsplit("/", 1)[-1]
    resolved: dict[str, Any] = document["components"]["schemas"][name]
    return resolved


def label(route: Route) -> str:
    return f"{route.method} {route.path}"


def test_every_route_declares_what_it_answers() -> None:
    missing = [label(r) for r in ROUTES if r.handler not in RESULTS | RAW_RESULTS]
    assert missing == []


@pytest.mark.parametrize("route", ROUTES, ids=label)
def test_route_documents_its_envelope_and_errors(document: dict[str, Any], route: Route) -> None:
    answers = operation(document, route)["responses"]
    assert "422" not in answers  # validation errors are 400 envelopes here
    for status in ("400", "401", "403", "404", "429"):
        failure = resolve(document, answers[status]["content"]["application/json"]["schema"])
        assert failure["required"] == ["success", "errors", "messages", "result"]
    content = answers["200"]["content"]
    if route.handler in RAW_RESULTS:
        assert "application/json" not in content
        return
    envelope = resolve(document, content["application/json"]["schema"])
    assert {"success", "errors", "messages", "result"} <= set(envelope["required"])
    assert envelope["properties"]["result"] != {}  # the result's real shape, not "anything"


@pytest.mark.parametrize("route", ROUTES, ids=label)
def test_every_path_parameter_is_declared(document: dict[str, Any], route: Route) -> None:
    declared = {p["name"] for p in operation(document, route).get("parameters", [])}
    wanted = {part.strip("{}").split(":")[0] for part in route.path.split("/") if "{" in part}
    assert wanted <= declared


def test_multipart_uploads_are_described(document: dict[str, Any]) -> None:
    upload = next(r for r in ROUTES if r.summary == "Upload an image")
    body = operation(document, upload)["requestBody"]["content"]["multipart/form-data"]
    assert body["schema"]["properties"]["file"] == {"type": "string", "format": "binary"}
    assert {"url", "id", "metadata", "requireSignedURLs"} <= set(body["schema"]["properties"])


def test_creates_link_to_what_they_made(document: dict[str, Any]) -> None:
    create = document["paths"][PREFIX + "/zones"]["post"]["responses"]["200"]["links"]
    assert create["zones_delete_zone_delete"]["parameters"] == {
        "zone_id": "$response.body#/result/id"
    }
