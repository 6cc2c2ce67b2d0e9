"""Settings: one frozen object read once from the FLARELITE_* environment variables.

Only the CLI, ``app.py`` and ``services.py`` build it; everyone else receives a section.
``Settings.from_env`` reports every problem at once, as one line each, so start-up fails clearly.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flarelite.core.errors import FlareliteError

DEFAULT_NAMESERVERS = "ns1.flarelite.invalid,ns2.flarelite.invalid"
SECRET_KEY_FILE = "secret.key"  # noqa: S105 (a file name, not a secret)


class SettingsError(FlareliteError):
    """Invalid settings; the message lists every problem, one per line."""


def _doc(text: str, env: str) -> Any:  # a field() with docs, for the config reference
    return field(metadata={"doc": text, "env": env})


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path = _doc(
        "Where the SQLite database, originals and the secret key live.", "FLARELITE_DATA_DIR"
    )
    database_url: str = _doc(
        "sqlite:///<data dir>/flarelite.db by default; postgresql://user@host/db for scale-out.",
        "FLARELITE_DATABASE_URL",
    )
    storage_url: str = _doc(
        "file://<data dir>/objects by default; s3://bucket/prefix for any S3-compatible store.",
        "FLARELITE_STORAGE_URL",
    )
    redis_url: str | None = _doc(
        "Optional redis://host:port/db: shared rate limits, token revocation, build locks.",
        "FLARELITE_REDIS_URL",
    )
    public_url: str = _doc(
        "Base of absolute URLs handed to clients (image variants, upload URLs).",
        "FLARELITE_PUBLIC_URL",
    )
    rate_limit: int = _doc(
        "API requests per 5 minutes per token and per user; 0 turns the limiter off.",
        "FLARELITE_RATE_LIMIT",
    )
    secret_key: bytes = _doc(
        "Key for token hashes and sessions; generated into the data dir when unset. "
        "Every node of one deployment must share it.",
        "FLARELITE_SECRET_KEY",
    )
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = _doc(
        "Comma-separated CIDRs whose X-Forwarded-For is believed for the client IP.",
        "FLARELITE_TRUSTED_PROXIES",
    )
    images_quota: int = _doc(
        "Images an account may store: the `count.allowed` of the Images stats endpoint.",
        "FLARELITE_IMAGES_QUOTA",
    )
    fetch_allow_private: bool = _doc(
        "1 lets upload-by-URL fetch loopback, private and link-local addresses (tests, labs); "
        "off by default, which refuses them after DNS resolution and on every redirect.",
        "FLARELITE_FETCH_ALLOW_PRIVATE",
    )
    nameservers: tuple[str, ...] = _doc(
        "Comma-separated name servers assigned to every new zone.",
        "FLARELITE_NAMESERVERS",
    )
    zone_status: str = _doc(
        "Status of a new zone: 'active' (default: no registrar to wait for) or 'pending'.",
        "FLARELITE_ZONE_STATUS",
    )
    transform_workers: int = _doc(
        "Image transforms one worker process runs at once; 0 means one per CPU core.",
        "FLARELITE_TRANSFORM_WORKERS",
    )
    transform_queue: int = _doc(
        "Transforms that may wait for a slot per worker process; beyond it delivery answers "
        "503 (9522) with Retry-After.",
        "FLARELITE_TRANSFORM_QUEUE",
    )
    variant_cache_mb: int = _doc(
        "Megabytes of built variants each worker process keeps in memory (hot variants skip "
        "the blob store); 0 turns the in-process cache off.",
        "FLARELITE_VARIANT_CACHE_MB",
    )
    leak_keys: Path | None = _doc(
        "Path to a JSON file of the public keys that sign GitHub secret-scanning reports "
        "(GitHub's own public_keys document, or {key id: PEM}); unset turns the leak intake "
        "off (every report is refused).",
        "FLARELITE_LEAK_KEYS",
    )
    metrics_token: str | None = _doc(
        "Bearer token that /metrics (Prometheus) requires; unset turns /metrics off (404).",
        "FLARELITE_METRICS_TOKEN",
    )
    storage_options: Mapping[str, str] = _doc(
        "Endpoint, region and credentials of an s3:// store, as obstore reads them: "
        "AWS_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, "
        "AWS_ALLOW_HTTP (true for a plain-http endpoint such as a local MinIO or moto).",
        "AWS_*",
    )
    test_control: bool = _doc(
        "1 turns on the test-control plane under /_flarelite/ (reset, seed, fake clock, "
        "faults) for CI; never in production: anyone reaching it can wipe the data.",
        "FLARELITE_TEST_CONTROL",
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate every FLARELITE_* variable; raise SettingsError listing problems."""
        env = os.environ if env is None else env
        problems: list[str] = []
        data_dir = Path(env.get("FLARELITE_DATA_DIR", "./data")).expanduser().resolve()
        database_url = env.get("FLARELITE_DATABASE_URL") or f"sqlite:///{data_dir / 'flarelite.db'}"
        if urlsplit(database_url).scheme.split("+")[0] not in {"sqlite", "postgresql", "postgres"}:
            problems.append(
                f"FLARELITE_DATABASE_URL: unsupported scheme in {database_url!r} "
                "(use sqlite:/// or postgresql://)"
            )
        storage_url = env.get("FLARELITE_STORAGE_URL") or (data_dir / "objects").as_uri()
        if urlsplit(storage_url).scheme not in {"file", "s3"}:
            problems.append(f"FLARELITE_STORAGE_URL: unsupported scheme in {storage_url!r}")
        redis_url = env.get("FLARELITE_REDIS_URL") or None
        if redis_url and urlsplit(redis_url).scheme not in {"redis", "rediss", "unix"}:
            problems.append(f"FLARELITE_REDIS_URL: expected redis://…, got {redis_url!r}")
        public_url = env.get("FLARELITE_PUBLIC_URL", "http://127.0.0.1:8787").rstrip("/")
        parts = urlsplit(public_url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            problems.append(
                f"FLARELITE_PUBLIC_URL: expected http(s)://host[:port], got {public_url!r}"
            )
        rate_limit = _int(env, "FLARELITE_RATE_LIMIT", 1200, problems)
        proxies = _networks(env.get("FLARELITE_TRUSTED_PROXIES", ""), problems)
        images_quota = _int(env, "FLARELITE_IMAGES_QUOTA", 100_000, problems)
        fetch_allow_private = _flag(env, "FLARELITE_FETCH_ALLOW_PRIVATE", problems)
        nameservers = tuple(
            ns.strip().lower().rstrip(".")
            for ns in env.get("FLARELITE_NAMESERVERS", DEFAULT_NAMESERVERS).split(",")
            if ns.strip()
        )
        zone_status = env.get("FLARELITE_ZONE_STATUS", "active")
        if zone_status not in {"active", "pending"}:
            problems.append(
                f"FLARELITE_ZONE_STATUS: expected active or pending, got {zone_status!r}"
            )
        transform_workers = _int(env, "FLARELITE_TRANSFORM_WORKERS", 0, problems)
        transform_queue = _int(env, "FLARELITE_TRANSFORM_QUEUE", 64, problems)
        # Small by default: hot variants are tens of KB, and every MB is paid per worker.
        variant_cache_mb = _int(env, "FLARELITE_VARIANT_CACHE_MB", 8, problems)
        leak_keys = _existing_file(env.get("FLARELITE_LEAK_KEYS"), "FLARELITE_LEAK_KEYS", problems)
        metrics_token = env.get("FLARELITE_METRICS_TOKEN") or None
        if metrics_token is not None and len(metrics_token) < 16:
            problems.append("FLARELITE_METRICS_TOKEN: must be at least 16 characters")
        test_control = _flag(env, "FLARELITE_TEST_CONTROL", problems)
        raw_key = env.get("FLARELITE_SECRET_KEY")
        if raw_key is not None and len(raw_key) < 32:
            problems.append("FLARELITE_SECRET_KEY: must be at least 32 characters")
        if problems:
            raise SettingsError("\n".join(problems))
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            storage_url=storage_url,
            redis_url=redis_url,
            public_url=public_url,
            rate_limit=rate_limit,
            secret_key=raw_key.encode() if raw_key else b"",
            trusted_proxies=proxies,
            images_quota=images_quota,
            fetch_allow_private=fetch_allow_private,
            nameservers=nameservers,
            zone_status=zone_status,
            transform_workers=transform_workers,
            transform_queue=transform_queue,
            variant_cache_mb=variant_cache_mb,
            leak_keys=leak_keys,
            metrics_token=metrics_token,
            test_control=test_control,
            # Read here, not by obstore from the process, so Settings.from_env(env) is complete.
            storage_options={k: v for k, v in env.items() if k.startswith("AWS_")},
        )

    def with_secret_key(self) -> Settings:
        """Return settings whose secret key is set, generating it once into the data dir (0600).

        Every worker and CLI command reads the same file, so hashes agree across processes.
        """
        if self.secret_key:
            return self
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / SECRET_KEY_FILE
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            key = path.read_bytes().strip()
        else:
            key = secrets.token_hex(32).encode()
            with os.fdopen(fd, "wb") as handle:
                handle.write(key)
                handle.flush()
                os.fsync(handle.fileno())
        return _replace(self, secret_key=key)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def images(self) -> ImagesSettings:
        return ImagesSettings(
            public_url=self.public_url,
            quota=self.images_quota,
            fetch_allow_private=self.fetch_allow_private,
        )

    @property
    def delivery(self) -> DeliverySettings:
        return DeliverySettings(
            transform_workers=self.transform_workers or os.cpu_count() or 1,
            transform_queue=self.transform_queue,
            variant_cache_bytes=self.variant_cache_mb * 1024 * 1024,
        )


@dataclass(frozen=True, slots=True)
class ImagesSettings:
    """The images domain's section: what it needs from the settings, nothing more."""

    public_url: str = "http://127.0.0.1:8787"
    quota: int = 100_000
    fetch_allow_private: bool = False


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    """Image delivery's section: the transform pool and the in-process variant cache."""

    transform_workers: int = 1
    transform_queue: int = 64
    variant_cache_bytes: int = 16 * 1024 * 1024


def _replace(settings: Settings, **changes: Any) -> Settings:
    values = {f.name: getattr(settings, f.name) for f in fields(settings)}
    values.update(changes)
    return Settings(**values)


def _int(env: Mapping[str, str], name: str, default: int, problems: list[str]) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        problems.append(f"{name}: expected a whole number, got {raw!r}")
        return default
    if value < 0:
        problems.append(f"{name}: must be 0 or more, got {value}")
    return value


def _flag(env: Mapping[str, str], name: str, problems: list[str]) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in {"", "0", "false", "no", "off"}:
        return False
    if raw in {"1", "true", "yes", "on"}:
        return True
    problems.append(f"{name}: expected 1 or 0, got {raw!r}")
    return False


def _existing_file(raw: str | None, name: str, problems: list[str]) -> Path | None:
    if not raw:
        return None
    path = Path(raw).expanduser().resolve()
    if not path.is_file():
        problems.append(f"{name}: no file at {str(path)!r}")
    return path


def _networks(
    raw: str, problems: list[str]
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            problems.append(f"FLARELITE_TRUSTED_PROXIES: {item!r} is not an IP address or CIDR")
    return tuple(networks)


def documented_settings() -> list[tuple[str, str]]:
    """(environment variable, description) for every setting: the config reference's source."""
    return [(f.metadata["env"], f.metadata["doc"]) for f in fields(Settings)]
