"""Upload by URL: fetch an origin's bytes under an SSRF guard, a time bound and a size bound.

Each hop (redirects are followed by hand, at most 5) is resolved and checked, then connected
to by the checked address (no DNS rebinding). Private addresses need ``allow_private``.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit

import anyio

from flarelite.images.errors import ImageFileTooLarge, ImageUrlFetchFailed

if TYPE_CHECKING:  # imported on first use: httpx (with click) costs every worker ~10 MB
    import httpx

MAX_REDIRECTS = 5
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    max_bytes: int = 10 * 1024 * 1024
    timeout_seconds: float = 15.0
    allow_private: bool = False


@dataclass(frozen=True, slots=True)
class Fetched:
    data: bytes
    filename: str | None  # the last path segment of the final URL


# Cloud metadata endpoints are never an image origin: refused even when private is allowed.
_METADATA = (ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("fe80::/10"))
_METADATA_HOSTS = frozenset({ipaddress.ip_address("fd00:ec2::254")})


def is_public(address: IpAddress) -> bool:
    """Whether ``address`` may be fetched when private fetches are off."""
    address = _unmapped(address)
    return address.is_global and not address.is_multicast


def is_allowed(address: IpAddress, policy: FetchPolicy) -> bool:
    """Public addresses always; private ones only when allowed; link-local/metadata never."""
    address = _unmapped(address)
    if address in _METADATA_HOSTS or any(address in net for net in _METADATA):
        return False
    return policy.allow_private or is_public(address)


def _unmapped(address: IpAddress) -> IpAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


async def fetch_image(url: str, policy: FetchPolicy) -> Fetched:
    import httpx

    try:
        with anyio.fail_after(policy.timeout_seconds):
            async with httpx.AsyncClient(follow_redirects=False, trust_env=False) as client:
                return await _follow(client, url, policy)
    except TimeoutError as exc:
        raise ImageUrlFetchFailed(f"timed out fetching {url[:200]}") from exc
    except httpx.HTTPError as exc:
        raise ImageUrlFetchFailed(f"fetching {url[:200]}: {exc!r}") from exc


async def _follow(client: httpx.AsyncClient, url: str, policy: FetchPolicy) -> Fetched:
    for _ in range(MAX_REDIRECTS + 1):
        request = await _pinned_request(client, url, policy)
        response = await client.send(request, stream=True)
        try:
            if response.is_redirect and "location" in response.headers:
                url = urljoin(url, response.headers["location"])
                continue
            if response.status_code != 200:
                raise ImageUrlFetchFailed(f"origin answered {response.status_code}")
            data = await _read_bounded(response, policy.max_bytes)
        finally:
            await response.aclose()
        return Fetched(data, _filename(url))
    raise ImageUrlFetchFailed(f"more than {MAX_REDIRECTS} redirects")


async def _pinned_request(
    client: httpx.AsyncClient, url: str, policy: FetchPolicy
) -> httpx.Request:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImageUrlFetchFailed(f"not an http(s) URL: {url[:200]}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise ImageUrlFetchFailed(f"bad port in {url[:200]}") from exc
    address = await _resolve(parts.hostname, port, policy)
    host = f"[{address}]" if address.version == 6 else str(address)
    target = parts._replace(netloc=f"{host}:{port}").geturl()
    headers = {"host": parts.netloc.rpartition("@")[2], "accept": "image/*"}
    request = client.build_request("GET", target, headers=headers)
    if parts.username is not None:  # basic auth embedded in the URL is allowed (§2.2)
        import httpx

        auth = httpx.BasicAuth(unquote(parts.username), unquote(parts.password or ""))
        request = next(auth.auth_flow(request))
    if parts.scheme == "https":  # TLS checks the certificate against the name, not the IP
        request.extensions["sni_hostname"] = parts.hostname
    return request


async def _resolve(hostname: str, port: int, policy: FetchPolicy) -> IpAddress:
    try:
        infos = await anyio.getaddrinfo(hostname, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise ImageUrlFetchFailed(f"cannot resolve {hostname}: {exc}") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise ImageUrlFetchFailed(f"no address for {hostname}")
    refused = [a for a in addresses if not is_allowed(a, policy)]
    if refused:
        # Every address must pass: a client could otherwise be steered to the bad one.
        raise ImageUrlFetchFailed(f"{hostname} resolves to refused address {refused[0]}")
    return addresses[0]


async def _read_bounded(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ImageFileTooLarge(f"origin declares {declared} bytes")
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise ImageFileTooLarge(f"origin sent over {max_bytes} bytes")
    return bytes(body)


def _filename(url: str) -> str | None:
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    return name[:255] or None
