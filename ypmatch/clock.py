"""The current time, replaceable in tests (``app.config["CLOCK"]``) instead of sleeping."""

from collections.abc import Callable
from datetime import datetime

from flask import current_app, has_app_context

from ypmatch.models.base import utcnow


def now() -> datetime:
    if has_app_context():
        clock: Callable[[], datetime] | None = current_app.config.get("CLOCK")
        if clock is not None:
            return clock()
    return utcnow()
