"""Getting a process ready to serve: what ``ypmatch.wsgi`` does before the workers fork."""

import gc

from flask import Flask
from flask_babel import get_translations

from ypmatch.extensions import db
from ypmatch.services.matching import matching_index

# Needs whose fitting companies are counted before the fork (about 4 ms each at 10,000
# companies): the others are counted when a list page first shows them.
PREFORK_COUNTED_NEEDS = 1000


def prepare_for_workers(app: Flask) -> None:
    """Do once, before the fork, what every worker would otherwise do on its first
    requests, then keep all of it out of the cyclic garbage collector's full passes."""
    with app.app_context():
        index = matching_index()  # seconds at 10,000 companies
        # The list pages' "N fitting companies" (0.1 s a page of needs, then kept).
        index.count_fitting_companies(index.matcher.need_ids_[:PREFORK_COUNTED_NEEDS])
        db.session.remove()
        db.engine.dispose()  # no database connection crosses the fork
    for name in app.jinja_env.list_templates(extensions=("html", "txt")):
        app.jinja_env.get_template(name)  # compiling a page's templates: ~100 ms
    for language in ("en", "ja"):
        with app.test_request_context(headers={"Accept-Language": language}):
            get_translations()
    # The index, the glossary, the templates and the code live as long as the workers. Left
    # to the collector, each full pass walks them again (0.15-0.2 s at 10,000 companies),
    # stalling the worker's request every few seconds under load. Frozen, they are also
    # never written to by the collector, so the workers keep sharing those memory pages.
    gc.collect()
    gc.freeze()
