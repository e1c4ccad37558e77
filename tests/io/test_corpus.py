"""Reading corpora: formats, ids, metadata, and every kind of bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path

from dedup.io.corpus import CorpusReader, read_corpus


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_folder_ids_are_relative_paths(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("alpha text", encoding="utf-8")
    (tmp_path / "sub" / "b.md").write_text("beta text", encoding="utf-8")
    (tmp_path / "ignored.csv").write_text("x,y", encoding="utf-8")
    docs, problems = read_corpus([tmp_path])
    assert [d.id for d in docs] == ["a.txt", "sub/b.md"]
    # A file of a format not read is skipped, never silently.
    assert [(p.origin, p.kind, p.skipped) for p in problems] == [(str(tmp_path / "ignored.csv"), "unknown-format", True)]


def test_sample_corpus_reads_five_documents(corpus_dir: Path) -> None:
    docs, problems = read_corpus([corpus_dir])
    assert len(docs) == 5 and problems == []
    assert docs[0].text == (corpus_dir / docs[0].id).read_text(encoding="utf-8")


def test_jsonl_metadata_and_several_paths(tmp_path: Path) -> None:
    record = {"id": 7, "text": "some text", "date": "2026-01-02", "source": "wire", "url": "http://x", "title": "T"}
    path = write_jsonl(tmp_path / "d.jsonl", [json.dumps(record)])
    single = tmp_path / "single.txt"
    single.write_text("single file", encoding="utf-8")
    docs, problems = read_corpus([path, single])
    assert problems == []
    assert docs[0].id == "7" and docs[0].date == "2026-01-02" and docs[0].source == "wire"
    assert docs[0].origin == f"{path}:1"
    assert docs[1].id == "single.txt"


def test_stdin_jsonl() -> None:
    stream = io.StringIO('{"id": "x", "text": "from stdin"}\n')
    reader = CorpusReader(["-"], stdin=stream)
    docs = list(reader)
    assert [(d.id, d.text, d.origin) for d in docs] == [("x", "from stdin", "<stdin>:1")]


def test_bad_inputs_are_reported_and_the_rest_is_read(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text("good text here", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 cr\xe8me\nsecond line \xff".encode("latin-1"))
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    write_jsonl(
        tmp_path / "records.jsonl",
        [
            '{"id": "r1", "text": "record one"}',
            '{"id": "r2", "text": ',
            '["not", "an", "object"]',
            '{"text": "no id"}',
            '{"id": "r3"}',
            '{"id": "good.txt", "text": "same id as the file"}',
            '{"id": "r4", "text": "record four"}',
        ],
    )
    docs, problems = read_corpus([tmp_path, tmp_path / "missing.txt"])
    assert [d.id for d in docs] == ["good.txt", "r1", "r4"]
    messages = {p.origin: p.message for p in problems}
    assert "binary" in messages[str(tmp_path / "binary.txt")]
    assert "empty" in messages[str(tmp_path / "empty.txt")]
    assert "not valid UTF-8" in messages[f"{tmp_path / 'latin1.txt'}:1"]
    assert "malformed JSON" in messages[f"{tmp_path / 'records.jsonl'}:2"]
    assert "JSON object" in messages[f"{tmp_path / 'records.jsonl'}:3"]
    assert "'id'" in messages[f"{tmp_path / 'records.jsonl'}:4"]
    assert "'text'" in messages[f"{tmp_path / 'records.jsonl'}:5"]
    assert "duplicate id 'good.txt'" in messages[f"{tmp_path / 'records.jsonl'}:6"]
    assert "no such file" in messages[str(tmp_path / "missing.txt")]
    assert len(problems) == 9


def test_undecodable_line_number_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(b"line one\nline two\nbad \xe9 here\n")
    _, problems = read_corpus([path])
    assert problems[0].origin == f"{path}:3"


def test_utf16_with_bom_and_utf8_bom(tmp_path: Path) -> None:
    (tmp_path / "u16.txt").write_bytes(b"\xff\xfe" + "wide text".encode("utf-16-le"))
    (tmp_path / "u8.txt").write_bytes(b"\xef\xbb\xbfbom text")
    docs, problems = read_corpus([tmp_path])
    assert problems == []
    assert {d.id: d.text for d in docs} == {"u16.txt": "wide text", "u8.txt": "bom text"}


def test_jsonl_line_with_invalid_utf8_loses_only_that_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b'{"id": "a", "text": "fine"}\n{"id": "b", "text": "caf\xe9"}\n{"id": "c", "text": "after"}\n')
    docs, problems = read_corpus([path])
    assert [d.id for d in docs] == ["a", "c"]
    assert problems[0].origin == f"{path}:2" and "UTF-8" in problems[0].message


def test_problem_log_keeps_a_bounded_sample_and_counts_the_rest() -> None:
    from dedup.io.problems import SHOWN_PER_KIND, ProblemLog, problem_records, problem_stats

    shown = []
    log = ProblemLog(shown.append)
    for i in range(100_000):
        log.add(f"big.jsonl:{i + 1}", "malformed JSON", "malformed-json")
    log.add("a.txt", "1 NUL byte removed", "nul-bytes", skipped=False)
    assert len(log) == len(shown) == SHOWN_PER_KIND + 1 and log.total == 100_001
    assert log.omitted() == [("malformed-json", 100_000 - SHOWN_PER_KIND)]
    records = problem_records(log)
    assert len(records) == SHOWN_PER_KIND + 2 and records[-1]["more"] == 100_000 - SHOWN_PER_KIND
    assert problem_stats(log) == {"skipped_inputs": 100_000, "input_warnings": 1}


def test_compressed_inputs_are_found_by_magic_bytes(tmp_path: Path) -> None:
    import gzip

    (tmp_path / "plain.jsonl").write_bytes(gzip.compress(b'{"id": "g", "text": "gzip inside"}\n'))
    (tmp_path / "notes.txt.gz").write_bytes(gzip.compress(b"compressed notes"))
    (tmp_path / "BZh.txt").write_bytes(b"BZh9 is not bzip2 without its block magic")
    docs, problems = read_corpus([tmp_path])
    assert problems == []
    assert {d.id: d.text for d in docs} == {
        "BZh.txt": "BZh9 is not bzip2 without its block magic",
        "notes.txt.gz": "compressed notes",
        "g": "gzip inside",
    }
