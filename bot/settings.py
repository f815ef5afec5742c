"""Configuration: the environment (and `.env`, via python-dotenv) as one typed object.

Every key has an embedded default, so a fresh clone runs with no `.env` at all;
`.env.example` lists them. Secrets have no default and are only read from the
environment.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import load_dotenv

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Which .env file to read: unset means the project's own; empty means none. The tests
# set it empty, so that a developer's configured webhook or SMTP relay never receives
# a test lead.
ENV_FILE_KEY = "ASSISTANT_ENV_FILE"


def dotenv_path() -> Path | None:
    """The .env file the settings read, or ``None`` when none is to be read."""
    chosen = os.environ.get(ENV_FILE_KEY)
    if chosen is None:
        return PROJECT_ROOT / ".env"
    return Path(chosen) if chosen.strip() else None


def _int(env: dict[str, str], key: str, default: int) -> int:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValueError(f"{key} must be a whole number, got {raw!r}") from exc
    if not 0 < value < 65536 and key.endswith("_PORT"):
        raise ValueError(f"{key} must be a TCP port (1-65535), got {value}")
    return value


def _positive(env: dict[str, str], key: str, default: int) -> int:
    value = _int(env, key, default)
    if value < 1:
        raise ValueError(f"{key} must be at least 1, got {value}")
    return value


# Long enough that guessing is hopeless even at many requests a second.
MIN_TOKEN_CHARS = 32


def _token(env: dict[str, str], key: str) -> str:
    value = env.get(key, "")
    if value and len(value) < MIN_TOKEN_CHARS:
        raise ValueError(f"{key} must be at least {MIN_TOKEN_CHARS} characters when set")
    return value


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` (a name or an IP address) can only be reached from this machine."""
    host = host.strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        # Any other name may resolve anywhere, today or tomorrow.
        return False


# What a browser sends as Origin: a scheme and a host, perhaps a port, nothing after it.
_ORIGIN = re.compile(r"^https?://[^/\s?#]+$")


def _origins(env: dict[str, str]) -> tuple[str, ...]:
    # CORS_ORIGINS was the key's name before ALLOWED_ORIGINS; old .env files still work.
    key = "ALLOWED_ORIGINS" if env.get("ALLOWED_ORIGINS", "").strip() else "CORS_ORIGINS"
    origins = tuple(
        part.strip().rstrip("/") for part in env.get(key, "").split(",") if part.strip()
    )
    if origins == ("*",):
        return origins
    for origin in origins:
        if not _ORIGIN.match(origin):
            raise ValueError(
                f"{key} must list origins like https://clinic.example (scheme, host and"
                f" port only, comma-separated) or be * alone, got {origin!r}"
            )
    return origins


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(env: dict[str, str], key: str) -> tuple[IPNetwork, ...]:
    """Comma-separated IP addresses or CIDR networks (``10.0.0.0/8``, ``::1``)."""
    networks = []
    for part in env.get(key, "").split(","):
        entry = part.strip()
        if not entry:
            continue
        try:
            # strict=False: "10.1.2.3/8" means 10.0.0.0/8, as most proxies read it.
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ValueError(
                f"{key} must list IP addresses or CIDR networks (comma-separated, e.g."
                f" 10.0.0.1,192.168.0.0/16,::1), got {entry!r}"
            ) from exc
    return tuple(networks)


@dataclass(frozen=True)
class NotifySettings:
    """Where advisor notifications go: a signed JSON webhook and/or email over SMTP."""

    webhook_url: str = ""
    webhook_secret: str = ""  # HMAC-SHA256 key; required with a webhook URL
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "assistant@localhost"
    smtp_to: str = ""  # the advisors' inbox
    # First retry after this many seconds, then doubling (at most an hour apart).
    retry_seconds: int = 30
    # Tries before a notification is given up ("dead", kept for staff, never retried).
    max_attempts: int = 8

    @property
    def webhook_enabled(self) -> bool:
        return bool(self.webhook_url)

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host and self.smtp_to)


@dataclass(frozen=True)
class HandoffSettings:
    """When advisors are there, and what the patient is told."""

    business_hours: str = "Mon-Fri 09:00-17:00"
    timezone: str = "Europe/Zurich"
    clinic_contact: str = "the contact form on the clinic's website"
    console_url: str = "http://127.0.0.1:8081"  # links in notifications


@dataclass(frozen=True)
class ConsoleSettings:
    """The staff console (bot/console/)."""

    interface: str = "127.0.0.1"
    port: int = 8081
    # A session ends after this long without a request.
    idle_minutes: int = 30
    # Cookies only over HTTPS; on by default when CONSOLE_URL is https://.
    secure_cookies: bool = False
    # The inbox shows each waiting handoff's time against this first-response target.
    first_response_minutes: int = 15
    # Failed logins before an account is locked, and for how long.
    max_failed_logins: int = 5
    lockout_minutes: int = 15


@dataclass(frozen=True)
class TelegramSettings:
    """The Telegram bot: on when its token and webhook secret are set."""

    bot_token: str
    # Telegram sends it back in X-Telegram-Bot-Api-Secret-Token on every update.
    webhook_secret: str
    # The public HTTPS URL Telegram calls; when set, `make run` registers it (setWebhook).
    webhook_url: str = ""
    api_base: str = "https://api.telegram.org"


@dataclass(frozen=True)
class WhatsAppSettings:
    """Meta's WhatsApp Business Cloud API: on when all four credentials are set."""

    access_token: str
    phone_number_id: str
    # Signs every webhook POST (X-Hub-Signature-256).
    app_secret: str
    # Meta's GET handshake must present it.
    verify_token: str
    api_base: str = "https://graph.facebook.com"
    api_version: str = "v21.0"

    @property
    def messages_url(self) -> str:
        return f"{self.api_base}/{self.api_version}/{self.phone_number_id}/messages"


@dataclass(frozen=True)
class Settings:
    """Runtime settings of the assistant's processes."""

    database_url: str
    rasa_interface: str
    rasa_port: int
    action_port: int
    rasa_api_token: str
    model_path: Path
    log_level: str
    # The sites whose pages may call the server from a browser (the chat widget). Empty:
    # the local demo page's origins (WIDGET_PORT), on whatever port it gets.
    origins: tuple[str, ...] = ()
    # Required beyond loopback for the REST channel; empty there turns the channel off.
    rest_channel_token: str = ""
    # Larger request bodies are refused before they are read.
    request_max_size: int = 1_048_576
    # Conversations and the data tied to them are deleted this many days after the
    # conversation's last message (the privacy notice quotes it).
    retention_days: int = 180
    # Per sender: this many messages at once, refilled at the per-minute rate.
    rate_limit_burst: int = 15
    rate_limit_per_minute: int = 30
    # How long the channels wait for the action server's health check before they
    # tell the patient that the assistant is unavailable (instead of silence).
    action_timeout_seconds: int = 3
    # Per client address (conversation ids are the client's choice): a larger allowance,
    # since a household or an office shares one address.
    rate_limit_address_burst: int = 60
    rate_limit_address_per_minute: int = 120
    # Reverse proxies whose X-Forwarded-For is believed (addresses or networks). Empty:
    # none, the direct peer is the client.
    trusted_proxies: tuple[IPNetwork, ...] = ()
    notify: NotifySettings = field(default_factory=NotifySettings)
    handoff: HandoffSettings = field(default_factory=HandoffSettings)
    # The demo page with the chat widget (bot/processes/demo_site.py), on loopback.
    widget_port: int = 8080
    # Signs the widget's session ids. Empty: a random key kept in var/ (see
    # bot/channels/sessions.py), so that a restart keeps the visitors' conversations.
    widget_session_secret: str = ""
    # socket.io's rooms through Redis (python-socketio's AsyncRedisManager): `make
    # run-scaled` sets it for each Rasa server, so that a message one server sends (an
    # advisor's reply) reaches a widget connected to another. Empty: this process only.
    socketio_redis_url: str = ""
    # The pub/sub channel those servers share (Redis channels are not per database).
    socketio_redis_channel: str = "socketio"
    telegram: TelegramSettings | None = None
    whatsapp: WhatsAppSettings | None = None
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    # The clinic's practical facts (bot/clinic/): name, address, phone, opening hours ...
    clinic_file: Path = PROJECT_ROOT / "clinic.yml"

    @property
    def action_endpoint_url(self) -> str:
        """Where the Rasa server reaches the action server."""
        return f"http://127.0.0.1:{self.action_port}/webhook"

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        """Origins allowed to embed the chat: ``("*",)`` for any site."""
        if self.origins:
            return self.origins
        return (f"http://127.0.0.1:{self.widget_port}", f"http://localhost:{self.widget_port}")

    @property
    def widget_url(self) -> str:
        """The local demo page with the chat widget."""
        return f"http://127.0.0.1:{self.widget_port}"

    @property
    def on_loopback(self) -> bool:
        """Whether the Rasa server can only be reached from this machine."""
        return is_loopback_host(self.rasa_interface)

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa server as seen from this machine."""
        host = "127.0.0.1" if self.rasa_interface in ("0.0.0.0", "") else self.rasa_interface
        return f"http://{host}:{self.rasa_port}"


def default_database_url(root: Path = PROJECT_ROOT) -> str:
    """The embedded default: a SQLite file under ``var/``."""
    return f"sqlite:///{root / 'var' / 'assistant.db'}"


def load_settings(env: dict[str, str] | None = None, *, read_dotenv: bool = True) -> Settings:
    """Build settings from ``env`` (default: the process environment plus `.env`).

    Values already in the environment win over `.env`, so a CI job or a test can
    override any key.
    """
    if env is None:
        path = dotenv_path() if read_dotenv else None
        if path is not None:
            load_dotenv(path, override=False)
        env = dict(os.environ)
    model = Path(env.get("MODEL_PATH") or PROJECT_ROOT / "models" / "ra-assistant.tar.gz")
    return Settings(
        database_url=env.get("DATABASE_URL") or default_database_url(),
        rasa_interface=env.get("RASA_INTERFACE") or "127.0.0.1",
        rasa_port=_int(env, "RASA_PORT", 5005),
        action_port=_int(env, "ACTION_PORT", 5055),
        rasa_api_token=_token(env, "RASA_API_TOKEN"),
        model_path=model if model.is_absolute() else PROJECT_ROOT / model,
        log_level=(env.get("LOG_LEVEL") or "INFO").upper(),
        origins=_origins(env),
        rest_channel_token=_token(env, "REST_CHANNEL_TOKEN"),
        request_max_size=_positive(env, "REQUEST_MAX_SIZE", Settings.request_max_size),
        retention_days=_positive(env, "RETENTION_DAYS", 180),
        rate_limit_burst=_positive(env, "RATE_LIMIT_BURST", 15),
        rate_limit_per_minute=_positive(env, "RATE_LIMIT_PER_MINUTE", 30),
        action_timeout_seconds=_positive(env, "ACTION_TIMEOUT_SECONDS", 3),
        rate_limit_address_burst=_positive(env, "RATE_LIMIT_ADDRESS_BURST", 60),
        rate_limit_address_per_minute=_positive(env, "RATE_LIMIT_ADDRESS_PER_MINUTE", 120),
        trusted_proxies=_networks(env, "TRUSTED_PROXIES"),
        notify=_notify_settings(env),
        handoff=HandoffSettings(
            business_hours=env.get("BUSINESS_HOURS") or HandoffSettings.business_hours,
            timezone=env.get("BUSINESS_TIMEZONE") or HandoffSettings.timezone,
            clinic_contact=env.get("CLINIC_CONTACT") or HandoffSettings.clinic_contact,
            console_url=(env.get("CONSOLE_URL") or HandoffSettings.console_url).rstrip("/"),
        ),
        widget_port=_int(env, "WIDGET_PORT", Settings.widget_port),
        widget_session_secret=_token(env, "WIDGET_SESSION_SECRET"),
        socketio_redis_url=redis_url(env, "SOCKETIO_REDIS_URL"),
        socketio_redis_channel=env.get("SOCKETIO_REDIS_CHANNEL") or "socketio",
        telegram=_telegram_settings(env),
        whatsapp=_whatsapp_settings(env),
        console=_console_settings(env),
        clinic_file=_project_path(env.get("CLINIC_FILE") or "clinic.yml"),
    )


def redis_url(env: dict[str, str], key: str) -> str:
    """A Redis URL (``redis://`` or ``rediss://``, TLS) from ``key``; empty if unset."""
    value = env.get(key, "").strip()
    parts = urlsplit(value)
    if value and (parts.scheme not in ("redis", "rediss") or not parts.hostname):
        raise ValueError(f"{key} must be a redis:// URL (e.g. redis://127.0.0.1:6379/0)")
    return value


def _project_path(raw: str) -> Path:
    """``raw`` as a path; a relative one is relative to the project."""
    path = Path(raw.strip())
    return path if path.is_absolute() else PROJECT_ROOT / path


def _console_settings(env: dict[str, str]) -> ConsoleSettings:
    console_url = (env.get("CONSOLE_URL") or HandoffSettings.console_url).strip()
    secure = env.get("CONSOLE_SECURE_COOKIES", "").strip().lower()
    return ConsoleSettings(
        interface=env.get("CONSOLE_INTERFACE") or ConsoleSettings.interface,
        port=_int(env, "CONSOLE_PORT", ConsoleSettings.port),
        idle_minutes=_positive(env, "CONSOLE_IDLE_MINUTES", ConsoleSettings.idle_minutes),
        secure_cookies=secure in ("1", "true", "yes")
        or (not secure and console_url.startswith("https://")),
        first_response_minutes=_positive(
            env, "CONSOLE_FIRST_RESPONSE_MINUTES", ConsoleSettings.first_response_minutes
        ),
        max_failed_logins=_positive(
            env, "CONSOLE_MAX_FAILED_LOGINS", ConsoleSettings.max_failed_logins
        ),
        lockout_minutes=_positive(env, "CONSOLE_LOCKOUT_MINUTES", ConsoleSettings.lockout_minutes),
    )


def _configured(env: dict[str, str], keys: tuple[str, ...], channel: str) -> bool:
    """Whether a channel is on: none of its keys set means off, some of them an error."""
    present = [key for key in keys if env.get(key, "").strip()]
    if not present:
        return False
    missing = [key for key in keys if key not in present]
    if missing:
        raise ValueError(
            f"{', '.join(missing)} must be set too: {channel} needs {', '.join(keys)}"
            f" (or none of them, which turns it off)"
        )
    return True


def _api_base(env: dict[str, str], key: str, default: str) -> str:
    base = (env.get(key, "").strip() or default).rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{key} must be an http(s) URL, got {base!r}")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        # The access token travels in every call.
        raise ValueError(f"{key} must use https:// unless it stays on this machine, got {base!r}")
    return base


_TELEGRAM_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]{20,}$")
# Telegram's own rule for secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and -.
_TELEGRAM_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")


def _telegram_settings(env: dict[str, str]) -> TelegramSettings | None:
    keys = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET")
    if not _configured(env, keys, "Telegram") and not env.get("TELEGRAM_WEBHOOK_URL", "").strip():
        return None
    if not all(env.get(key, "").strip() for key in keys):
        raise ValueError(
            "TELEGRAM_WEBHOOK_URL is set: TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET must be too"
        )
    token = env["TELEGRAM_BOT_TOKEN"].strip()
    if not _TELEGRAM_TOKEN.match(token):
        raise ValueError("TELEGRAM_BOT_TOKEN must look like 123456789:AAE... (from @BotFather)")
    secret = env["TELEGRAM_WEBHOOK_SECRET"].strip()
    if not _TELEGRAM_SECRET.match(secret):
        raise ValueError(
            "TELEGRAM_WEBHOOK_SECRET must be 16-256 characters of A-Z, a-z, 0-9, _ and -"
        )
    webhook_url = env.get("TELEGRAM_WEBHOOK_URL", "").strip()
    if webhook_url and not webhook_url.startswith("https://"):
        parts = urlsplit(webhook_url)
        if parts.scheme != "http" or not is_loopback_host(parts.hostname or ""):
            # Telegram itself calls only https:// webhooks.
            raise ValueError(f"TELEGRAM_WEBHOOK_URL must be an https:// URL, got {webhook_url!r}")
    return TelegramSettings(
        bot_token=token,
        webhook_secret=secret,
        webhook_url=webhook_url,
        api_base=_api_base(env, "TELEGRAM_API_BASE", TelegramSettings.api_base),
    )


_API_VERSION = re.compile(r"^v\d+\.\d+$")


def _whatsapp_settings(env: dict[str, str]) -> WhatsAppSettings | None:
    keys = (
        "WHATSAPP_ACCESS_TOKEN",
        "WHATSAPP_PHONE_NUMBER_ID",
        "WHATSAPP_APP_SECRET",
        "WHATSAPP_VERIFY_TOKEN",
    )
    if not _configured(env, keys, "WhatsApp"):
        return None
    phone_number_id = env["WHATSAPP_PHONE_NUMBER_ID"].strip()
    if not phone_number_id.isdigit():
        raise ValueError(
            "WHATSAPP_PHONE_NUMBER_ID must be the numeric id from Meta's app dashboard,"
            f" got {phone_number_id!r}"
        )
    if len(env["WHATSAPP_APP_SECRET"].strip()) < 16:
        raise ValueError("WHATSAPP_APP_SECRET must be the app secret (16+ characters)")
    version = env.get("WHATSAPP_API_VERSION", "").strip() or WhatsAppSettings.api_version
    if not _API_VERSION.match(version):
        raise ValueError(f"WHATSAPP_API_VERSION must look like v21.0, got {version!r}")
    return WhatsAppSettings(
        access_token=env["WHATSAPP_ACCESS_TOKEN"].strip(),
        phone_number_id=phone_number_id,
        app_secret=env["WHATSAPP_APP_SECRET"].strip(),
        verify_token=env["WHATSAPP_VERIFY_TOKEN"].strip(),
        api_base=_api_base(env, "WHATSAPP_API_BASE", WhatsAppSettings.api_base),
        api_version=version,
    )


def _notify_settings(env: dict[str, str]) -> NotifySettings:
    webhook_url = env.get("NOTIFY_WEBHOOK_URL", "").strip()
    if webhook_url and not webhook_url.startswith(("http://", "https://")):
        raise ValueError(
            f"NOTIFY_WEBHOOK_URL must start with http:// or https://, got {webhook_url!r}"
        )
    if webhook_url.startswith("http://") and not is_loopback_host(
        urlsplit(webhook_url).hostname or ""
    ):
        # Leads carry names, contact details and health information.
        raise ValueError(
            "NOTIFY_WEBHOOK_URL must use https:// unless it stays on this machine"
            f" (127.0.0.1, ::1, localhost), got {webhook_url!r}"
        )
    secret = env.get("NOTIFY_WEBHOOK_SECRET", "")
    if webhook_url and len(secret) < 16:
        # An unsigned or weakly signed lead notification could be forged or read as genuine.
        raise ValueError(
            "NOTIFY_WEBHOOK_SECRET must be set (16+ characters) with NOTIFY_WEBHOOK_URL"
        )
    starttls = env.get("SMTP_STARTTLS", "").strip().lower() in ("1", "true", "yes")
    smtp_user = env.get("SMTP_USER", "")
    if smtp_user and not starttls:
        # Without TLS the password would cross the network in the clear.
        raise ValueError("SMTP_USER (a login) needs SMTP_STARTTLS=true")
    return NotifySettings(
        webhook_url=webhook_url,
        webhook_secret=secret,
        smtp_host=env.get("SMTP_HOST", "").strip(),
        smtp_port=_int(env, "SMTP_PORT", 25),
        smtp_starttls=starttls,
        smtp_user=smtp_user,
        smtp_password=env.get("SMTP_PASSWORD", ""),
        smtp_from=env.get("SMTP_FROM") or NotifySettings.smtp_from,
        smtp_to=env.get("SMTP_TO", "").strip(),
        retry_seconds=_positive(env, "OUTBOX_RETRY_SECONDS", 30),
        max_attempts=_positive(env, "OUTBOX_MAX_ATTEMPTS", 8),
    )
