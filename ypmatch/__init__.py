"""ypmatch: business matching for Yokohama's Y-PORT city-to-city cooperation.

Flask is imported inside the factory so that ``ypmatch.matching`` stays importable
without the web stack.
"""

import os
from pathlib import Path

from ypmatch.config import PROJECT_ROOT


def create_app(config: dict | None = None):
    """Build the Flask application; ``config`` overrides settings (tests use it)."""
    from flask import Flask

    from ypmatch.config import load_config

    instance_path = Path(
        (config or {}).get("INSTANCE_PATH")
        or os.environ.get("YPMATCH_INSTANCE_PATH")
        or PROJECT_ROOT / "instance"
    ).resolve()
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_mapping(load_config(instance_path))
    app.config.from_pyfile("config.py", silent=True)
    if config:
        app.config.from_mapping(config)
    app.logger.setLevel(app.config.get("LOG_LEVEL", "WARNING"))

    from ypmatch.app_setup import (
        connect_event_receivers,
        register_blueprints,
        register_cli,
        register_error_handlers,
        register_extensions,
        register_mail_after_requests,
        register_request_guards,
        register_session_guards,
        register_template_helpers,
    )

    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX"]
        # The client's address, scheme and host as the trusted proxies saw them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)

    register_extensions(app)
    connect_event_receivers()
    register_blueprints(app)
    register_error_handlers(app)
    register_request_guards(app)
    register_session_guards(app)
    register_template_helpers(app)
    register_mail_after_requests(app)
    register_cli(app)
    return app
