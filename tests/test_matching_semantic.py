"""The semantic signal's encoder cache: each distinct text encoded once, shared backlogs."""

import numpy as np

from ypmatch.matching import semantic
from ypmatch.matching.documents import NeedDoc, TechnologyDoc
from ypmatch.matching.semantic import CachedEncoder, SemanticSignal, content_hash, sentences


class CountingEncoder:
    version = "counting-1"
    dimensions = 4

    def __init__(self):
        self.encoded: list[str] = []

    def encode(self, texts):
        self.encoded.extend(texts)
        return np.array([[len(t), 1.0, 0.0, 0.0] for t in texts], dtype=np.float32)


class SharedStore(dict):
    """A store another process fills while this one works through a backlog."""

    def __init__(self, written_elsewhere: dict):
        super().__init__()
        self.elsewhere = written_elsewhere

    def load(self, keys):
        self.update({key: self.elsewhere[key] for key in keys if key in self.elsewhere})


def test_each_distinct_text_is_encoded_once():
    base = CountingEncoder()
    encoder = CachedEncoder(base)
    first = encoder.encode(["a text", "another", "a text"])
    assert base.encoded == ["a text", "another"]
    again = encoder.encode(["another", "a text"])
    assert base.encoded == ["a text", "another"] and np.array_equal(again, first[[1, 0]])


def test_a_backlog_skips_what_another_process_stored_meanwhile():
    texts = [f"text number {i}" for i in range(80)]
    elsewhere: dict = {}

    class MeanwhileEncoder(CountingEncoder):
        def encode(self, batch):
            # While this batch encodes, another process stores texts 40–79.
            elsewhere.update({content_hash(t): np.ones(4, np.float32) for t in texts[40:]})
            return super().encode(batch)

    base = MeanwhileEncoder()
    progress = []
    vectors = CachedEncoder(base, SharedStore(elsewhere)).encode(
        texts, progress=lambda done, total: progress.append((done, total))
    )
    assert base.encoded == texts[:40]  # batch one, then what the other process had not done
    assert len(vectors) == 80 and progress[-1] == (80, 80)


def test_sentences_split_both_languages_and_drop_scraps():
    assert sentences("Leaks everywhere. Old pipes!\n漏水が多い。老朽管。 ok") == [
        "Leaks everywhere.", "Old pipes!", "漏水が多い。", "老朽管。",
    ]  # fmt: skip


def test_transient_texts_are_encoded_once_but_not_stored():
    base = CountingEncoder()
    encoder = CachedEncoder(base)
    encoder.encode(["a stored text"])
    encoder.encode_transient(["a search query"])
    encoder.encode_transient(["a stored text", "a search query"])
    assert base.encoded == ["a stored text", "a search query"]  # a repeated query: once
    assert content_hash("a search query") not in encoder.store
    encoder.encode_transient([f"query {i}" for i in range(600)])  # only recent ones are held
    encoder.encode_transient(["a search query"])
    assert base.encoded[-1] == "a search query"


class HashEncoder:
    """Unit vectors that depend only on the text, spread over 8 dimensions."""

    version = "hash-1"
    dimensions = 8

    def encode(self, texts):
        rows = [np.random.default_rng(int(content_hash(t)[:8], 16)).normal(size=8) for t in texts]
        return np.array([row / np.linalg.norm(row) for row in rows], dtype=np.float32)


def test_replaced_rows_move_the_moments_as_a_fresh_fit_would(monkeypatch):
    monkeypatch.setattr(semantic, "_MOMENT_SAMPLE", 5)  # moments over a sample of the rows
    needs = [NeedDoc(f"N{i}", f"need {i}") for i in range(4)]
    techs = [TechnologyDoc(f"T{i}", "C", f"technology {i}") for i in range(12)]
    fitted = SemanticSignal(HashEncoder()).fit(needs, techs)
    for row in [
        int(fitted.moment_rows[0]),
        next(r for r in range(12) if r not in fitted.moment_rows),
    ]:
        edited = TechnologyDoc(f"T{row}", "C", "a wholly different offering")
        replaced = fitted.replaced([2], [NeedDoc("N2", "reworded need")], [row], [edited])
        fresh = SemanticSignal(HashEncoder()).fit(
            [*needs[:2], NeedDoc("N2", "reworded need"), needs[3]],
            [*techs[:row], edited, *techs[row + 1 :]],
        )
        for name in ("mean_vector", "second_moment", "needs_mean", "needs_deviation"):
            assert np.allclose(getattr(replaced, name), getattr(fresh, name), atol=1e-6), name
        assert np.allclose(replaced.score_need(1), fresh.score_need(1), atol=1e-6)
