"""Speed of the matcher beside a plain char n-gram TF-IDF pipeline, on synthetic corpora.

    .venv/bin/python bench/matching_speed.py                 # 1k, 10k and 100k technologies
    .venv/bin/python bench/matching_speed.py --sizes small   # 1k and 10k only (a few minutes)
    .venv/bin/python bench/matching_speed.py --eval-process 1000x200   # whole processes

Three pipelines: the matcher on words alone ("ypmatch lexical"), the hybrid the app runs with
its embeddings already stored ("ypmatch hybrid": vectors are looked up, as after a process
start; stand-in vectors derived from each text's hash, since what is timed is scoring, not the
encoder — encoding is timed on its own, per text), and char n-gram TF-IDF. "one need" ranks an
ad-hoc need text (analysed, for the hybrid also encoded); "stored need" ranks a need already in
the index by id, as the app's need page does.

Each size runs in its own process (so peak memory is that size's alone): the pipelines fit
the same corpus, rank one fresh need (warm: index built, text not yet analysed), rank every
need (top 10 companies each), and refit after one technology is edited. Times are CPU time of
the benchmarking thread (wall-clock is printed too: on a shared machine it depends on the
neighbours); the matcher's fit runs in one process here (the memory sampler is a thread, and
the matcher only forks analysis workers from a single-threaded process). Peak memory is the
resident set size sampled during each step, above what the process held before it.

The corpus: words drawn with Zipf frequencies from large pools (pseudo-English words, kanji
compounds, katakana loanwords) with glossary surface forms sprinkled in; technologies 70 %
Japanese, 10 % mixed, 20 % English; needs mostly English; 100–200 words each.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ypmatch.matching import BilingualMatcher, Glossary, NeedDoc, TechnologyDoc  # noqa: E402
from ypmatch.matching.semantic import CachedEncoder, Usem3Encoder  # noqa: E402

PIPELINE_NAMES = ("ypmatch lexical", "ypmatch hybrid", "char_wb(2,3)")
SIZES = {
    "small": [(1_000, 200), (10_000, 2_000)],
    "all": [(1_000, 200), (10_000, 2_000), (100_000, 5_000)],
    "large": [(100_000, 5_000)],
}
BASELINE_RANK_BUDGET_SECONDS = 120.0  # beyond this the baseline's rank-all time is extrapolated


# synthetic corpus ----------------------------------------------------------------------
_SYLLABLES = (  # noqa: SIM905
    "ka ter mon pro sta lin re de con tra ment in ex com vel op na ri to ge ble al ic "
    "tion ar sys pha cor ven dra mi lo su per ox hy cla gra ment bo ne fu ra"
).split()
_KANJI = (
    "水道管理処浄化汚泥排下上施設計画整備維持運転発電力熱供給交通道路港湾廃棄物焼却再生資源"
    "環境気候変動防災洪水雨量監視測定制御技術開発設計建設工事点検修繕更新診断分析評価調査"
    "省電池太陽風力地中小型大型高効率低炭素削減回収利用循環生活都市地域住民安全衛生医療情報"
    "通信網自動車両鉄軌新旧配送送電変圧器材料品質検査装置機械部品工場事業業務支援運営保守"
)
_KATAKANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモラリルレロン"
_PARTICLES = ("の", "を", "に", "は", "と", "で", "や", "から")
_ENDINGS = ("を行います。", "を提供します。", "が可能です。", "を実現しました。", "に対応します。")
_ENGLISH_FUNCTION = ("the", "of", "and", "to", "for", "in", "with", "a", "on", "by")


class CorpusGenerator:
    def __init__(self, glossary: Glossary | None = None, seed: int = 7, pool: int = 30_000):
        self.rng = np.random.default_rng(seed)
        rng = self.rng
        english = {
            "".join(rng.choice(_SYLLABLES, size=rng.integers(2, 5))) for _ in range(pool * 2)
        }
        self.english = np.array(sorted(english)[:pool])
        kanji = list(_KANJI)
        japanese = {"".join(rng.choice(kanji, size=rng.integers(2, 4))) for _ in range(pool)}
        katakana = {
            "".join(rng.choice(list(_KATAKANA), size=rng.integers(3, 6))) + "ー"
            for _ in range(pool // 5)
        }
        self.japanese = np.array(sorted(japanese | katakana))
        rng.shuffle(self.english)
        rng.shuffle(self.japanese)
        forms_en, forms_ja = [], []
        for concept in glossary or ():
            forms_en += list(concept.surface_forms.get("en", ()))
            forms_ja += list(concept.surface_forms.get("ja", ()))
        self.forms_en = np.array(forms_en or ["non-revenue water"])
        self.forms_ja = np.array(forms_ja or ["無収水"])
        self._p_en = _zipf(len(self.english))
        self._p_ja = _zipf(len(self.japanese))

    def english_text(self, n_words: int) -> str:
        rng = self.rng
        words = rng.choice(self.english, size=n_words, p=self._p_en).tolist()
        for i in np.flatnonzero(rng.random(n_words) < 0.25):
            words[i] = _ENGLISH_FUNCTION[i % len(_ENGLISH_FUNCTION)]
        for i in np.flatnonzero(rng.random(n_words) < 0.05):
            words[i] = str(rng.choice(self.forms_en))
        sentences = [" ".join(words[i : i + 15]) + "." for i in range(0, n_words, 15)]
        return " ".join(sentences).capitalize()

    def japanese_text(self, n_words: int) -> str:
        rng = self.rng
        words = rng.choice(self.japanese, size=n_words, p=self._p_ja).tolist()
        for i in np.flatnonzero(rng.random(n_words) < 0.05):
            words[i] = str(rng.choice(self.forms_ja))
        parts = []
        for i, word in enumerate(words):
            parts.append(word)
            parts.append(_ENDINGS[i % 5] if i % 8 == 7 else _PARTICLES[i % len(_PARTICLES)])
        return "".join(parts)

    def text(self, japanese_share: float) -> tuple[str, str]:
        rng = self.rng
        n_words = int(rng.integers(100, 200))
        roll = rng.random()
        if roll < japanese_share:
            return self.japanese_text(4), self.japanese_text(n_words)
        if roll < japanese_share + 0.1:  # mixed: Japanese with an English summary
            half = n_words // 2
            return self.japanese_text(4), self.japanese_text(half) + " " + self.english_text(half)
        return self.english_text(5), self.english_text(n_words)

    def corpus(self, n_techs: int, n_needs: int):
        techs = []
        company = 0
        while len(techs) < n_techs:
            for j in range(int(self.rng.integers(1, 6))):
                if len(techs) == n_techs:
                    break
                title, description = self.text(japanese_share=0.7)
                techs.append(
                    TechnologyDoc(f"C{company:06d}-T{j}", f"C{company:06d}", title, description)
                )
            company += 1
        needs = [
            NeedDoc(f"N{i:05d}", *self.text(japanese_share=0.15), country="PH")
            for i in range(n_needs)
        ]
        return needs, techs


def _zipf(n: int, exponent: float = 1.0) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    return weights / weights.sum()


# measuring ---------------------------------------------------------------------------------
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE


class PeakMemory:
    """Peak resident memory during a block, above the level at its start (sampled every 2 ms)."""

    def __enter__(self):
        self.start = _rss()
        self.peak = self.start
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while self._running:
            self.peak = max(self.peak, _rss())
            time.sleep(0.002)

    def __exit__(self, *exc):
        self._running = False
        self._thread.join()
        self.peak = max(self.peak, _rss())
        self.delta_mb = (self.peak - self.start) / 1e6


def _timed(function):
    """(result, CPU seconds of this thread, wall seconds, peak MB above the start)."""
    with PeakMemory() as memory:
        started, started_cpu = time.perf_counter(), time.thread_time()
        result = function()
        cpu = time.thread_time() - started_cpu
        seconds = time.perf_counter() - started
    return result, cpu, seconds, memory.delta_mb


class StoredVectors:
    """Unit vectors derived from each text's hash: what a store of real embeddings hands back,
    at the cost of a lookup (the encoder itself is timed apart, per text)."""

    version = "stand-in"
    dimensions = 512

    def encode(self, texts):
        vectors = (
            np.stack(
                [np.random.default_rng(abs(hash(text))).standard_normal(512) for text in texts]
            ).astype(np.float32)
            if texts
            else np.zeros((0, 512), np.float32)
        )
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


class OurPipeline:
    def __init__(self, signals: str):
        self.name = f"ypmatch {signals}"
        self.encoder = CachedEncoder(StoredVectors())
        self.matcher = BilingualMatcher(signals=signals, encoder=self.encoder)

    def fit(self, needs, techs):
        self.matcher.fit(needs, techs)

    def rank_one(self, need: NeedDoc):
        return self.matcher.rank_companies_for_need(need, k=10)

    def rank_stored(self, need_id: str):
        return self.matcher.rank_companies_for_need(need_id, k=10)

    def rank_all(self, budget: float):
        return sum(1 for _ in self.matcher.rank_all_needs(k=10)), None


class CharNgramPipeline:
    """TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3)), companies by best technology."""

    name = "char_wb(2,3)"

    def fit(self, needs, techs):
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3))
        texts = [f"{d.title}\n{d.description}" for d in [*needs, *techs]]
        matrix = self.vectorizer.fit_transform(texts)
        self.needs = matrix[: len(needs)]
        self.techs_T = matrix[len(needs) :].T.tocsr()
        companies = [t.company_id for t in techs]  # technologies arrive grouped by company
        self.starts = np.flatnonzero(
            [True] + [a != b for a, b in zip(companies, companies[1:], strict=False)]
        )

    def _top(self, vectors):
        scores = (vectors @ self.techs_T).toarray()
        best = np.maximum.reduceat(scores, self.starts, axis=1)
        return np.argsort(-best, axis=1)[:, :10]

    def rank_one(self, need: NeedDoc):
        return self._top(self.vectorizer.transform([f"{need.title}\n{need.description}"]))

    def rank_stored(self, need_id: str):
        row = int(need_id[1:])  # synthetic needs are N0, N1 … in order
        return self._top(self.needs[row])

    def rank_all(self, budget: float):
        n = self.needs.shape[0]
        block = max(1, 48_000_000 // (8 * self.techs_T.shape[1]))
        started = time.perf_counter()
        done = 0
        while done < n:
            self._top(self.needs[done : done + block])
            done = min(n, done + block)
            if time.perf_counter() - started > budget and done < n:
                return done, (time.perf_counter() - started) * n / done
        return done, None


def _fresh(text: str) -> str:
    return text.encode("utf-8").decode("utf-8")


def run_size(n_techs: int, n_needs: int, names=PIPELINE_NAMES) -> dict:
    glossary = Glossary.default()
    generator = CorpusGenerator(glossary, seed=n_techs)
    needs, techs = generator.corpus(n_techs, n_needs)
    queries = [NeedDoc(f"Q{i}", *generator.text(japanese_share=0.15)) for i in range(30)]
    chars = sum(len(d.title) + len(d.description) for d in [*needs, *techs])
    report = {"technologies": n_techs, "needs": n_needs, "megachars": round(chars / 1e6, 1)}
    pipelines = (OurPipeline("lexical"), OurPipeline("hybrid"), CharNgramPipeline())
    for pipeline in (p for p in pipelines if p.name in names):
        row = {}
        _, row["fit_s"], row["fit_wall_s"], row["fit_mb"] = _timed(
            lambda p=pipeline: p.fit(needs, techs)
        )
        pipeline.rank_one(queries[0])  # warm-up (first call builds lazy structures)
        times, walls = [], []
        for query in queries[1:]:
            started, started_cpu = time.perf_counter(), time.thread_time()
            pipeline.rank_one(query)
            times.append(time.thread_time() - started_cpu)
            walls.append(time.perf_counter() - started)
        row["one_need_ms"] = statistics.median(times) * 1000
        row["one_need_wall_ms"] = statistics.median(walls) * 1000
        stored = []
        for need in needs[:30]:
            started_cpu = time.thread_time()
            pipeline.rank_stored(need.id)
            stored.append(time.thread_time() - started_cpu)
        row["stored_need_ms"] = statistics.median(stored) * 1000
        (done, estimate), cpu, seconds, row["rank_all_mb"] = _timed(
            lambda p=pipeline: p.rank_all(BASELINE_RANK_BUDGET_SECONDS)
        )
        row["rank_all_s"] = cpu * n_needs / done if estimate is not None else cpu
        row["rank_all_wall_s"] = estimate if estimate is not None else seconds
        row["rank_all_extrapolated"] = estimate is not None
        # The app reloads every text from the database before a refit: fresh string objects
        # (so their hashes are computed again), one description edited.
        edited = [
            TechnologyDoc(t.id, t.company_id, _fresh(t.title), _fresh(t.description)) for t in techs
        ]
        old = edited[len(edited) // 2]
        edited[len(edited) // 2] = TechnologyDoc(
            old.id, old.company_id, old.title, old.description + " 漏水探知を追加しました。"
        )
        _, row["refit_s"], row["refit_wall_s"], _ = _timed(
            lambda p=pipeline, e=edited: p.fit(needs, e)
        )
        row["process_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
        report[pipeline.name] = row
    return report


# the whole `ypmatch eval` process beside a char n-gram process ------------------------------
def write_eval_dataset(path: Path, n_companies: int, n_needs: int) -> None:
    """A synthetic ypmatch-eval-v1 file: one technology per company, three judgements a need."""
    generator = CorpusGenerator(Glossary.default(), seed=n_companies + 1)
    needs, techs = generator.corpus(n_companies, n_needs)
    companies = {
        f"C{i:06d}": [{"id": f"C{i:06d}-T1", "title": t.title, "description": t.description}]
        for i, t in enumerate(techs)
    }
    rng = np.random.default_rng(3)
    names = sorted(companies)
    document = {
        "format": "ypmatch-eval-v1",
        "needs": [
            {
                "id": n.id,
                "city": "Cebu",
                "country": "PH",
                "title": n.title,
                "description": n.description,
            }
            for n in needs
        ],
        "companies": [{"id": c, "name": c, "technologies": companies[c]} for c in names],
        "qrels": [
            {"need": n.id, "company": str(c), "relevance": int(rng.integers(1, 3))}
            for n in needs
            for c in rng.choice(names, size=3, replace=False)
        ],
    }
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def char_ngram_eval(path: Path) -> None:
    """What `ypmatch eval` does, with TfidfVectorizer(char_wb, (2, 3)) as the matcher."""
    from ypmatch.matching.evaluation import load_dataset, score_rankings

    dataset = load_dataset(path)
    pipeline = CharNgramPipeline()
    pipeline.fit(dataset.needs, sorted(dataset.technologies, key=lambda t: (t.company_id, t.id)))
    companies = sorted(dataset.company_ids)
    rankings = {}
    for start in range(0, len(dataset.needs), 200):
        top = pipeline._top(pipeline.needs[start : start + 200])
        for need, row in zip(dataset.needs[start : start + 200], top, strict=True):
            rankings[need.id] = [companies[i] for i in row]
    print(json.dumps(score_rankings(dataset, rankings, 10)))


PEER_HYBRID = ROOT.parent / "shared" / "bench" / "peer_hybrid_pipeline.py"


def compare_eval_processes(
    n_companies: int = 10_000, n_needs: int = 2_000, signals: str = "both"
) -> dict:
    """Whole processes on one synthetic dataset, each from a cold start (nothing cached):
    `ypmatch eval --signals lexical` beside char n-grams, and `ypmatch eval` (hybrid) beside
    the peer hybrid (char n-grams + the same encoder + rank fusion), which both encode every
    text once."""
    run_eval = (
        "import sys; from ypmatch.cli.evaluate import eval_command; eval_command(sys.argv[1:])"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "synthetic_eval.json"
        write_eval_dataset(path, n_companies, n_needs)
        commands = {}
        if signals in ("lexical", "both"):
            commands["ypmatch eval --signals lexical"] = [
                sys.executable,
                "-c",
                run_eval,
                str(path),
                "--signals",
                "lexical",
            ]
            commands["char_wb(2,3) eval"] = [sys.executable, __file__, "--char-eval", str(path)]
        if signals in ("hybrid", "both"):
            commands["ypmatch eval (hybrid)"] = [sys.executable, "-c", run_eval, str(path)]
            if PEER_HYBRID.exists():
                commands["peer hybrid"] = [sys.executable, str(PEER_HYBRID), str(path)]  # fmt: skip
        seconds, cpu = {}, {}
        for name, command in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run(
                command,
                check=True,
                capture_output=True,
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )
            seconds[name] = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"\nwhole eval process, {n_companies:,} companies × {n_needs:,} needs:")
    print(f"  {'':32} {'wall s':>8} {'CPU s':>8}")
    for name in commands:
        print(f"  {name:32} {seconds[name]:8.1f} {cpu[name]:8.1f}")
    for ours, theirs in (
        ("ypmatch eval --signals lexical", "char_wb(2,3) eval"),
        ("ypmatch eval (hybrid)", "peer hybrid"),
    ):
        if theirs in seconds:
            print(
                f"  {ours} / {theirs}: {seconds[ours] / seconds[theirs]:.2f} wall-clock, "
                f"{cpu[ours] / cpu[theirs]:.2f} CPU"
            )
    return seconds


# reporting ---------------------------------------------------------------------------------
_COLUMNS = [
    ("fit_s", "fit s"),
    ("one_need_ms", "one need ms"),
    ("stored_need_ms", "stored need ms"),
    ("rank_all_s", "rank all s"),
    ("refit_s", "refit s"),
    ("rank_all_mb", "rank-all +MB"),
    ("fit_mb", "fit +MB"),
    ("process_peak_mb", "peak RSS MB"),
]


def print_report(report: dict) -> None:
    base = report.get("char_wb(2,3)")
    print(
        f"\n{report['technologies']:,} technologies × {report['needs']:,} needs "
        f"({report['megachars']} M chars)"
    )
    print(f"{'':16}" + "".join(f"{label:>15}" for _, label in _COLUMNS))
    names = [name for name in PIPELINE_NAMES if name in report]
    for name in names:
        row = report[name]
        cells = []
        for key, _ in _COLUMNS:
            value = f"{row[key]:.3f}" if row[key] < 10 else f"{row[key]:.1f}"
            if key == "rank_all_s" and row.get("rank_all_extrapolated"):
                value = "~" + value
            cells.append(f"{value:>15}")
        print(f"{name:16}" + "".join(cells))
    for name in names if base else ():
        if name == "char_wb(2,3)":
            continue
        ours = report[name]
        # Ratios of near-zero memory growth say nothing, so they are left out.
        ratios = "".join(
            f"{ours[key] / base[key]:>15.2f}"
            if base[key] and not (key.endswith("_mb") and base[key] < 5)
            else f"{'-':>15}"
            for key, _ in _COLUMNS
        )
        print(f"{'ratio ' + name.split()[1]:16}" + ratios)
    for name in names:
        row = report[name]
        print(
            f"  wall-clock, {name}: fit {row['fit_wall_s']:.2f} s, one need "
            f"{row['one_need_wall_ms']:.2f} ms, rank all {row['rank_all_wall_s']:.2f} s, "
            f"refit {row['refit_wall_s']:.3f} s"
        )
    print(
        "(times are CPU seconds of the benchmarking thread, steady on a shared machine; "
        "peak RSS is the process's, so later rows include the earlier runs)"
    )


def encoder_speed() -> None:
    """Milliseconds per text for the real encoder, at two lengths (one text per call)."""
    encoder = Usem3Encoder()
    generator = CorpusGenerator(Glossary.default(), seed=1)
    encoder.encode(["warm-up"])
    for label, words in (("~100 words", 100), ("~1,000 characters", 170)):
        texts = [generator.english_text(words) for _ in range(20)]
        started = time.perf_counter()
        for text in texts:
            encoder.encode([text])
        each = (time.perf_counter() - started) / len(texts) * 1000
        print(f"encoding one text of {label}: {each:.1f} ms ({len(texts[0])} characters)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", choices=sorted(SIZES), default="all")
    parser.add_argument(
        "--worker", nargs=2, type=int, metavar=("TECHS", "NEEDS"), help=argparse.SUPPRESS
    )
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument(
        "--eval-process",
        nargs="?",
        const="10000x2000",
        metavar="COMPANIESxNEEDS",
        help="time the whole `ypmatch eval` process beside a char n-gram one (default 10000x2000)",
    )
    parser.add_argument(
        "--eval-signals",
        choices=("lexical", "hybrid", "both"),
        default="both",
        help="with --eval-process: which pairs of processes to compare (hybrid ones encode "
        "every text: about 25 ms a text)",
    )
    parser.add_argument(
        "--pipelines",
        default=",".join(PIPELINE_NAMES),
        help="comma-separated subset of: " + ", ".join(PIPELINE_NAMES),
    )
    parser.add_argument("--char-eval", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    names = tuple(name.strip() for name in args.pipelines.split(","))
    if args.worker:
        print(json.dumps(run_size(*args.worker, names=names)))
        return
    if args.char_eval:
        char_ngram_eval(args.char_eval)
        return
    if args.eval_process:
        companies, needs = (int(n) for n in args.eval_process.split("x"))
        compare_eval_processes(companies, needs, args.eval_signals)
        return
    encoder_speed()
    reports = []
    for n_techs, n_needs in SIZES[args.sizes]:
        # One process per size, so that each size's peak memory is its own.
        output = subprocess.run(
            [
                sys.executable,
                __file__,
                "--worker",
                str(n_techs),
                str(n_needs),
                "--pipelines",
                ",".join(names),
            ],  # fmt: skip
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        report = json.loads(output.strip().splitlines()[-1])
        reports.append(report)
        print_report(report)
        sys.stdout.flush()
    if args.json:
        args.json.write_text(json.dumps(reports, indent=1) + "\n")


if __name__ == "__main__":
    main()
