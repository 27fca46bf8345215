"""Settings from AIDBRIDGE_* environment variables and an optional .env file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from handlers.text.i18n import LANGUAGES
from storage.models import Identity

DEFAULT_TELEGRAM_API = "https://api.telegram.org"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AIDBRIDGE_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    db_path: Path = Path("./data/aidbridge.db")
    # PostgreSQL as the shared store (issue 16): postgresql://user:password@host/db. Unset:
    # the SQLite file at db_path, the embedded default. (db_path still places the invite key
    # and the Matrix store beside it.)
    database_url: SecretStr | None = None
    telegram_token: SecretStr | None = None
    telegram_api_url: str = DEFAULT_TELEGRAM_API
    # Seconds between long polls' retries and for each getUpdates; tests lower them.
    telegram_poll_timeout: int = Field(default=30, ge=0, le=60)
    telegram_rate_limiter: bool = True
    # Telegram's pace (30 messages/s overall, 1/s per chat; with replicas 25/s and 1.5 s
    # shared) multiplied by this: rates times it, intervals divided by it. Only for a bench
    # against a fake Bot API (bench/replicas.py), so that it measures the bot and not the
    # limiter; above 1 against the real Telegram, the excess is refused with 429.
    telegram_pace_factor: float = Field(default=1.0, gt=0, le=1000)
    # Webhook mode (issue 16): Telegram POSTs updates to this public https URL, which the
    # reverse proxy forwards to http_listen; its path is the route. Unset: long polling.
    telegram_webhook_url: str | None = None
    # Telegram's secret token for the webhook; unset, one is derived from the bot token (the
    # same on every replica).
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_max_connections: int = Field(default=40, ge=1, le=100)
    # host:port of the HTTP server (webhook, /healthz, /readyz, /metrics); unset: no server.
    http_listen: str | None = None
    # Several `aidbridge run` processes share this database (issue 16): digests and
    # housekeeping run in the holder of a lease, outbox rows are claimed before they are sent,
    # Telegram's pace is reserved in the database, and a chat's updates are handled by one
    # replica at a time. Off: one process, as before (its own pace, no lease to wait for).
    replicas: bool = False
    # How long the scheduler's lease lasts unrenewed: a replica that dies loses it after this,
    # and another one takes over. Renewed every third of it.
    lease_seconds: float = Field(default=30.0, ge=1.0, le=3600.0)
    # How long an outbox claim lasts unrenewed (a dead replica's rows wait this long).
    outbox_claim_seconds: float = Field(default=60.0, ge=1.0, le=3600.0)
    # A refused token (Telegram 401, Matrix M_UNKNOWN_TOKEN) is retried every this many
    # seconds; refused without a break for token_refused_exit_seconds, the process exits
    # non-zero so that a supervisor notices (issue 10).
    token_retry_seconds: float = Field(default=30.0, gt=0, le=3600)
    token_refused_exit_seconds: float = Field(default=600.0, gt=0)
    # Only for printing t.me links from the shell; the running bot asks Telegram (getMe).
    telegram_bot_username: str | None = None
    admins: Annotated[list[Identity], NoDecode] = []
    timezone: str = "Europe/Berlin"
    default_language: str = "uk"
    invite_days: int = Field(default=7, ge=1, le=90)
    log_level: str = "INFO"
    # Local debugging only: let the libraries log message texts, requests and SQL parameters
    # (tokens and invite codes are still redacted). See bot/logsetup.py.
    log_text: bool = False
    # Abuse limits (issue 4).
    rate_limit_per_minute: int = Field(default=20, ge=1, le=1000)
    max_attachment_bytes: int = Field(default=10_000_000, ge=1)
    invite_attempts_per_hour: int = Field(default=5, ge=1, le=100)
    # Privacy and operations (issue 4).
    retention_days: int = Field(default=365, ge=1)
    backup_dir: Path = Path("./data/backups")
    # Colleagues' notices about a new request: at most one message per colleague per this many
    # seconds, the notices written meanwhile sent together (0: none held back; notices due at
    # the same moment still share a message).
    # Critical alerts and answers are never held back by it.
    colleague_batch_seconds: float = Field(default=300.0, ge=0, le=86_400)
    # The secret the invite codes' MACs are keyed with (bot/invite_key.py); never inside the
    # database, so a copy of the database gives no code back. Default: beside the database.
    invite_key_path: Path | None = None
    # Matrix (issue 5): the transport starts when the homeserver, the user id and a token or
    # password are all set.
    matrix_homeserver: str | None = None
    matrix_user_id: str | None = None
    matrix_access_token: SecretStr | None = None
    matrix_password: SecretStr | None = None
    matrix_device_id: str | None = None
    # A coordinators' team room that can be chosen as a digest target.
    matrix_team_room: str | None = None
    # End-to-end encryption (issue 12): the bot reads and writes in encrypted rooms. Its device
    # keys and sessions live in matrix_store_path (default: <db>.matrix-store/ beside the
    # database); losing that folder means logging the bot in as a new device.
    matrix_encryption: bool = True
    matrix_store_path: Path | None = None
    # How long an answer may wait for the homeserver's rate limit before the outbox takes it
    # over (the sync waits meanwhile); it is delivered later, never dropped.
    matrix_reply_wait_seconds: float = Field(default=5.0, gt=0, le=60)

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return [Identity.parse(part) for part in value.split(",") if part.strip()]
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("default_language")
    @classmethod
    def _check_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value

    @property
    def postgres_url(self) -> str | None:
        """The PostgreSQL URL in clear when one is set (to connect; never to log)."""
        return self.database_url.get_secret_value() if self.database_url else None

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(
            ("postgresql://", "postgres://")
        ):
            raise ValueError("must start with postgresql://")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("telegram_webhook_url")
    @classmethod
    def _check_webhook_url(cls, value: str | None) -> str | None:
        # Telegram posts only to https (ports 443, 80, 88 or 8443); plain http is accepted
        # for a loopback address only, which a local Bot API server or a test may use.
        loopback = value is not None and value.startswith(
            ("http://127.0.0.1:", "http://localhost:", "http://[::1]:")
        )
        if value is not None and not value.startswith("https://") and not loopback:
            raise ValueError("must start with https://")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _check_webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()
        ):
            raise ValueError("1 to 256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @field_validator("http_listen")
    @classmethod
    def _check_listen(cls, value: str | None) -> str | None:
        if value is None:
            return value
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be host:port, for example 0.0.0.0:8080")
        return value

    @field_validator("matrix_homeserver")
    @classmethod
    def _check_homeserver(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if value else value

    @field_validator("matrix_user_id")
    @classmethod
    def _check_matrix_user(cls, value: str | None) -> str | None:
        if value is not None and not (value.startswith("@") and ":" in value):
            raise ValueError("must look like @aidbridge:example.org")
        return value

    @model_validator(mode="after")
    def _check_webhook_complete(self) -> Settings:
        if self.telegram_webhook_url is not None:
            if self.telegram_token is None:
                raise ValueError("AIDBRIDGE_TELEGRAM_WEBHOOK_URL needs AIDBRIDGE_TELEGRAM_TOKEN")
            if self.http_listen is None:
                raise ValueError(
                    "AIDBRIDGE_TELEGRAM_WEBHOOK_URL needs AIDBRIDGE_HTTP_LISTEN (the host:port "
                    "your reverse proxy forwards the webhook to)"
                )
        return self

    @model_validator(mode="after")
    def _check_replicas(self) -> Settings:
        if not self.replicas:
            return self
        if self.telegram_token is not None and self.telegram_webhook_url is None:
            raise ValueError(
                "AIDBRIDGE_REPLICAS needs AIDBRIDGE_TELEGRAM_WEBHOOK_URL (several processes "
                "cannot long-poll one bot: Telegram answers all but one with 409)"
            )
        if self.matrix_homeserver is not None:
            raise ValueError(
                "AIDBRIDGE_REPLICAS: Matrix runs in one process only (one sync, one device's "
                "encryption keys); unset AIDBRIDGE_MATRIX_HOMESERVER on the replicas"
            )
        return self

    @property
    def listen_address(self) -> tuple[str, int] | None:
        if self.http_listen is None:
            return None
        host, _, port = self.http_listen.rpartition(":")
        return host.strip("[]"), int(port)

    @model_validator(mode="after")
    def _check_matrix_complete(self) -> Settings:
        # Messages name the variable themselves: a model-level error has no field location.
        if self.matrix_homeserver is None:
            if self.matrix_user_id or self.matrix_access_token or self.matrix_password:
                raise ValueError(
                    "AIDBRIDGE_MATRIX_HOMESERVER is required when other AIDBRIDGE_MATRIX_* "
                    "settings are set"
                )
            return self
        if not self.matrix_user_id:
            raise ValueError(
                "AIDBRIDGE_MATRIX_USER_ID is required with AIDBRIDGE_MATRIX_HOMESERVER"
            )
        if self.matrix_access_token is None and self.matrix_password is None:
            raise ValueError(
                "AIDBRIDGE_MATRIX_ACCESS_TOKEN or AIDBRIDGE_MATRIX_PASSWORD is required with "
                "AIDBRIDGE_MATRIX_HOMESERVER"
            )
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def matrix_store_dir(self) -> Path:
        return self.matrix_store_path or self.db_path.with_name(self.db_path.name + ".matrix-store")

    @property
    def invite_key_file(self) -> Path:
        return self.invite_key_path or self.db_path.with_name(self.db_path.name + ".invite-key")


class ConfigError(Exception):
    """Invalid configuration, explained in one line that names the variable."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        message = first["msg"].removeprefix("Value error, ")
        # Never echo the offending value: it might be a token.
        if not first["loc"]:
            raise ConfigError(message) from None  # a check across fields names them itself
        field = str(first["loc"][0])
        raise ConfigError(f"AIDBRIDGE_{field.upper()}: {message}") from None
