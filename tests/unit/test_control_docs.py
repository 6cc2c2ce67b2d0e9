"""docs/test-control.md shows the example test and the seed exactly as the suite runs them."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "test-control.md"


def test_the_example_test_in_the_docs_is_the_one_the_suite_runs() -> None:
    example = (ROOT / "tests" / "e2e" / "test_control_example.py").read_text()
    assert f"```python\n{example.rstrip()}\n```" in DOC.read_text()


def test_the_seed_in_the_docs_is_the_one_the_example_loads() -> None:
    seed = (ROOT / "tests" / "data" / "control-seed" / "seed.json").read_text()
    assert f"```json\n{seed.rstrip()}\n```" in DOC.read_text()


def test_every_control_endpoint_is_documented() -> None:
    from flarelite.control import app

    text = DOC.read_text()
    for line in (app.__doc__ or "").splitlines():
        parts = line.split()
        if parts and parts[0] in {"POST", "GET", "PUT", "DELETE", "GET|POST|DELETE"}:
            assert parts[1] in text, parts[1]
