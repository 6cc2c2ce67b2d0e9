"""The documentation site builds without a single warning, and its generated reference pages
cover every setting, every route of the route table and every permission group."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from flarelite.api.routes import ROUTES
from flarelite.config import documented_settings
from flarelite.tokens.catalog import PERMISSION_GROUPS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = os.environ | {"NO_MKDOCS_2_WARNING": "1"}  # material's banner is not a build warning
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    log = done.stdout + done.stderr
    assert done.returncode == 0, log
    assert "WARNING" not in log, log
    return out


def page(site: Path, name: str) -> str:
    return (site / name / "index.html").read_text(encoding="utf-8")


def visible(markup: str) -> str:
    """What a reader sees: tags dropped (each leaves a space), then entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def rows(text: str) -> list[str]:
    return [visible(row) for row in re.findall(r"<tr>(.*?)</tr>", text, re.S)]


def test_configuration_page_lists_every_setting(site: Path) -> None:
    table = rows(page(site, "reference/configuration"))
    for env, doc in documented_settings():
        row = next((r for r in table if f" {env} " in r), None)
        assert row is not None, f"{env} is missing from the configuration page"
        assert " ".join(doc.replace("`", "").split()) in " ".join(row.split()), env


def test_api_coverage_marks_every_route_served(site: Path) -> None:
    table = rows(page(site, "reference/api-coverage"))
    for route in ROUTES:
        path = re.sub(r":\w+\}", "}", route.path)  # {image_id:segment} is {image_id} on the wire
        served = [r for r in table if f" {path} " in r and f" {route.method} " in r]
        assert served, f"{route.method} {path} is missing from the coverage table"
        assert served[0].split()[0] == "yes", served[0]


def test_api_coverage_lists_cloudflare_endpoints_we_do_not_serve(site: Path) -> None:
    table = rows(page(site, "reference/api-coverage"))
    not_served = [r for r in table if r.split() and r.split()[0] == "no"]
    assert any(" /zones/{zone_id}/dns_records/scan " in r for r in not_served)
    assert any(" /memberships/{membership_id} " in r for r in not_served)
    blob = next(r for r in table if "/images/v1/{image_id}/blob" in r)
    assert "images.v1.blobs.get" in blob
    assert "Images Read" in blob


def test_permissions_page_lists_every_group(site: Path) -> None:
    text = visible(page(site, "reference/permissions"))
    for group in PERMISSION_GROUPS:
        assert group.id in text
        assert group.name in text
        assert group.dashboard_name in text


def test_every_hand_written_page_is_built(site: Path) -> None:
    for name in ("quickstart", "deploy", "images-porting", "decisions", "benchmarks"):
        assert (site / name / "index.html").is_file(), name
    assert not list(site.rglob("gen.py")), "the hook must not be published"
