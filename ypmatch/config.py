"""Configuration from environment variables; ``instance/config.py`` may override."""

import functools
import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

# The checkout: templates/, static/, migrations/ and instance/ live beside the package.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

ENV_PREFIX = "YPMATCH_"

# JSON columns keep Japanese as written (not as \uXXXX escapes), so searching them finds it.
JSON_SERIALIZER = functools.partial(json.dumps, ensure_ascii=False)


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(ENV_PREFIX + name, default)


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _development_secret_key(instance_path: Path) -> str:
    """A random key generated once into instance/ so sessions survive restarts."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def load_config(instance_path: Path) -> dict:
    """Settings read from the environment at app creation time."""
    secure_cookies = _env_bool("SECURE_COOKIES", False)
    database_url = _env("DATABASE_URL") or f"sqlite:///{instance_path / 'ypmatch.sqlite3'}"
    return {
        "SECRET_KEY": _env("SECRET_KEY") or _development_secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
        "LANGUAGES": ["en", "ja"],
        "PER_PAGE": int(_env("PER_PAGE", "20")),
        # INFO also logs each refit of the matching index: what it did, how long, and why.
        "LOG_LEVEL": _env("LOG_LEVEL", "WARNING").upper(),
        # Wrong passwords for one account from one address before that address must wait
        # (30 s, doubling with each further failure, up to LOGIN_LOCKOUT_SECONDS) ...
        "LOGIN_MAX_FAILURES": int(_env("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_LOCKOUT_SECONDS": int(_env("LOGIN_LOCKOUT_SECONDS", "900")),
        # ... and from all addresses before browsers the owner never used must wait too
        # (the owner is emailed a link that lifts it).
        "LOGIN_ACCOUNT_MAX_FAILURES": int(_env("LOGIN_ACCOUNT_MAX_FAILURES", "20")),
        # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
        "PROXY_FIX": int(_env("PROXY_FIX", "0")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_DURATION": timedelta(days=int(_env("REMEMBER_DAYS", "14"))),
        # A signed-in session ends after this long without a request ("remember me":
        # after REMEMBER_DAYS).
        "IDLE_TIMEOUT_MINUTES": int(_env("IDLE_TIMEOUT_MINUTES", "480")),
        "MAX_CONTENT_LENGTH": int(_env("MAX_CONTENT_LENGTH", str(16 * 1024 * 1024))),
        # Links in emails point here. Unset: the address the app is served on, as seen on
        # requests to this machine (127.0.0.1, localhost); production sets it.
        "BASE_URL": _env("BASE_URL", ""),
        # Email: with no SMTP host, messages are written to instance/outbox/ instead.
        "SMTP_HOST": _env("SMTP_HOST", ""),
        "SMTP_PORT": int(_env("SMTP_PORT", "25")),
        "SMTP_USER": _env("SMTP_USER", ""),
        "SMTP_PASSWORD": _env("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _env_bool("SMTP_STARTTLS", False),
        "SMTP_TIMEOUT": float(_env("SMTP_TIMEOUT", "10")),
        "MAIL_SENDER": _env("MAIL_SENDER", "ypmatch <no-reply@ypmatch.invalid>"),
        # Send queued mail right after requests (development); production runs the job.
        "MAIL_SEND_AFTER_REQUEST": _env_bool("MAIL_SEND_AFTER_REQUEST", True),
        "ALERT_MIN_SCORE": float(_env("ALERT_MIN_SCORE", "0.12")),
        "STALE_AFTER_DAYS": int(_env("STALE_AFTER_DAYS", "365")),
        "PASSWORD_RESET_HOURS": int(_env("PASSWORD_RESET_HOURS", "2")),
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _env_bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Above this many needs + technologies, a stale index is refitted in the background.
        "MATCHING_SYNC_REFIT_MAX_DOCS": int(_env("MATCHING_SYNC_REFIT_MAX_DOCS", "3000")),
        # ... and at most this often per process, so a burst of edits costs one refit.
        "MATCHING_REFIT_INTERVAL_SECONDS": float(_env("MATCHING_REFIT_INTERVAL_SECONDS", "15")),
        # "hybrid" (words and sentence embeddings), "lexical" or "semantic".
        "MATCHING_SIGNALS": _env("MATCHING_SIGNALS", "hybrid"),
        # More texts than this without embeddings (an encoder upgrade, a bulk import) are
        # encoded in the background while matching runs on words alone.
        "MATCHING_SYNC_ENCODE_MAX_TEXTS": int(_env("MATCHING_SYNC_ENCODE_MAX_TEXTS", "300")),
        # Times on pages (history, hands raised) are shown in this time zone.
        "TIMEZONE": _env("TIMEZONE", "Asia/Tokyo"),
        "KPI_FIRST_YEAR": int(_env("KPI_FIRST_YEAR", "0")) or None,
    }
