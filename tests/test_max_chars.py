"""Documents longer than ``max_chars`` are read in parts, with a warning naming them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import synthetic_text
from dedup.config import ConfigError, Settings, apply_settings
from dedup.document import Document, split_document
from dedup.scan import scan_documents


def test_parts_cover_the_text_and_end_at_paragraphs() -> None:
    text = "\n\n".join(synthetic_text(seed, words=300) for seed in range(12))
    doc = Document("long", text, date="2024-01-02", blocks=((0, 40, 0.0, 0), (1990, 2100, 0.5, 1)))
    parts = split_document(doc, 2000)
    assert "".join(p.text for p in parts) == text
    assert all(len(p.text) <= 2000 for p in parts)
    assert [p.id for p in parts] == [f"long#{k}" for k in range(1, len(parts) + 1)]
    assert all(p.date == "2024-01-02" for p in parts)
    assert all(p.text.endswith("\n\n") for p in parts[:-1])
    first_end = len(parts[0].text)
    assert parts[0].blocks[0] == (0, 40, 0.0, 0)
    # The second block goes to the part holding it, clipped and shifted.
    assert first_end < 2100 and parts[1].blocks[0] == (max(1990, first_end) - first_end, 2100 - first_end, 0.5, 1)


def test_a_text_without_spaces_is_cut_hard() -> None:
    parts = split_document(Document("x", "a" * 2500), 1000)
    assert [len(p.text) for p in parts] == [1000, 1000, 500]


def test_short_documents_are_kept_whole() -> None:
    doc = Document("short", "One sentence.")
    assert split_document(doc, 1000) == [doc]


def test_max_chars_is_validated() -> None:
    with pytest.raises(ConfigError):
        apply_settings(Settings(), {"max_chars": "10"})


def test_scan_reports_the_split_and_pairs_the_parts() -> None:
    long_text = "\n\n".join(synthetic_text(seed, words=300) for seed in range(6))
    copy = long_text[4000:8000]
    settings = apply_settings(Settings(jobs=1), {"max_chars": "5000"})
    result = scan_documents([Document("long", long_text), Document("copy", copy)], settings).to_dict()
    ids = [d["id"] for d in result["documents"]]
    assert ids[0] == "long#1" and ids[-1] == "copy" and len(ids) > 3
    assert result["summary"]["split_documents"] == 1 and result["summary"]["skipped_inputs"] == 0
    assert "long" in result["problems"][0]["message"] and "max_chars" in result["problems"][0]["message"]
    assert any(p["b"] == "copy" and p["a"].startswith("long#") for p in result["pairs"])


def test_the_cli_warns_on_stderr(tmp_path: Path) -> None:
    (tmp_path / "setup.cfg").write_text("[dedup]\nmax_chars = 3000\n", encoding="utf-8")
    (tmp_path / "big.txt").write_text("\n\n".join(synthetic_text(seed, words=200) for seed in range(4)), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "dedup", "scan", "big.txt", "--format", "json", "--no-progress", "--jobs", "1"],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert run.returncode in (0, 1) and "Traceback" not in run.stderr
    assert "big.txt" in run.stderr and "max_chars" in run.stderr
    assert all(d["id"].startswith("big.txt#") for d in json.loads(run.stdout)["documents"])


def test_diff_refuses_a_document_over_max_chars_and_names_it(tmp_path: Path) -> None:
    """A scan reads such a document in parts; diff cannot, so it says which file and which setting (exit 2)."""
    (tmp_path / "setup.cfg").write_text("[dedup]\nmax_chars = 3000\n", encoding="utf-8")
    text = "\n\n".join(synthetic_text(seed, words=200) for seed in range(4))
    (tmp_path / "big.txt").write_text(text, encoding="utf-8")
    (tmp_path / "small.txt").write_text(text[:2000], encoding="utf-8")
    command = [sys.executable, "-m", "dedup", "diff", "small.txt", "big.txt", "--no-pager"]
    run = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "big.txt" in run.stderr and "max_chars" in run.stderr and "small.txt" not in run.stderr
    (tmp_path / "setup.cfg").write_text("[dedup]\nmax_chars = 30000\n", encoding="utf-8")
    assert subprocess.run(command, capture_output=True, text=True, cwd=tmp_path).returncode in (0, 1)


def test_alignment_holds_documents_within_the_budget(monkeypatch) -> None:
    """verify_pairs keeps at most 2 * max_chars characters of prepared text
    (preparing a document again when it comes back) and finds the same pairs."""
    import dedup.passages.verify as pairs_module
    from dedup.passages.pairs import verify_pairs

    base = [synthetic_text(seed, words=240) for seed in range(4)]
    docs = [Document(f"d{k}", base[k] + "\n\n" + base[(k + 1) % 4][:900]) for k in range(4)]
    candidates = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    roomy = verify_pairs(docs, candidates, Settings())
    held: list[int] = []
    prepare = pairs_module.prepare

    def counting(text, masks=None):
        held.append(len(text))
        return prepare(text, masks)

    monkeypatch.setattr(pairs_module, "prepare", counting)
    tight = verify_pairs(docs, candidates, apply_settings(Settings(), {"max_chars": str(max(len(d.text) for d in docs))}))
    assert [(p.i, p.j, p.relation) for p in tight] == [(p.i, p.j, p.relation) for p in roomy] and roomy
    assert len(held) > len(docs)  # documents were dropped and prepared again


def test_a_long_hard_wrapped_paragraph_takes_no_memory_per_character() -> None:
    """The paragraph pattern of hard-wrapped text kept a backtracking entry
    per character (about 110 bytes each: 1.1 GB for a 10 MB paragraph)."""
    script = (
        "import resource\n"
        "from dedup.boilerplate.blocks import split_text_blocks\n"
        "line = 'a hard wrapped line of plain text that goes on for seventy characters\\n'\n"
        "text = 'Title\\n\\n' + line * 40000\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "blocks = split_text_blocks(text)\n"
        "print(len(blocks), (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    blocks, grown_mb = map(int, run.stdout.split())
    assert blocks >= 1 and grown_mb < 100  # 2.8 million characters
