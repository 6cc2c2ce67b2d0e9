"""BIND zone files: a zone's records as export text, and an uploaded file as raw record bodies.

Pure (zones-dns.md §7.2, §7.3): no I/O, no clock. Parsing uses dnspython's zone-file reader;
what it yields still goes through records.validate_record, one record at a time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, cast

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.tokenizer
import dns.zonefile
from dns.rdtypes.ANY.CAA import CAA
from dns.rdtypes.ANY.CNAME import CNAME
from dns.rdtypes.ANY.MX import MX
from dns.rdtypes.ANY.NS import NS
from dns.rdtypes.ANY.PTR import PTR
from dns.rdtypes.ANY.TXT import TXT
from dns.rdtypes.IN.A import A
from dns.rdtypes.IN.AAAA import AAAA
from dns.rdtypes.IN.SRV import SRV

from flarelite.dns.errors import ZoneFileInvalid
from flarelite.dns.rdata import TXT_CHUNK, chunk_txt, is_proxiable, quote_txt, quoted_txt_strings
from flarelite.dns.records import RecordView

DEFAULT_MAX_RECORDS = 10_000  # guards $GENERATE; the 256 KiB file limit is the caller's (§7.2)
_DIRECTIVES = frozenset({"$ORIGIN", "$TTL", "$GENERATE"})  # $INCLUDE is refused (§7.2)
_DISCLAIMER = """\
;;
;; Domain:     {zone}.
;; Exported:   {when}
;;
;; Exported by flarelite for archives and migrations. Check the SOA and
;; NS records before serving this file from another name server.
;;
"""


class ExportRecord(RecordView, Protocol):
    """What an export line needs: the record view plus its settings (cf-flatten-cname)."""

    @property
    def settings(self) -> Mapping[str, object]: ...


@dataclass(frozen=True, slots=True)
class SoaInfo:
    """The SOA line of an export; Cloudflare's numbers are the defaults (§7.3)."""

    mname: str
    rname: str
    serial: int
    refresh: int = 10000
    retry: int = 2400
    expire: int = 604800
    minimum: int = 3600
    ttl: int = 3600


def _txt_rdata(content: str) -> str:
    """Quoted content is kept when each string fits; anything else is quoted and chunked."""
    strings = quoted_txt_strings(content)
    if strings is not None:
        if all(len(s.encode("utf-8")) <= TXT_CHUNK for s in strings):
            return content.strip()
        content = "".join(strings)
    return " ".join(quote_txt(piece) for piece in chunk_txt(content))


def _rdata(rec: ExportRecord) -> str:
    if rec.type in ("CNAME", "NS", "PTR"):
        return _fqdn(rec.content)
    if rec.type == "MX":
        return f"{rec.priority} {_fqdn(rec.content)}"
    if rec.type == "SRV":
        weight, port, target = rec.content.split(maxsplit=2)
        return f"{rec.priority} {weight} {port} {_fqdn(target)}"
    if rec.type == "TXT":
        return _txt_rdata(rec.content)
    return rec.content  # A, AAAA, CAA: content is already zone-file syntax


def _fqdn(name: str) -> str:
    return name if name.endswith(".") else f"{name}."


def _annotation(rec: ExportRecord) -> str:
    """`` ; <comment> cf_tags=cf-proxied:true,<tags>`` (§7.3); empty when nothing to say."""
    tags = list(rec.tags)
    if rec.settings.get("flatten_cname"):
        tags.insert(0, "cf-flatten-cname:true")
    if is_proxiable(rec.type, rec.content):
        tags.insert(0, f"cf-proxied:{'true' if rec.proxied else 'false'}")
    parts = [rec.comment] if rec.comment else []
    if tags:
        parts.append("cf_tags=" + ",".join(tags))
    return " ; " + " ".join(parts) if parts else ""


def export_zone(
    zone_name: str,
    records: Sequence[ExportRecord],
    *,
    name_servers: Sequence[str],
    exported_at: datetime,
    soa: SoaInfo | None = None,
    ns_ttl: int = 86400,
) -> str:
    """The body of ``GET …/dns_records/export``: BIND text grouped by type (§7.3).

    The SOA owner gets its trailing dot, unlike Cloudflare's export (a quirk no client needs,
    and without it the line would re-import as ``<zone>.<zone>``).
    """
    soa = soa or SoaInfo(
        mname=name_servers[0] if name_servers else f"ns1.{zone_name}",
        rname=f"hostmaster.{zone_name}",
        serial=int(exported_at.timestamp()),
    )
    when = exported_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    lines = [_DISCLAIMER.format(zone=zone_name, when=when).rstrip(), ";; SOA Record"]
    lines.append(
        f"{zone_name}.\t{soa.ttl}\tIN\tSOA\t{_fqdn(soa.mname)} {_fqdn(soa.rname)} "
        f"{soa.serial} {soa.refresh} {soa.retry} {soa.expire} {soa.minimum}"
    )
    by_type: dict[str, list[ExportRecord]] = {"NS": []}
    for rec in records:
        by_type.setdefault(rec.type, []).append(rec)
    for rtype in sorted(by_type, key=lambda t: (t != "NS", t)):
        group = sorted(by_type[rtype], key=lambda r: (r.name, r.content))
        apex_ns = [f"{zone_name}.\t{ns_ttl}\tIN\tNS\t{_fqdn(ns)}" for ns in name_servers]
        if rtype == "NS" and not (group or apex_ns):
            continue
        lines.append(f";; {rtype} Records")
        lines.extend(apex_ns if rtype == "NS" else [])
        lines.extend(
            f"{rec.name}.\t{rec.ttl}\tIN\t{rec.type}\t{_rdata(rec)}{_annotation(rec)}"
            for rec in group
        )
    return "\n".join(lines) + "\n"


class _Collector(dns.zonefile.RRsetsReaderTransaction):
    """Keeps every RR as written (own TTL and comment), in file order.

    dnspython's zone checks are left out on purpose: CNAME beside TXT/MX is Cloudflare's call
    (conflicts.check_cname_rule), and Cloudflare's own exports put the SOA at a relative owner.
    """

    def __init__(self, origin: dns.name.Name, max_records: int) -> None:
        manager = dns.zonefile.RRSetsReaderManager(origin, False, dns.rdataclass.IN)
        super().__init__(manager, True, False)
        self.entries: list[tuple[dns.name.Name, int, dns.rdata.Rdata]] = []
        self.max_records = max_records

    def check_put_rdataset(self, check: object) -> None:
        return None

    def add(self, *args: object) -> None:
        name, ttl, rdata = cast(tuple[dns.name.Name, int, dns.rdata.Rdata], args)
        if len(self.entries) >= self.max_records:
            raise dns.exception.SyntaxError(f"more than {self.max_records} records")
        self.entries.append((name, ttl, rdata))


class _Tokenizer(dns.tokenizer.Tokenizer):
    """Remembers the line of the last real token, so an error names the line at fault.

    dnspython's own position is past the end of line once an RR has been read.
    """

    last_line = 1

    def get(self, want_leading: bool = False, want_comment: bool = False) -> dns.tokenizer.Token:
        token = super().get(want_leading, want_comment)
        if not (token.is_eol_or_eof() or token.is_whitespace()):
            # A token ended by a newline has already counted that newline.
            self.last_line = self.line_number - (self.ungotten_char == "\n")
        return token


def _read(text: str, zone_name: str, max_records: int) -> _Collector:
    origin = dns.name.from_text(zone_name, dns.name.root)
    collector = _Collector(origin, max_records)
    tok = _Tokenizer(text.replace("\r\n", "\n"), "<zone file>")
    reader = dns.zonefile.Reader(
        tok, dns.rdataclass.IN, collector, allow_directives=_DIRECTIVES, default_ttl=1
    )
    try:
        reader.read()
    except (dns.exception.DNSException, ValueError) as exc:
        line = tok.last_line
        detail = re.sub(r"^<zone file>:\d+: ", "", str(exc)) or type(exc).__name__
        if "$INCLUDE" in detail:
            detail = "$INCLUDE directive not allowed"  # Cloudflare's text (§7.2)
        raise ZoneFileInvalid.about("file", f"line {line}: {detail}") from exc
    return collector


def _txt_content(strings: Sequence[bytes]) -> str:
    """One plain string comes back bare (how API clients wrote it); otherwise quoted form.

    BIND cannot say whether the API content had quotes, so ``"token"`` re-imports as
    ``token``; both mean the same TXT data (§5.6).
    """
    texts = [s.decode("utf-8", errors="backslashreplace") for s in strings]
    bare = len(texts) == 1 and texts[0].isprintable() and not re.search(r'[\s"\\]', texts[0])
    return texts[0] if bare and texts[0] else " ".join(quote_txt(t) for t in texts)


def _target(name: dns.name.Name) -> str:
    return "." if name == dns.name.root else name.to_text(omit_final_dot=True)


def _body(rdata: dns.rdata.Rdata) -> dict[str, object]:
    """The type-specific part of a record body, in the form the API accepts (§5.9)."""
    if isinstance(rdata, A | AAAA):
        return {"content": rdata.address}
    if isinstance(rdata, CNAME | NS | PTR):
        return {"content": _target(rdata.target)}
    if isinstance(rdata, MX):
        return {"content": _target(rdata.exchange), "priority": rdata.preference}
    if isinstance(rdata, TXT):
        return {"content": _txt_content(rdata.strings)}
    if isinstance(rdata, SRV):
        srv = {"priority": rdata.priority, "weight": rdata.weight, "port": rdata.port}
        return {"data": {**srv, "target": _target(rdata.target)}}
    if isinstance(rdata, CAA):
        caa = {"flags": rdata.flags, "tag": rdata.tag.decode(), "value": rdata.value.decode()}
        return {"data": caa}
    # Types we do not model still come through, so the import reports them one by one.
    return {"content": rdata.to_text()}


def _annotations(comment: str | None, proxied: bool) -> dict[str, object]:
    """``; text cf_tags=cf-proxied:true,name:value`` -> comment, tags, proxied (§7.2)."""
    text, _, tag_text = (comment or "").partition("cf_tags=")
    out: dict[str, object] = {"proxied": proxied}
    tags: list[str] = []
    for tag in filter(None, (t.strip() for t in tag_text.split(","))):
        name, _, value = tag.partition(":")
        if name == "cf-proxied":
            out["proxied"] = value.strip().lower() == "true"
        elif name == "cf-flatten-cname":
            out["settings"] = {"flatten_cname": value.strip().lower() in ("", "true")}
        else:
            tags.append(tag)
    if text.strip():
        out["comment"] = text.strip()
    if tags:
        out["tags"] = tags
    return out


def parse_zone_file(
    text: str, zone_name: str, *, proxied: bool = False, max_records: int = DEFAULT_MAX_RECORDS
) -> list[dict[str, object]]:
    """Raw record bodies from an uploaded BIND file, in file order (``POST …/import``, §7.2).

    SOA and the apex NS are skipped: the zone's own name servers are not records (§5.7).
    ``proxied`` is the form field; it applies to proxiable records without ``cf-proxied``.
    Names outside the zone are skipped. A malformed file raises ZoneFileInvalid naming the line.
    """
    origin = dns.name.from_text(zone_name, dns.name.root)
    bodies: list[dict[str, object]] = []
    for name, ttl, rdata in _read(text, zone_name, max_records).entries:
        rtype = dns.rdatatype.to_text(rdata.rdtype)
        if rtype == "SOA" or (rtype == "NS" and name == origin):
            continue
        body: dict[str, object] = {"type": rtype, "name": name.to_text(omit_final_dot=True)}
        body |= {"ttl": ttl, **_body(rdata)}
        content = str(body.get("content", ""))
        body |= _annotations(rdata.rdcomment, proxied and is_proxiable(rtype, content))
        bodies.append(body)
    return bodies
