"""``ypmatch eval``: score the matcher on a labelled dataset (no database needed)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ypmatch.matching.evaluation import DatasetError, evaluate, load_dataset
from ypmatch.matching.glossary import Glossary, GlossaryError
from ypmatch.matching.matcher import SIGNAL_SETS

USAGE_ERROR = 2


@click.command("eval")
@click.argument("dataset", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--k",
    "k",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Cut-off rank for the metrics and the rankings file.",
)
@click.option(
    "--rankings",
    "rankings_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the top k company ids per need to this JSON file.",
)
@click.option(
    "--glossary-from-db",
    is_flag=True,
    help="Use the curated glossary from the database instead of the shipped one.",
)
@click.option(
    "--signals",
    type=click.Choice(SIGNAL_SETS),
    default="hybrid",
    show_default=True,
    help="Which signals rank: both fused (what the app uses), TF-IDF alone or embeddings alone.",
)
@click.option(
    "--cache",
    "cache_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep sentence embeddings in this directory between runs (default: encode afresh).",
)
def eval_command(
    dataset: Path,
    k: int,
    rankings_path: Path | None,
    glossary_from_db: bool,
    signals: str,
    cache_dir: Path | None,
):
    """Rank companies for every need in DATASET (ypmatch-eval-v1) and print the metrics.

    The last line printed is one JSON object: signals, needs_evaluated, ndcg@k, recall@k,
    mrr@k, fit_seconds and rank_seconds.
    """
    try:
        data = load_dataset(dataset)
    except DatasetError as error:
        _fail(f"invalid dataset: {error}")
    glossary = None
    if glossary_from_db:
        try:
            concepts = _concepts_from_database()
            glossary = Glossary.from_concepts(concepts) if concepts else None
        except GlossaryError as error:
            _fail(f"invalid glossary in the database: {error}")
        if glossary is None:
            click.echo("The database holds no glossary: using the shipped one.", err=True)
    result = evaluate(data, k=k, glossary=glossary, signals=signals, cache_dir=cache_dir)
    if rankings_path is not None:
        rankings_path.write_text(
            json.dumps(result.rankings, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
    cross = result.metrics.get(f"cross_language_recall@{k}")
    click.echo(
        f"{len(data.needs)} needs, {len(data.company_ids)} companies, "
        f"{len(data.technologies)} technologies; "
        f"cross-language recall@{k}: "
        + (
            f"{cross:.4f} over {result.metrics['cross_language_needs']} needs"
            if cross is not None
            else "n/a"
        )
    )
    click.echo(json.dumps(result.summary(k)))


def _concepts_from_database() -> list[dict]:
    # Only here is the app loaded: evaluating with the shipped glossary never touches Flask.
    from flask.cli import ScriptInfo

    from ypmatch.services.glossary import load_glossary_from_database

    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    with app.app_context():
        return load_glossary_from_database()


def _fail(message: str):
    click.echo(f"Error: {message}", err=True)
    raise click.exceptions.Exit(USAGE_ERROR)
