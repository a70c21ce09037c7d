"""Settings from environment variables (``INTERP_…``) and an optional TOML file.

Precedence: environment, then the file named by ``INTERP_CONFIG`` (or ``--config``),
then the defaults below, which suit one machine serving http://localhost.
"""

from __future__ import annotations

import ipaddress
import json
import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, get_type_hints


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "interp"


def _default_models_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "interp" / "models"


class ConfigError(ValueError):
    """A setting has a value interp cannot use."""


@dataclass(frozen=True)
class Settings:
    # Where the SQLite database, the secret key and uploads live.
    data_dir: Path = field(default_factory=_default_data_dir)
    # Where installed speech and translation models live (outside the repository).
    models_dir: Path = field(default_factory=_default_models_dir)
    host: str = "127.0.0.1"
    port: int = 8000
    # The address people reach the service on; links and QR codes use it.
    public_url: str = ""
    # Empty means SQLite under data_dir; e.g. postgresql+asyncpg://user@host/db for production.
    database_url: str = ""
    # Empty means the in-process hub (one node); redis://host:6379/0 for several nodes.
    redis_url: str = ""
    # Empty means a key generated once and kept in data_dir/secret_key.
    secret_key: str = ""
    # JSON list of RTCIceServer dicts handed to browsers; localhost needs none.
    ice_servers: list[dict[str, Any]] = field(default_factory=list)
    # Seconds a request waits for a volunteer before machine interpretation is offered.
    fallback_wait_s: float = 120.0
    # Seconds a dropped call participant may take to come back before they count as gone.
    reconnect_grace_s: float = 30.0
    # Lifetime of invite links and resident links, in hours.
    invite_ttl_h: float = 72.0
    # Reminders of a booked interpreter, hours before the booked time (0: none).
    booking_reminder_early_h: float = 24.0
    booking_reminder_late_h: float = 1.0
    # Seconds a booked resident's request is offered to the booked volunteer alone.
    booking_hold_s: float = 120.0
    # Hours a resident's request link stays valid (the queue page and, once matched, the call).
    request_ttl_h: float = 12.0
    # Speech model used for live captions (a name from models/manifest.toml).
    asr_model: str = "whisper-base"
    # Parallel recognition workers sharing one model.
    asr_workers: int = 2
    # Live captions in calls (the speech model loads when someone first turns them on).
    captions: bool = True
    # What the organisation's staff speak: the other side of machine interpretation, and
    # the caption language of caseworkers.
    local_language: str = "en"
    # Where `interp models install` reads the Argos Translate package index (only then:
    # never while serving). A mirror's index may add a "sha256" to each entry.
    translation_index_url: str = (
        "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json"
    )
    # Where English captions of other languages come from: "auto" (a translation model
    # when one is installed, else the speech model's translate task), "argos", "whisper".
    english_via: str = "auto"
    # Most people in one online meeting: every browser sends to every other (a mesh), and
    # scripts/bench_mesh.py finds a weak laptop comfortable with 3 (docs/configuration.md).
    meeting_max_participants: int = 3
    # Largest recording a caseworker may upload for captioning, in megabytes.
    upload_max_mb: int = 200
    # Longest recording captioned, in minutes of sound: a small file can hold hours of
    # silence, so size alone does not bound the work (docs/configuration.md).
    upload_max_minutes: int = 180
    log_level: str = "info"
    # Addresses (or networks, e.g. 10.0.0.0/8) of reverse proxies, comma-separated, whose
    # X-Forwarded-For names the client. Empty: the client is the socket's peer, and the
    # header is ignored (anyone could write it).
    trusted_proxies: str = ""
    # The organisation's mail server, for volunteers who asked to be emailed of requests
    # (docs/notifications.md). No host: no email is sent.
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    # The sender address; empty means the SMTP user.
    smtp_from: str = ""
    # Upgrade the connection with STARTTLS before signing in (port 587). Off: plain SMTP,
    # or implicit TLS when the port is 465.
    smtp_starttls: bool = True
    # Who a Web Push service may contact about this server's messages (the VAPID "sub"):
    # a mailto: or https: address. Empty: the public URL when it is https, else the sender.
    push_contact: str = ""

    # Limits on every door (docs/configuration.md): high enough that real use never meets
    # them, low enough that one client cannot flood the queue, the volunteers or the
    # server. "count/seconds": at most count in a window of that many seconds.
    # Failed sign-ins: per account from one address, per account, and per address (an
    # office behind one address holds many accounts, so that ceiling is much higher).
    limit_sign_in_per_account_address: str = "10/900"
    limit_sign_in_per_account: str = "50/900"
    limit_sign_in_per_address: str = "300/900"
    # Requests for an interpreter from one address (each alerts every matching volunteer).
    limit_requests_per_address: str = "20/600"
    # Guests joining a meeting through one invite link, and from one address.
    limit_guest_joins_per_invite: str = "20/3600"
    limit_guest_joins_per_address: str = "20/600"
    # Machine-interpretation rooms (each holds a server caption connection) per address.
    limit_machine_rooms_per_address: str = "10/600"
    # Recordings one account uploads for captioning.
    limit_uploads_per_account: str = "30/3600"
    # Open sockets at once, per volunteer account and per call participant (per node).
    limit_volunteer_sockets_per_account: int = 5
    limit_room_sockets_per_participant: int = 3
    # Messages per socket: a burst, then a steady rate per second.
    limit_socket_message_burst: int = 60
    limit_socket_messages_per_s: float = 20.0

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'interp.db'}"

    @property
    def effective_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    @property
    def secure_cookies(self) -> bool:
        return self.effective_public_url.startswith("https://")


def _coerce(name: str, hint: Any, raw: Any) -> Any:
    try:
        if hint is Path:
            return Path(str(raw)).expanduser()
        if hint is int:
            return int(raw)
        if hint is float:
            return float(raw)
        if hint is bool:
            if isinstance(raw, bool):
                return raw
            return str(raw).strip().lower() in {"1", "true", "yes", "on"}
        if str(hint).startswith("list"):
            value = json.loads(raw) if isinstance(raw, str) else raw
            if not isinstance(value, list):
                raise ValueError("expected a JSON list")
            return value
        return str(raw)
    except (ValueError, TypeError) as exc:
        raise ConfigError(f"setting {name!r} has an invalid value {raw!r}: {exc}") from exc


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Build settings from the optional TOML file, the environment and explicit overrides."""
    hints = get_type_hints(Settings)
    names = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {}

    path = config_file or os.environ.get("INTERP_CONFIG")
    if path:
        try:
            with open(path, "rb") as fh:
                from_file = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}") from exc
        unknown = set(from_file) - names
        if unknown:
            raise ConfigError(f"unknown settings in {path}: {', '.join(sorted(unknown))}")
        values.update({k: _coerce(k, hints[k], v) for k, v in from_file.items()})

    for name in names:
        env = os.environ.get(f"INTERP_{name.upper()}")
        if env is not None:
            values[name] = _coerce(name, hints[name], env)

    values.update(overrides)
    settings = Settings(**values)
    _check(settings)
    return settings


def _check(settings: Settings) -> None:
    from interp.languages import get_language
    from interp.rate_limit import Rate

    for name in (f.name for f in fields(Settings) if f.name.startswith("limit_")):
        value = getattr(settings, name)
        try:
            if isinstance(value, str):
                Rate.parse(value)
            elif value <= 0:
                raise ValueError("must be above 0")
        except ValueError as exc:
            raise ConfigError(f"setting {name!r}: {exc}") from exc
    for proxy in settings.trusted_proxy_list:
        try:
            ipaddress.ip_network(proxy, strict=False)
        except ValueError as exc:
            raise ConfigError(f"setting 'trusted_proxies': {exc}") from exc

    if settings.upload_max_minutes <= 0:
        raise ConfigError("setting 'upload_max_minutes' must be above 0")
    if settings.english_via not in ("auto", "argos", "whisper"):
        raise ConfigError("setting 'english_via' must be auto, argos or whisper")
    language = get_language(settings.local_language)
    if language is None or language.signed:
        raise ConfigError(
            f"setting 'local_language' must be a spoken language code, not "
            f"{settings.local_language!r}"
        )
