"""``ypmatch glossary …``: the curated glossary from the command line."""

import click

from ypmatch.extensions import db
from ypmatch.services.glossary import (
    active_concepts,
    import_shipped_glossary,
    import_shipped_relations,
)


@click.group("glossary")
def glossary_group() -> None:
    """Load and list the bilingual glossary."""


@glossary_group.command("load-shipped")
def load_shipped_command() -> None:
    """Add the concepts shipped with ypmatch that the database does not have yet, and the
    shipped related concepts of those that have none."""
    added = import_shipped_glossary(None, source="cli")
    related = import_shipped_relations(None, source="cli")
    db.session.commit()
    click.echo(
        f"Added {added} concepts and gave {related} their related concepts; "
        f"the glossary now has {len(active_concepts())}."
    )


@glossary_group.command("list")
def list_command() -> None:
    """List the curated concepts with their surface forms."""
    for concept in active_concepts():
        forms = ", ".join([*concept.forms_ja, *concept.forms_en])
        click.echo(f"{concept.key:<36} {concept.label_en} / {concept.label_ja}: {forms}")
