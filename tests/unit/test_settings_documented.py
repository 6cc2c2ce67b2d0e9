"""Every setting is documented where users look for it: the README's settings table."""

from __future__ import annotations

from pathlib import Path

import pytest

from flarelite.config import Settings, SettingsError, documented_settings

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize(("env", "description"), documented_settings())
def test_every_setting_has_a_description_and_a_readme_row(env: str, description: str) -> None:
    assert description.strip()
    assert f"| `{env}` |" in README.read_text()


def test_invalid_settings_are_all_reported_at_once() -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"FLARELITE_RATE_LIMIT": "many", "FLARELITE_ZONE_STATUS": "maybe"})
    lines = str(refused.value).splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "FLARELITE_RATE_LIMIT",
        "FLARELITE_ZONE_STATUS",
    ]
