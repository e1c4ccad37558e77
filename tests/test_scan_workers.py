"""What the main process of a scan does while a local engine's workers wait."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import edit_words, synthetic_text

from dedup.config import Settings
from dedup.document import Document
from dedup.report.formats import to_json
from dedup.scan import scan_corpus, scan_documents

# The modules the passage and provenance stages' worker jobs run in.
STAGE_MODULES = ("dedup.passages.verify", "dedup.passages.candidates", "dedup.provenance.pairs")

# Run in a fresh interpreter (the test process has imported everything):
# each worker writes, as it starts, which of the modules it already holds.
_PROBE = textwrap.dedent(
    """
    import json, sys
    import dedup.engine.local as local
    from dedup.config import PassageSettings, Settings
    from dedup.scan import scan_corpus

    started = local._worker_start

    def probe():
        started()
        with open(sys.argv[2], "a", encoding="utf-8") as out:
            out.write(json.dumps([name in sys.modules for name in json.loads(sys.argv[3])]) + "\\n")

    local._worker_start = probe
    settings = Settings(jobs=2, batch_size=8, passages=PassageSettings(enabled=sys.argv[4] == "on"))
    result = scan_corpus([sys.argv[1]], settings)
    print(result.stats["documents"])
    """
)


def _worker_modules(tmp_path, passages: str) -> list[list[bool]]:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"id": f"d{k}", "text": synthetic_text(k, words=120)}) + "\n" for k in range(40)), encoding="utf-8")
    probes = tmp_path / f"probes-{passages}.jsonl"
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(corpus), str(probes), json.dumps(STAGE_MODULES), passages], capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "40"
    return [json.loads(line) for line in probes.read_text(encoding="utf-8").splitlines()]


def test_workers_of_a_passage_scan_start_with_the_text_stages_imported(tmp_path):
    workers = _worker_modules(tmp_path, "on")
    assert len(workers) == 2
    assert all(all(held) for held in workers)


def test_workers_of_a_document_level_scan_do_not_import_the_text_stages(tmp_path):
    workers = _worker_modules(tmp_path, "off")
    assert workers and not any(any(held) for held in workers)


def _stable(result) -> dict:
    out = json.loads(to_json(result))
    out.pop("timing")
    return out


def test_stages_started_early_give_what_they_give_in_order(tmp_path):
    # scan_corpus makes the boilerplate report while stages 2-4 run, finds the passage pairs while stage 5 runs and
    # makes the clusters again while the provenance signals are read; scan_documents does each after the one before.
    base = synthetic_text(1)
    other = synthetic_text(2)
    docs = [Document("a", base), Document("b", edit_words(base, 0.05, 2)), Document("o", other), Document("o2", edit_words(other, 0.12, 3))]
    docs += [Document(f"c{k}", synthetic_text(10 + k, words=150) + "\n\nShare this article. All rights reserved.") for k in range(30)]
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in docs), encoding="utf-8")
    settings = Settings(jobs=2, batch_size=8)
    from_files = scan_corpus([path], settings)
    assert _stable(from_files) == _stable(scan_documents(docs, settings))
    assert from_files.stats["documents_with_boilerplate"] > 0 and from_files.pairs
    assert from_files.stats["passage_near_duplicate_pairs"] > 0  # the clusters were made again
    assert from_files.timing["stage_seconds"]["boilerplate"] > 0


def test_the_boilerplate_masks_started_early_are_made_once(tmp_path, monkeypatch):
    # the passage pairs start with the masks, and stage 6 returns the same ones
    import dedup.boilerplate.detect as detect

    made = []
    reuse_masks = detect.reuse_masks
    monkeypatch.setattr(detect, "reuse_masks", lambda *args: made.append(reuse_masks(*args)) or made[-1])
    docs = [Document(f"c{k}", synthetic_text(10 + k, words=150) + "\n\nShare this article. All rights reserved.") for k in range(20)]
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in docs), encoding="utf-8")
    result = scan_corpus([path], Settings(jobs=2, batch_size=8))
    assert result.stats["documents_with_boilerplate"] > 0
    assert len(made) == 1 and made[0]


def test_an_error_of_the_boilerplate_report_made_during_stages_2_to_5_is_the_scans(tmp_path, monkeypatch):
    import dedup.boilerplate.detect as detect

    def broken(*args, **kwargs):
        raise RuntimeError("boilerplate report failed")

    monkeypatch.setattr(detect, "boilerplate_report", broken)
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps({"id": f"d{k}", "text": synthetic_text(k, words=120)}) + "\n" for k in range(20)), encoding="utf-8")
    with pytest.raises(RuntimeError, match="boilerplate report failed"):
        scan_corpus([path], Settings(jobs=2, batch_size=8))


@pytest.mark.parametrize("seed", range(5))
def test_the_reported_pairs_positions_taken_before_stage_5_are_those_of_its_rows(seed):
    import random

    from dedup.near.table import DocumentTable, pair_results
    from dedup.near.verification import Verified
    from dedup.passages.pair_rows import pair_positions
    from dedup.text_stages import reported_positions

    rng = random.Random(seed)
    n = 60
    table = DocumentTable(ids=[f"doc-{rng.randrange(10**6)}-{k}" for k in range(n)])
    order = list(range(n))
    rng.shuffle(order)
    groups = sorted(sorted(order[k : k + size]) for k, size in zip(range(0, 30, 6), (2, 3, 4, 2, 5)))
    heads = [k for k in range(n) if not any(k in group[1:] for group in groups)]
    near = sorted({tuple(sorted(rng.sample(heads, 2))) for _ in range(25)})
    near = [Verified(i, j, 0.9, 0.9, 0.9) for i, j in near]
    counts = np.array([rng.randrange(0, 5) for _ in range(n)])
    rows, _ = pair_results(table, counts, groups, near)
    assert reported_positions(groups, near).tolist() == pair_positions(rows, table.ids).tolist()
    assert reported_positions([], []).shape == (0, 2)


@pytest.mark.parametrize("module, name", [
    ("dedup.passages.pairs", "index_pairs"),  # on the thread that finds the passage pairs from before stage 5
    ("dedup.provenance.pairs", "direct_pairs"),  # on the thread that directs the pairs while the clusters are made again
    ("dedup.text_stages", "recluster"),  # in this process, while the pairs are directed on another thread
])
def test_an_error_of_a_stage_run_alongside_another_is_the_scans(tmp_path, monkeypatch, module, name):
    import importlib

    def broken(*args, **kwargs):
        raise RuntimeError(f"{name} failed")

    monkeypatch.setattr(importlib.import_module(module), name, broken)
    base = synthetic_text(1)
    docs = [Document("a", base), Document("b", edit_words(base, 0.05, 2))]
    docs += [Document(f"c{k}", synthetic_text(10 + k, words=150) + "\n\nShare this article. All rights reserved.") for k in range(30)]
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in docs), encoding="utf-8")
    with pytest.raises(RuntimeError, match=f"{name} failed"):
        scan_corpus([path], Settings(jobs=2, batch_size=8))
