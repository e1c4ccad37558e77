"""What the main process of a scan does while a local engine's workers wait."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from conftest import synthetic_text

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

