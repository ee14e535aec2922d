"""``ypmatch matching …``: keep the matcher's stored embeddings current."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("matching")
def matching_group():
    """The matcher's stored sentence embeddings."""


@matching_group.command("rebuild")
@click.option(
    "--prune", is_flag=True, help="Also delete embeddings made by other encoder versions."
)
@with_appcontext
def rebuild_command(prune: bool):
    """Encode and analyse every need and technology text the database does not keep yet.

    Run it after upgrading the encoder (or a large import) while the app keeps serving:
    the app matches on words until the embeddings are there, then picks them up.
    """
    from ypmatch.services.matching_stores import rebuild

    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=total, label="Encoding texts", show_pos=True)
            bar.__enter__()
        bar.update(done - bar.pos)

    try:
        counts = rebuild(progress=progress, prune=prune)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    click.echo(
        f"{counts['encoder']}: {counts['texts']} texts, {counts['encoded']} newly encoded, "
        f"{counts['analysed']} newly analysed"
        + (f", {counts['pruned']} rows of other versions deleted" if prune else "")
    )
