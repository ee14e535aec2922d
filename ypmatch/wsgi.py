"""The app as gunicorn serves it in production: ``gunicorn --preload 'ypmatch.wsgi:app'``.

With ``--preload`` this module runs once, in the gunicorn master, before the workers fork:
the matching index is fitted once and every worker starts with it, warm.
"""

from ypmatch import create_app
from ypmatch.serving import prepare_for_workers

app = create_app()
prepare_for_workers(app)
