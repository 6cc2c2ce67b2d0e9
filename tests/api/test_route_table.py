"""The route table stays complete: every API route is declared with its permission need."""

from __future__ import annotations

from fastapi.routing import APIRoute

from flarelite.api.auth import Need, On
from flarelite.api.routes import PREFIX, ROUTES
from flarelite.app import create_app
from flarelite.config import Settings


def test_every_api_route_of_the_app_comes_from_the_route_table(tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(Settings.from_env({"FLARELITE_DATA_DIR": str(tmp_path)}))
    served = {
        (method, route.path)
        for route in app.routes
        if isinstance(route, APIRoute) and route.path.startswith(PREFIX)
        for method in route.methods
    }
    declared = {(r.method, PREFIX + r.path) for r in ROUTES}
    assert served == declared


def test_every_route_declares_a_need_with_a_resource_when_it_names_an_area() -> None:
    for route in ROUTES:
        assert isinstance(route.need, Need), route
        if route.need.area is not None:
            assert route.need.on is not On.NOTHING, f"{route.method} {route.path} has no resource"
        else:
            # Only verify and the account and zone lists (which filter) take any valid token.
            assert route.need.verify is not None or route.path in {"/accounts", "/zones"}, route


def test_routes_are_unique() -> None:
    keys = [(r.method, r.path) for r in ROUTES]
    assert len(keys) == len(set(keys))
