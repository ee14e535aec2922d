"""The ``ypmatch`` command (and ``python -m ypmatch``): Flask's CLI around the app factory."""

from flask.cli import FlaskGroup

from ypmatch import create_app

main = FlaskGroup(
    create_app=create_app,
    help="ypmatch: Y-PORT business matching (cities, needs, companies, matching).",
)

if __name__ == "__main__":
    main()
