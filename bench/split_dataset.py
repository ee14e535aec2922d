"""Merge labelled sets and split their needs into a development half and a held-out half.

    .venv/bin/python bench/split_dataset.py OUT_PREFIX SET.json [SET.json ...]

Writes OUT_PREFIX.json (everything), OUT_PREFIX-dev.json and OUT_PREFIX-heldout.json. Every
half keeps all companies (distractors included); needs alternate by id within each set, so
both halves span every sector. Weights and thresholds are chosen on -dev only; the glossary is
never edited from the misses of -heldout.
"""

import json
import sys


def main() -> None:
    prefix, paths = sys.argv[1], sys.argv[2:]
    sets = []
    for path in paths:
        with open(path, encoding="utf-8") as file:
            sets.append(json.load(file))
    merged = {
        "format": "ypmatch-eval-v1",
        "description": " ".join(s["description"] for s in sets),
        "needs": [n for s in sets for n in s["needs"]],
        "companies": [c for s in sets for c in s["companies"]],
        "qrels": [q for s in sets for q in s["qrels"]],
    }
    halves = {"dev": set(), "heldout": set()}
    for s in sets:
        for position, need in enumerate(sorted(s["needs"], key=lambda n: n["id"])):
            halves["dev" if position % 2 == 0 else "heldout"].add(need["id"])
    outputs = {"": merged}
    for name, ids in halves.items():
        outputs[f"-{name}"] = {
            **merged,
            "description": f"The {name} half of {prefix}.json. " + merged["description"],
            "needs": [n for n in merged["needs"] if n["id"] in ids],
            "qrels": [q for q in merged["qrels"] if q["need"] in ids],
        }
    for suffix, document in outputs.items():
        with open(f"{prefix}{suffix}.json", "w", encoding="utf-8") as file:
            json.dump(document, file, ensure_ascii=False, indent=1)
            file.write("\n")
        print(
            f"{prefix}{suffix}.json: {len(document['needs'])} needs, "
            f"{len(document['companies'])} companies, {len(document['qrels'])} judgements"
        )


if __name__ == "__main__":
    main()
