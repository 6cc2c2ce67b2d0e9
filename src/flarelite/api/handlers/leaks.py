"""GitHub secret-scanning partner endpoint: ``POST /secret-scanning/github``.

No API token here: the ECDSA signature over the raw body is the credential, so the route sits
outside the /client/v4 route table. The body is read whole (bounded) before anything else,
because the signature covers its exact bytes.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from flarelite.api.auth import services_of
from flarelite.api.envelope import EnvelopeResponse
from flarelite.core.errors import PayloadTooLarge
from flarelite.tokens.leaks import MAX_BODY_BYTES, parse_reports

LEAK_INTAKE_PATH = "/secret-scanning/github"


async def receive_leak_report(request: Request) -> Response:
    body = await _bounded_body(request)
    intake = services_of(request).leaks
    await intake.check_signature(
        body,
        request.headers.get("github-public-key-identifier"),
        request.headers.get("github-public-key-signature"),
    )
    answer = await intake.handle(parse_reports(body))
    # GitHub reads a bare JSON list of labels here, not a v4 envelope.
    return EnvelopeResponse(answer, headers={"cache-control": "no-store"})


async def _bounded_body(request: Request) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"leak report over {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
