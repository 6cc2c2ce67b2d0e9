"""The SSRF guard's address rules (upload by URL)."""

from __future__ import annotations

import ipaddress

import pytest

from flarelite.images.fetch import FetchPolicy, is_allowed

STRICT, LAB = FetchPolicy(), FetchPolicy(allow_private=True)


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.0.0.1", "172.16.5.5", "192.168.1.1", "100.64.0.1", "0.0.0.0",  # noqa: S104
     "::1",
     "fd00::1", "fc00::1", "::ffff:127.0.0.1", "224.0.0.1", "169.254.169.254"],
)  # fmt: skip
def test_non_public_addresses_are_refused_by_default(address: str) -> None:
    assert not is_allowed(ipaddress.ip_address(address), STRICT)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1::1", "1.1.1.1"])
def test_public_addresses_are_allowed(address: str) -> None:
    assert is_allowed(ipaddress.ip_address(address), STRICT)


@pytest.mark.parametrize(
    "address", ["169.254.169.254", "169.254.170.2", "fd00:ec2::254", "fe80::1"]
)
def test_metadata_addresses_are_refused_even_in_the_lab(address: str) -> None:
    assert not is_allowed(ipaddress.ip_address(address), LAB)


def test_private_addresses_are_allowed_in_the_lab() -> None:
    assert is_allowed(ipaddress.ip_address("127.0.0.1"), LAB)
