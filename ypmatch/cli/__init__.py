"""The app's commands (``ypmatch …``, see :mod:`ypmatch.__main__`; ``flask --app ypmatch``
works too)."""

from flask import Flask


def register_commands(app: Flask) -> None:
    from ypmatch.cli.backup import backup_command, restore_command
    from ypmatch.cli.demo import seed_demo_command
    from ypmatch.cli.evaluate import eval_command
    from ypmatch.cli.glossary import glossary_group
    from ypmatch.cli.imports import export_command, import_group
    from ypmatch.cli.mail import jobs_group, mail_group
    from ypmatch.cli.matching import matching_group
    from ypmatch.cli.missions import missions_group
    from ypmatch.cli.users import users_group

    app.cli.add_command(seed_demo_command)
    app.cli.add_command(users_group)
    app.cli.add_command(glossary_group)
    app.cli.add_command(eval_command)
    app.cli.add_command(missions_group)
    app.cli.add_command(matching_group)
    app.cli.add_command(import_group)
    app.cli.add_command(export_command)
    app.cli.add_command(mail_group)
    app.cli.add_command(jobs_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
