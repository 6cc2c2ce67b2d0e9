"""Domain names: zone names, record owner names and hostname targets, normalised and checked.

Output is what Cloudflare returns: lower-case, Punycode, no trailing dot (zones-dns.md §5.1).
Pure string work; knows nothing of records or storage.
"""

from __future__ import annotations

import ipaddress
import re

from flarelite.dns.errors import RecordNameInvalid, ZoneNameInvalid

MAX_NAME_LENGTH = 253  # zones-dns.md §5.1: FQDN ≤253, labels ≤63
MAX_LABEL_LENGTH = 63
# Ideographic and full-width full stops are label separators too (UTS #46).
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_ZONE_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
# Cloudflare allows any octet in record names (§5.1); we keep to the characters that survive a
# BIND export unescaped: LDH, underscore (_acme-challenge), '*' and '/' (RFC 2317 reverse zones).
_RECORD_LABEL = re.compile(r"[a-z0-9_*/-]+")
_TARGET_LABEL = re.compile(r"[A-Za-z0-9_-]+")


def _to_ascii(label: str) -> str:
    """One label in ASCII: kept as is when ASCII, else IDNA 2008 (UTS #46 mapped) Punycode."""
    if label.isascii():
        return label
    # dnspython costs a worker ~8 MB; only IDN labels need it, so it loads on first use.
    import dns.exception
    import dns.name

    try:
        return dns.name.IDNA_2008_Practical.encode(label).decode("ascii")
    except dns.exception.DNSException as exc:
        raise ValueError(f"label {label!r} is not a valid internationalised name") from exc


def _labels(raw: str, pattern: re.Pattern[str], *, lower: bool) -> list[str]:
    """Split and encode a name without its trailing dot; raise ValueError saying why not."""
    text = raw.strip().translate(_DOTS)
    if not text:
        raise ValueError("must not be empty")
    labels = [_to_ascii(label) for label in text.split(".")]
    if lower:
        labels = [label.lower() for label in labels]
    for label in labels:
        if not label:
            raise ValueError(f"{raw!r} has an empty label")
        if len(label) > MAX_LABEL_LENGTH:
            raise ValueError(f"label {label!r} is longer than {MAX_LABEL_LENGTH} characters")
        if not pattern.fullmatch(label):
            raise ValueError(f"label {label!r} has characters that are not allowed")
    if len(".".join(labels)) > MAX_NAME_LENGTH:
        raise ValueError(f"name is longer than {MAX_NAME_LENGTH} characters")
    return labels


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def to_ascii(text: str) -> str:
    """A name (or part of one) with each non-ASCII label in Punycode; unchanged if it fails.

    For filters, where ``bücher.example`` must find the stored ``xn--bcher-kva.example``.
    """
    try:
        return ".".join(_to_ascii(label) for label in text.translate(_DOTS).split("."))
    except ValueError:
        return text


def normalise_zone_name(raw: str) -> str:
    """A zone name as stored and returned: ``Example.COM.`` -> ``example.com``.

    Raises ZoneNameInvalid (naming ``name``) for IPs, wildcards, single labels and bad labels.
    """
    text = raw.strip()
    if text.endswith("."):
        text = text[:-1]
    if _is_ip(text):
        raise ZoneNameInvalid.about("name", f"{raw!r} is an IP address, not a domain name")
    try:
        labels = _labels(text, _ZONE_LABEL, lower=True)
    except ValueError as exc:
        raise ZoneNameInvalid.about("name", str(exc)) from exc
    if len(labels) < 2:
        raise ZoneNameInvalid.about("name", "a zone needs at least two labels, e.g. example.com")
    if labels[-1].isdigit():
        raise ZoneNameInvalid.about("name", "the top-level label cannot be numeric")
    return ".".join(labels)


def is_in_zone(name: str, zone: str) -> bool:
    """Whether a normalised FQDN is the zone apex or below it."""
    return name == zone or name.endswith("." + zone)


def qualify(name: str, zone: str, *, field: str = "name") -> str:
    """A record name as stored: relative, ``@`` or FQDN in; lower-case FQDN out (§5.1).

    A name without a trailing dot that does not already end in the zone is relative, so
    ``api.gateway.test`` becomes ``api.gateway.test.<zone>`` (TF v5 relies on this). Only a
    name with a trailing dot can be outside the zone; that raises RecordNameInvalid.
    """
    text = name.strip()
    if text == "@":
        return zone
    absolute = text.endswith(".") and text != "."
    bare = text[:-1] if absolute else text
    try:
        fqdn = ".".join(_labels(bare, _RECORD_LABEL, lower=True))
    except ValueError as exc:
        raise RecordNameInvalid.about(field, str(exc)) from exc
    if not is_in_zone(fqdn, zone):
        if absolute:
            raise RecordNameInvalid.about(field, f"{name!r} is not in the zone {zone}")
        fqdn = f"{fqdn}.{zone}"
        if len(fqdn) > MAX_NAME_LENGTH:
            raise RecordNameInvalid.about(
                field, f"name is longer than {MAX_NAME_LENGTH} characters"
            )
    first = fqdn.split(".", 1)[0]
    if "*" in first and first != "*":
        # §5.1: '*' is a wildcard only as the whole first label; '*x' is refused to avoid doubt
        # (a '*' in a later label is a literal asterisk, as Cloudflare treats it).
        raise RecordNameInvalid.about(field, "a wildcard must be the whole first label")
    return fqdn


def relative(name: str, zone: str) -> str:
    """The owner name relative to the zone: ``www.example.com`` -> ``www``, apex -> ``@``."""
    if name == zone:
        return "@"
    if not name.endswith("." + zone):
        raise RecordNameInvalid.about("name", f"{name!r} is not in the zone {zone}")
    return name[: -len(zone) - 1]


def normalise_target(raw: str) -> str:
    """A hostname in record content (CNAME, MX, NS, PTR, SRV targets), as returned (§5.1).

    Strips one trailing dot, except that ``.`` stays ``.``; keeps the case of ASCII labels
    (whether Cloudflare still lower-cases is unconfirmed, §12). Raises ValueError saying why.
    """
    text = raw.strip()
    if text == ".":
        return "."
    bare = text[:-1] if text.endswith(".") else text
    if _is_ip(bare):
        raise ValueError(f"{raw!r} is an IP address, not a hostname")
    return ".".join(_labels(bare, _TARGET_LABEL, lower=False))
