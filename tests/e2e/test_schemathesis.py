"""Schemathesis against flarelite's own OpenAPI document and a real server (issue 10 §1).

Every operation is fuzzed with the init token (it may do everything), positive and negative
data, then stateful along the document's links (create -> read/edit/delete what was made).
Checks: no 5xx, every status documented, bodies and content types as documented. The run is
bounded by ``--max-time`` and ``--max-examples``; FLARELITE_SCHEMATHESIS_SECONDS raises it and
FLARELITE_SCHEMATHESIS_SEED changes the cases for a longer bug hunt.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.image_corpus import png
from tests.servers import Server, running_server

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]

SECONDS = int(os.environ.get("FLARELITE_SCHEMATHESIS_SECONDS", "150"))
SEED = os.environ.get("FLARELITE_SCHEMATHESIS_SEED", "10")  # fixed: CI runs are repeatable
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    # No rate limit: thousands of requests in a few minutes are the point here.
    env = {"FLARELITE_RATE_LIMIT": "0"}
    with running_server(tmp_path_factory.mktemp("fuzzed"), env=env) as started:
        yield started


def _seed(server: Server) -> dict[str, str]:
    """Things to aim at, so fuzzed input reaches the handlers' logic: a zone and an image to
    read and edit, and a second of each (and a user and an account token) that the fuzzer
    may edit, roll or delete. Schemathesis reuses ids it saw in answers, and the init
    token's own id is one of them: pinning ``token_id`` keeps it from rolling its own token."""
    headers = _auth(server)

    def made(answer: httpx.Response) -> str:
        assert answer.status_code == 200, answer.text
        return str(answer.json()["result"]["id"])

    def zone(name: str) -> str:
        body = {"name": name, "account": {"id": server.account_id}}
        return made(httpx.post(f"{server.api}/zones", headers=headers, json=body))

    def image() -> str:
        files = {"file": ("seed.png", png(), "image/png")}
        url = f"{server.api}/accounts/{server.account_id}/images/v1"
        return made(httpx.post(url, headers=headers, files=files))

    def token(path: str) -> str:
        group = "c8fed203ed3043cba015a93ad1616f1f"  # Zone Read
        resource = f"com.cloudflare.api.account.{server.account_id}"
        policy = {
            "effect": "allow",
            "resources": {resource: "*"},
            "permission_groups": [{"id": group}],
        }
        body = {"name": "fuzz target", "policies": [policy]}
        return made(httpx.post(f"{server.api}/{path}", headers=headers, json=body))

    return {
        "zone": zone("fuzz.example"),
        "spare_zone": zone("spare-fuzz.example"),
        "image": image(),
        "spare_image": image(),
        "user_token": token("user/tokens"),
        "account_token": token(f"accounts/{server.account_id}/tokens"),
    }


def _config(server: Server, seeded: dict[str, str]) -> str:
    # First match wins: records aim at the zone kept, zone edits and deletes at the spare one.
    return f"""
[parameters]
"path.account_id" = "{server.account_id}"

# Only the document's own links (create -> what it made): an inferred link from the token
# list to PUT /user/tokens/{{token_id}} would rewrite the fuzzer's own token.
[phases.stateful.inference]
algorithms = []

[[operations]]
include-path-regex = 'dns_records'
parameters = {{ "path.zone_id" = "{seeded["zone"]}" }}

[[operations]]
include-path-regex = 'zones/.zone_id.(/activation_check)?$'
parameters = {{ "path.zone_id" = "{seeded["spare_zone"]}" }}

[[operations]]
include-path-regex = 'images/v1/.image_id.'
include-method-regex = "^(GET|PATCH)$"
parameters = {{ "path.image_id" = "{seeded["image"]}" }}

[[operations]]
include-path-regex = 'images/v1/.image_id.$'
include-method = "DELETE"
parameters = {{ "path.image_id" = "{seeded["spare_image"]}" }}

[[operations]]
include-path-regex = '^/client/v4/user/tokens/.token_id.'
parameters = {{ "path.token_id" = "{seeded["user_token"]}" }}

[[operations]]
include-path-regex = 'accounts/.account_id./tokens/.token_id.'
parameters = {{ "path.token_id" = "{seeded["account_token"]}" }}
"""


def test_every_operation_survives_fuzzing_and_keeps_its_documented_shape(
    fuzzed: Server, tmp_path: Path
) -> None:
    config = tmp_path / "schemathesis.toml"
    config.write_text(_config(fuzzed, _seed(fuzzed)))
    command = [
        *(sys.executable, "-m", "schemathesis.cli"),
        *("--config-file", str(config), "run", f"{fuzzed.base_url}/openapi.json"),
        *("--header", f"Authorization: Bearer {fuzzed.token}"),
        *("--checks", ",".join(CHECKS)),
        *("--phases", "examples,coverage,fuzzing,stateful"),
        *("--max-examples", "30", "--max-time", str(SECONDS), "--workers", "1"),
        *("--request-timeout", "30", "--seed", SEED, "--continue-on-failure"),
        *("--suppress-health-check", "all", "--output-sanitize", "true"),
    ]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=SECONDS + 300, cwd=tmp_path
    )
    report = done.stdout[-20_000:] + done.stderr[-5_000:]
    assert done.returncode == 0, report
    cases = re.search(r"(\d+) generated, (\d+) passed", report)
    assert cases is not None, report
    print(f"\nschemathesis: {cases.group(0)} in {SECONDS} s")
    assert int(cases.group(1)) >= 1000, report  # a run that reached almost nothing proves little
    assert fuzzed.process.poll() is None, "the server died under fuzzing"
    # The fuzzer kept its own token (pinned ids above), so its cases reached the handlers.
    verify = httpx.get(f"{fuzzed.api}/user/tokens/verify", headers=_auth(fuzzed))
    assert verify.status_code == 200, verify.text


def _auth(server: Server) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.token}"}
