"""What a production process does before its workers fork (``ypmatch.wsgi``)."""

import gc

from flask_migrate import upgrade

from ypmatch import create_app
from ypmatch.extensions import db
from ypmatch.services import matching
from ypmatch.serving import prepare_for_workers


def test_workers_start_with_the_index_fitted_and_the_pages_compiled(
    empty_database_url, tmp_path, monkeypatch
):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": empty_database_url,
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "serving",
            "MAIL_SEND_AFTER_REQUEST": False,
        }
    )
    with app.app_context():
        upgrade()
    try:
        prepare_for_workers(app)
        # Everything loaded so far is out of the collector's full passes.
        assert gc.get_freeze_count() > 0
        templates = app.jinja_env.list_templates(extensions=("html", "txt"))
        assert len(app.jinja_env.cache) >= len(templates)
    finally:
        gc.unfreeze()

    fits = []
    monkeypatch.setattr(matching, "build_index", lambda *args: fits.append(args))
    response = app.test_client().get("/companies/?q=水道", headers={"Accept-Language": "ja"})
    assert response.status_code == 200
    assert fits == []  # the first search used the index fitted before the fork
    with app.app_context():
        db.engine.dispose()
