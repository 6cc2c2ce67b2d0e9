"""A real DNS tool against flarelite: octodns with octodns-cloudflare 1.2.0.

octodns reads a YAML zone, creates the zone in flarelite, writes every record through the
v4 API, reads them back (populate) and plans again. Equal records and a no-op second plan
show that flarelite answers the way the provider expects from Cloudflare.
"""

from __future__ import annotations

import io
import secrets
from pathlib import Path
from typing import Any

import cloudflare
import pytest
import yaml
from octodns.manager import Manager
from octodns.zone import Zone
from octodns_cloudflare import CloudflareProvider
from tests.factories import Tenant, all_zones_of, create_token, make_policy
from tests.servers import Server, sdk

pytestmark = pytest.mark.e2e

LONG_TXT = "v=DKIM1; k=rsa; p=" + "A" * 400

RECORDS: dict[str, Any] = {
    "": [
        {"type": "A", "ttl": 300, "values": ["192.0.2.1", "192.0.2.2"]},
        {
            "type": "MX",
            "values": [
                {"exchange": "mx1.example.net.", "preference": 10},
                {"exchange": "mx2.example.net.", "preference": 20},
            ],
        },
        {"type": "TXT", "values": ["v=spf1 include:_spf.example.net -all", "a\\;b"]},
        {"type": "CAA", "values": [{"flags": 0, "tag": "issue", "value": "ca.example.net"}]},
    ],
    "www": {
        "type": "CNAME",
        "ttl": 300,  # auto TTL reads back as 300: same data both sides
        "value": "lb.example.net.",
        "octodns": {"cloudflare": {"proxied": True}},
    },
    "v6": {
        "type": "AAAA",
        "ttl": 300,
        "value": "2001:db8::10",
        "octodns": {
            "cloudflare": {"auto-ttl": True, "comment": "managed by octodns", "tags": ["team:dns"]}
        },
    },
    "_sip._tcp": {
        "type": "SRV",
        "values": [{"port": 5060, "priority": 10, "target": "sip.example.net.", "weight": 20}],
    },
    "_xmpp._tcp.chat": {
        "type": "SRV",
        "values": [{"port": 5222, "priority": 5, "target": "xmpp.example.net.", "weight": 0}],
    },
    "delegated": {"type": "NS", "values": ["ns1.example.net.", "ns2.example.net."]},
    "dkim._domainkey": {"type": "TXT", "value": LONG_TXT.replace(";", "\\;")},
    "ptr": {"type": "PTR", "value": "host.example.net."},
    "api": {"type": "A", "ttl": 600, "value": "192.0.2.50"},
}


class OctoSetup:
    """A config directory with one YAML zone and a Manager config targeting the server."""

    def __init__(self, root: Path, server: Server, token: str, account_id: str) -> None:
        self.zone_name = f"octo-{secrets.token_hex(4)}.example."
        self.root = root
        self.provider_args: dict[str, Any] = {
            "token": token,
            "api_url": server.api,
            "account_id": account_id,
            "pagerules": False,  # page rules are not part of flarelite
            "retry_count": 0,
            "retry_period": 0,
        }
        (root / "zones").mkdir()
        config = {
            "providers": {
                "config": {
                    "class": "octodns.provider.yaml.YamlProvider",
                    "directory": str(root / "zones"),
                    "escaped_semicolons": True,
                },
                "flarelite": {
                    "class": "octodns_cloudflare.CloudflareProvider",
                    **self.provider_args,
                },
            },
            "zones": {self.zone_name: {"sources": ["config"], "targets": ["flarelite"]}},
        }
        self.config = root / "config.yaml"
        self.config.write_text(yaml.safe_dump(config))

    def write_records(self, records: dict[str, Any]) -> None:
        path = self.root / "zones" / f"{self.zone_name}yaml"
        path.write_text(yaml.safe_dump(records, sort_keys=True))

    def sync(self) -> int:
        changes: int = Manager(str(self.config)).sync(
            dry_run=False, force=True, plan_output_fh=io.StringIO()
        )
        return changes

    def provider(self) -> CloudflareProvider:
        return CloudflareProvider("flarelite", **self.provider_args)

    def desired(self) -> Zone:
        manager = Manager(str(self.config))
        zone = manager.get_zone(self.zone_name)
        manager.providers["config"].populate(zone)
        return zone

    def in_flarelite(self) -> Zone:
        zone = Zone(self.zone_name, [])
        assert self.provider().populate(zone) is True
        return zone


def as_data(zone: Zone) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r.name, r._type): r.data for r in zone.records}


@pytest.fixture
def octo(server: Server, tenant: Tenant, tmp_path: Path) -> OctoSetup:
    # What an octodns user would make: zone and DNS write on every zone of the account.
    _, token = create_token(
        sdk(server, tenant.token),
        [
            make_policy(
                "Zone Read", "Zone Write", "DNS Write", resources=all_zones_of(tenant.account_id)
            )
        ],
    )
    return OctoSetup(tmp_path, server, token, tenant.account_id)


def test_octodns_sync_creates_the_zone_and_reads_back_the_same_records(
    server: Server, tenant: Tenant, octo: OctoSetup
) -> None:
    octo.write_records(RECORDS)
    assert octo.sync() > 0
    desired, stored = octo.desired(), octo.in_flarelite()
    provider = octo.provider()
    assert stored.changes(desired, provider) == []
    assert as_data(stored).keys() == as_data(desired).keys()
    assert octo.provider().plan(desired) is None
    assert octo.sync() == 0

    # The same records seen through the SDK, as Cloudflare stores them.
    cf = sdk(server, tenant.token)
    [zone] = list(cf.zones.list(name=octo.zone_name.rstrip(".")))
    assert zone.account.id == tenant.account_id
    records = {(r.type, r.name): r for r in cf.dns.records.list(zone_id=zone.id)}
    apex = zone.name
    www = records[("CNAME", f"www.{apex}")]
    assert (www.content, www.proxied, www.ttl) == ("lb.example.net", True, 1)
    v6 = records[("AAAA", f"v6.{apex}")]
    assert (v6.ttl, v6.comment, v6.tags) == (1, "managed by octodns", ["team:dns"])
    srv = records[("SRV", f"_xmpp._tcp.chat.{apex}")]
    assert srv.content == "0 5222 xmpp.example.net"
    assert records[("TXT", f"dkim._domainkey.{apex}")].content.startswith('"v=DKIM1; k=rsa; ')


def test_octodns_applies_changes_and_deletions_then_settles(octo: OctoSetup) -> None:
    octo.write_records(RECORDS)
    octo.sync()
    changed = {key: value for key, value in RECORDS.items() if key not in ("ptr", "delegated")}
    changed["api"] = {"type": "A", "ttl": 900, "values": ["192.0.2.51", "192.0.2.52"]}
    changed["www"] = {"type": "CNAME", "value": "other-lb.example.net."}  # no longer proxied
    changed["new"] = {"type": "TXT", "value": "fresh"}
    octo.write_records(changed)
    assert octo.sync() > 0
    desired, stored = octo.desired(), octo.in_flarelite()
    assert stored.changes(desired, octo.provider()) == []
    assert ("ptr", "PTR") not in as_data(stored)
    assert as_data(stored)[("api", "A")]["values"] == ["192.0.2.51", "192.0.2.52"]
    assert octo.provider().plan(desired) is None


def test_octodns_lists_the_zone_it_made(server: Server, tenant: Tenant, octo: OctoSetup) -> None:
    octo.write_records({"": {"type": "A", "value": "192.0.2.9"}})
    octo.sync()
    provider = octo.provider()
    assert octo.zone_name in provider.list_zones()
    zone = provider.zones[octo.zone_name]
    assert zone["cloudflare_plan"] == "free"
    assert zone["name_servers"] == ["ns1.flarelite.invalid", "ns2.flarelite.invalid"]
    with pytest.raises(cloudflare.BadRequestError):  # the zone exists: 1061 for a second create
        sdk(server, tenant.token).zones.create(
            account={"id": tenant.account_id}, name=octo.zone_name
        )
