"""mkdocs hook: generate the reference pages from the code that defines them.

- ``reference/configuration.md`` from ``config.documented_settings()`` (and the defaults
  ``Settings.from_env`` picks);
- ``reference/api-coverage.md`` from ``api.routes.ROUTES`` set against every Cloudflare
  endpoint of our families, read from the installed ``cloudflare`` SDK's ``api.md`` files
  plus the few endpoints only the reference notes know (``shared/reference/images.md``);
- ``reference/permissions.md`` from ``tokens.catalog``.

The pages exist only in the build (``File.generated``): nothing generated is committed, so
nothing can go stale. Run by ``mkdocs build`` through ``hooks:`` in mkdocs.yml.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

from flarelite.api.routes import PREFIX, ROUTES, Route
from flarelite.config import Settings, documented_settings
from flarelite.tokens.catalog import PERMISSION_GROUPS, TEMPLATES, find_group

# --- Cloudflare's endpoints ---------------------------------------------------------------

# The families flarelite covers: SDK resource folders and the paths inside them that count.
FAMILIES: dict[str, list[tuple[str, str]]] = {
    "User": [("user", r"/user(/tokens.*)?")],
    "Accounts and account tokens": [("accounts", r"/accounts(/\{account_id\}(/tokens.*)?)?")],
    "Memberships": [("memberships", r"/memberships.*")],
    "Audit logs": [
        ("audit_logs", r"/accounts/\{account_id\}/audit_logs"),
        ("user", r"/user/audit_logs"),
    ],
    "Images": [("images", r"/accounts/\{account_id\}/images/.*")],
    "Zones": [("zones", r"/zones(/\{zone_id\}(/activation_check)?)?")],
    "DNS records": [("dns", r"/zones/\{zone_id\}/dns_records.*")],
}

# Endpoints Cloudflare serves that no SDK method covers (reference images.md §2, rows 18-19).
REFERENCE_ONLY: dict[str, list[tuple[str, str]]] = {
    "Images": [
        ("GET", "/accounts/{account_id}/images/v1/config"),
        ("PATCH", "/accounts/{account_id}/images/v1/config"),
        ("GET", "/accounts/{account_id}/images/v1/batch_token"),
    ],
}

# Deliberate differences and reasons, keyed by (method, path). Sources: docs/decisions.md and
# the reference notes in shared/reference/.
NOTES: dict[tuple[str, str], str] = {
    ("PATCH", "/user"): "Not served: users are made with `flarelite init` and "
    "`flarelite users create`.",
    ("POST", "/accounts"): "Not served: accounts come from `flarelite init` and "
    "`flarelite users create --account-name`.",
    ("PUT", "/accounts/{account_id}"): "Not served: account settings have no effect here.",
    ("DELETE", "/accounts/{account_id}"): "Not served: deleting an account is not offered yet.",
    ("GET", "/memberships/{membership_id}"): "Not served: list them with `GET /memberships`.",
    ("PUT", "/memberships/{membership_id}"): "Not served: no invitations to accept or reject.",
    ("DELETE", "/memberships/{membership_id}"): "Not served.",
    ("GET", "/user/tokens/verify"): "Also rejects a malformed value or bad CRC32 before any "
    "lookup (tokens.md §3.2).",
    ("GET", "/accounts/{account_id}/images/v1"): "Deprecated in the SDKs; served with page "
    "numbers as documented.",
    ("GET", "/accounts/{account_id}/images/v1/{image_id}/blob"): "Always the exact original "
    "bytes (Cloudflare may answer a near-lossless re-encode of large images).",
    ("GET", "/accounts/{account_id}/images/v1/config"): "No SDK method and an undocumented "
    "shape on Cloudflare: ours is `flexible_variants`, `browser_ttl`, "
    "`preserve_content_credentials`.",
    ("PATCH", "/accounts/{account_id}/images/v1/config"): "Keys as in Cloudflare's docs; "
    "`browser_ttl` from 3600 to 31536000.",
    ("POST", "/zones"): "New zones are `active` by default (no registrar to wait for); "
    "`FLARELITE_ZONE_STATUS=pending` behaves as Cloudflare does.",
    ("PUT", "/zones/{zone_id}/activation_check"): "Activates the zone at once: there is no "
    "registrar delegation to check.",
    ("POST", "/zones/{zone_id}/dns_records/scan"): "Not served: scanning needs the public "
    "DNS, which a self-hosted server must not depend on.",
    ("POST", "/zones/{zone_id}/dns_records/scan/trigger"): "Not served (see scan).",
    ("GET", "/zones/{zone_id}/dns_records/scan/review"): "Not served (see scan).",
    ("POST", "/zones/{zone_id}/dns_records/scan/review"): "Not served (see scan).",
    ("GET", "/zones/{zone_id}/dns_records/usage"): "Not served: record quotas are not "
    "enforced per plan.",
}

_SDK_LINE = re.compile(
    r'<code title="(?P<method>[a-z]+) (?P<path>[^"]+)">client\.(?P<res>[\w.]*?)\.?<a [^>]*>'
    r"(?P<name>[\w\\]+)</a>"  # api.md escapes a trailing underscore: import\\_
)
_PARAM = re.compile(r"\{[^}]*\}")


@dataclass
class Endpoint:
    method: str
    path: str
    family: str
    sdk: list[str] = field(default_factory=list)  # SDK methods, e.g. images.v1.create

    @property
    def key(self) -> tuple[str, str]:
        return self.method, shape(self.path)


def cell(text: str) -> str:
    """Text safe in a Markdown table cell: ``<data dir>`` is not an HTML tag, ``|`` no border.
    Code spans (between backticks) are left as they are: Markdown shows them literally."""
    parts = text.split("`")
    for i in range(0, len(parts), 2):  # the even parts are outside code spans
        parts[i] = parts[i].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "`".join(parts).replace("|", "\\|")


def shape(path: str) -> str:
    """A path with every parameter blanked: ``{image_id:segment}`` and ``{image_id}`` agree."""
    return _PARAM.sub("{}", path)


def cloudflare_endpoints() -> list[Endpoint]:
    """Every endpoint of our families: the SDK's api.md files, then the reference-only ones."""
    import cloudflare

    resources = Path(cloudflare.__file__).parent / "resources"
    found: dict[tuple[str, str], Endpoint] = {}
    for family, sources in FAMILIES.items():
        for folder, pattern in sources:
            for match in _SDK_LINE.finditer((resources / folder / "api.md").read_text()):
                method, path = match["method"].upper(), match["path"]
                if not re.fullmatch(pattern, path):
                    continue
                key = (method, shape(path))
                endpoint = found.setdefault(key, Endpoint(method, path, family))
                name = match["name"].replace("\\", "")
                call = f"{match['res']}.{name}" if match["res"] else name
                if call not in endpoint.sdk:
                    endpoint.sdk.append(call)
        for method, path in REFERENCE_ONLY.get(family, []):
            found.setdefault((method, shape(path)), Endpoint(method, path, family))
    return list(found.values())


# --- pages --------------------------------------------------------------------------------


def api_coverage() -> str:
    served = {(r.method, shape(r.path)): r for r in ROUTES}
    endpoints = cloudflare_endpoints()
    known = {e.key for e in endpoints}
    done = sum(1 for e in endpoints if e.key in served)
    lines = [
        "# API coverage",
        "",
        "Generated at build time from flarelite's route table (`api/routes.py`) and the "
        "endpoints of the official Python SDK (the installed `cloudflare` package's "
        "`api.md` files), plus the endpoints only Cloudflare's docs mention.",
        f"Paths are relative to `{PREFIX}`.",
        "",
        f"**{done} of {len(endpoints)}** Cloudflare endpoints of these families are served.",
        "",
    ]
    for family in FAMILIES:
        lines += [f"## {family}", "", "| Served | Method | Path | SDK | Permission | Notes |"]
        lines += ["|---|---|---|---|---|---|"]
        for e in sorted((e for e in endpoints if e.family == family), key=_order):
            route = served.get(e.key)
            mark = "**yes**" if route else "no"
            need = _need(route) if route else ""
            sdk = ", ".join(f"`{s}`" for s in e.sdk) or "none (docs only)"
            note = cell(NOTES.get((e.method, e.path), ""))
            lines.append(f"| {mark} | {e.method} | `{e.path}` | {sdk} | {need} | {note} |")
        lines.append("")
    extra = [r for r in ROUTES if (r.method, shape(r.path)) not in known]
    lines += ["## Served by flarelite only", ""]
    if extra:
        lines += [
            "| Served | Method | Path | SDK | Permission | Notes |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| **yes** | {r.method} | `{r.path}` | none | {_need(r)} | {cell(r.summary)} |"
            for r in extra
        ]
    else:
        lines.append("None: every route answers a Cloudflare endpoint.")
    lines += [
        "",
        "Image delivery (`/cdn-cgi/imagedelivery/...`) and direct-upload posts are served "
        "outside the v4 API, as on Cloudflare.",
        "",
    ]
    return "\n".join(lines)


def _order(endpoint: Endpoint) -> tuple[str, int]:
    return endpoint.path, ["GET", "POST", "PUT", "PATCH", "DELETE"].index(endpoint.method)


def _need(route: Route) -> str:
    """The permission group a route needs, as the route table declares it."""
    need = route.need
    if need.verify is not None:
        return "the token being verified"
    text = "any valid token" if need.area is None else find_group(need.area, need.access).name
    return f"{text} (user tokens only)" if need.user_tokens_only else text


def configuration() -> str:
    defaults = _defaults()
    lines = [
        "# Configuration",
        "",
        "Every setting is an environment variable, read once at start-up by every command "
        "(`serve`, `init`, `migrate`, `images import`, ...). Generated from "
        "`flarelite.config.Settings`.",
        "",
        "| Variable | Default | Meaning |",
        "|---|---|---|",
    ]
    for env, doc in documented_settings():
        lines.append(f"| `{env}` | {defaults.get(env, '')} | {cell(doc)} |")
    lines += [
        "",
        "An invalid value stops the command with one line per problem, naming the variable.",
        "",
    ]
    return "\n".join(lines)


def _defaults() -> dict[str, str]:
    """What each variable is when unset, as ``Settings.from_env`` decides it."""
    data_dir = "/DATA-DIR"
    settings = Settings.from_env({"FLARELITE_DATA_DIR": data_dir})
    shown: dict[str, str] = {"FLARELITE_DATA_DIR": "`./data`"}
    for f in fields(settings):
        env = f.metadata.get("env")
        if not env or env in shown:
            continue
        value = getattr(settings, f.name)
        if isinstance(value, tuple | list):
            value = ",".join(str(v) for v in value)
        if isinstance(value, bool):
            value = "1" if value else "0"
        if value in (None, "", b""):
            shown[env] = "unset"
            continue
        text = str(value).replace(f"file://{data_dir}", "file://<data dir>")
        shown[env] = f"`{text.replace(data_dir, '<data dir>')}`"
    return shown


def permissions() -> str:
    lines = [
        "# Permission groups",
        "",
        "The groups a token policy may name, with Cloudflare's ids, so that scripts and "
        "Terraform configurations written for Cloudflare work unchanged. Write implies Read. "
        "Generated from `flarelite.tokens.catalog`.",
        "",
        "| API name | Dashboard name | Scope | Id | Description |",
        "|---|---|---|---|---|",
    ]
    for g in sorted(PERMISSION_GROUPS, key=lambda g: (g.scope.value, g.name)):
        lines.append(
            f"| {g.name} | {g.dashboard_name} | `{g.scope.value}` | `{g.id}` "
            f"| {cell(g.description)} |"
        )
    lines += ["", "## Templates", "", "The dashboard's starting points for a new token.", ""]
    lines += ["| Template | Groups | What it is for |", "|---|---|---|"]
    for t in TEMPLATES:
        groups = ", ".join(g.name for g in t.groups)
        lines.append(f"| {cell(t.name)} | {groups} | {cell(t.description)} |")
    lines.append("")
    return "\n".join(lines)


GENERATED = {
    "reference/configuration.md": configuration,
    "reference/api-coverage.md": api_coverage,
    "reference/permissions.md": permissions,
}


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """mkdocs event: add the generated pages to the build."""
    for src_uri, render in GENERATED.items():
        files.append(File.generated(config, src_uri, content=render()))
    return files


def generated_pages() -> Iterable[tuple[str, str]]:
    """(page, markdown) of every generated page, for tests and for a look without mkdocs."""
    return ((uri, render()) for uri, render in GENERATED.items())
