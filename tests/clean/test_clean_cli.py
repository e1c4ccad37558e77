"""``dedup clean`` through the real command line (a subprocess), and a rescan of what it wrote."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from corpora import PLANTED, planted_records, write_jsonl

LOG = ".dedup-clean-log.jsonl"


def dedup(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dedup", *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def rescan(folder: Path, *flags: str) -> dict:
    done = dedup("scan", str(folder), "--format", "json", "--jobs", "1", "--no-progress", *flags)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def read_log(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / LOG).read_text(encoding="utf-8").splitlines()]


def check_log(log: list[dict], read: int) -> dict[str, dict]:
    """Kept + removed = documents read; every removal names its reason and a kept id."""
    entries = {e["id"]: e for e in log if e["action"] in ("kept", "removed")}
    assert len(entries) == read == len([e for e in log if e["action"] != "skipped"])
    kept = {i for i, e in entries.items() if e["action"] == "kept"}
    for entry in entries.values():
        if entry["action"] == "removed":
            assert entry["reason"] in ("exact_duplicate", "near_duplicate", "derived", "too_little_text"), entry
            assert entry["kept_id"] in kept, entry
    return entries


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("in") / "news.jsonl", planted_records())


@pytest.mark.parametrize("extra", [[], ["--drop-shared-passages"], ["--drop-derived", "0.75"]])
def test_clean_output_rescans_clean(planted: Path, tmp_path: Path, extra: list[str]) -> None:
    out = tmp_path / "out"
    done = dedup("clean", str(planted), "-o", str(out), "--keep", "earliest", "--jobs", "1", "--no-progress", *extra)
    assert done.returncode == 0, done.stderr
    records = planted_records()
    entries = check_log(read_log(out), len(records))
    removed = {i: e for i, e in entries.items() if e["action"] == "removed"}
    assert {"exact-0", "exact-1", "near-0", "near-1", "near-2"} <= set(removed)
    assert removed["exact-0"]["reason"] == "exact_duplicate" and removed["exact-0"]["kept_id"] == "base-00"
    assert removed["near-1"]["reason"] == "near_duplicate" and removed["near-1"]["kept_id"] == "base-04"
    assert all(entries[f"base-{k:02d}"]["action"] == "kept" for k in range(12))

    result = rescan(out)
    assert result["summary"]["documents"] == len(records) - len(removed)
    assert not [p for p in result["pairs"] if p["jaccard"] >= 0.8], "a near duplicate survived the clean"
    assert not [d["id"] for d in result["documents"] if d.get("boilerplate")], "boilerplate survived the clean"
    written = [json.loads(line) for line in (out / "news.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all("Share and Follow" not in r["text"] and "All rights reserved" not in r["text"] for r in written)
    by_id = {r["id"]: r for r in records}
    assert all({k: v for k, v in r.items() if k != "text"} == {k: v for k, v in by_id[r["id"]].items() if k != "text"} for r in written)
    if "--drop-shared-passages" in extra:
        assert result["pairs"] == [], "a shared passage above the passage floor survived"
        partial = entries["partial-0"]
        assert partial["action"] == "kept" and partial["related"] == ["base-08"] and partial["shared_passage_chars"] > 1000
    if "--drop-derived" in extra:
        assert removed["derived-0"]["reason"] == "derived" and removed["derived-0"]["kept_id"] == "base-06"
        assert removed["derived-0"]["shared_share"] >= 0.75
        assert entries["partial-0"]["action"] == "kept"


def test_drop_derived_removes_the_copy_the_scan_names(tmp_path: Path) -> None:
    """In the sample corpus the scan names 001 the source of 000 (a rewrite):
    with ``--keep source`` (the default) the copy goes, whatever the input order."""
    corpus = Path(__file__).resolve().parents[2] / "corpus"
    pair = rescan(corpus)["pairs"][0]
    assert pair["relation"] == "rewrite" and pair["source"] and pair["derived"]
    out = tmp_path / "out"
    done = dedup("clean", str(corpus), "-o", str(out), "--drop-derived", "0.5", "--jobs", "1", "--no-progress")
    assert done.returncode == 0, done.stderr
    removed = [e for e in read_log(out) if e["action"] == "removed"]
    assert [(e["id"], e["reason"], e["kept_id"]) for e in removed] == [(pair["derived"], "derived", pair["source"])]
    assert (out / pair["source"]).exists() and not (out / pair["derived"]).exists()


def test_keep_longest_and_keep_boilerplate(planted: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = dedup("clean", str(planted), "-o", str(out), "--keep", "longest", "--keep-boilerplate", "--jobs", "1", "--no-progress")
    assert done.returncode == 0, done.stderr
    entries = check_log(read_log(out), len(planted_records()))
    texts = {r["id"]: r["text"] for r in planted_records()}
    for entry in entries.values():
        if entry["action"] == "removed":
            assert len(texts[entry["kept_id"]]) >= len(texts[entry["id"]])
    written = (out / "news.jsonl").read_text(encoding="utf-8")
    assert "Share and Follow" in written


def test_hostile_ids_are_refused_and_nothing_leaves_the_output(tmp_path: Path) -> None:
    hostile = ["../../escape", "/tmp/absolute-x", "a\u0000b", "x" * 300, "sub/../../up", ".hidden", "C:\\\\win"]
    texts = planted_records()
    records = [{"id": doc_id, "text": texts[k]["text"]} for k, doc_id in enumerate(hostile)]
    records.append({"id": "fine/name", "text": texts[len(hostile)]["text"]})
    work = tmp_path / "work"
    work.mkdir()
    source = write_jsonl(tmp_path / "in.jsonl", records)
    before = sorted(p for p in tmp_path.rglob("*"))
    done = dedup("clean", str(source), "-o", "out", "--to", "files", "--jobs", "1", "--no-progress", cwd=work)
    assert done.returncode == 0, done.stderr
    for doc_id in ("../../escape", "/tmp/absolute-x", "sub/../../up"):
        assert repr(doc_id) in done.stderr
    assert "control characters" in done.stderr and "longer than 255 bytes" in done.stderr and "hidden" in done.stderr
    after = sorted(p for p in tmp_path.rglob("*"))
    new = [p for p in after if p not in before]
    assert all(p.is_relative_to(work / "out") or p == work / "out" for p in new), new
    assert sorted(p.relative_to(work / "out").as_posix() for p in (work / "out").rglob("*") if p.is_file()) == [LOG, "fine/name.txt"]
    assert not Path("/tmp/absolute-x.txt").exists()
    log = read_log(work / "out")
    assert sorted(e["id"] for e in log if e["action"] == "refused") == sorted(hostile)
    assert all(e["reason"] == "unsafe_id" and e["message"] for e in log if e["action"] == "refused")


def test_a_refused_id_is_never_kept_in_place_of_its_duplicates(tmp_path: Path) -> None:
    text = planted_records()[0]["text"]
    records = [{"id": "../../evil", "text": text + " one"}, {"id": "ok/nested/name", "text": text}]
    source = write_jsonl(tmp_path / "in.jsonl", records)
    done = dedup("clean", str(source), "-o", "out", "--to", "files", "--keep-boilerplate", "--jobs", "1", "--no-progress", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    log = {e["id"]: e for e in read_log(tmp_path / "out")}
    assert log["../../evil"]["action"] == "refused"
    # the duplicate that can be written is the one kept, so no text is lost
    assert log["ok/nested/name"]["action"] == "kept"
    assert (tmp_path / "out" / "ok" / "nested" / "name.txt").read_text(encoding="utf-8") == text


def test_parquet_in_parquet_out(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    records = planted_records()
    table = pa.table(
        {
            "meta": [{"url": r["url"], "lang": "en"} for r in records],
            "maintext": [r["text"] for r in records],
            "rank": pa.array([r["rank"] for r in records], type=pa.int16()),
            "date": [r["date"] for r in records],
        }
    )
    (tmp_path / "in").mkdir()
    pq.write_table(table, tmp_path / "in" / "part-0.parquet", row_group_size=10)
    out = tmp_path / "out"
    done = dedup("clean", str(tmp_path / "in"), "-o", str(out), "--id-field", "meta.url", "--text-field", "maintext", "--keep", "earliest", "--jobs", "1", "--no-progress")
    assert done.returncode == 0, done.stderr
    entries = check_log(read_log(out), len(records))
    written = pq.read_table(out / "part-0.parquet")
    assert written.schema == table.schema
    kept_urls = [e for e, v in entries.items() if v["action"] == "kept"]
    assert written.column("meta").to_pylist() == [{"url": u, "lang": "en"} for u in kept_urls]
    by_url = {r["url"]: r for r in records}
    assert written.column("rank").to_pylist() == [by_url[u]["rank"] for u in kept_urls]
    assert all(SHARING_LINE not in text for text in written.column("maintext").to_pylist())
    result = rescan(out, "--id-field", "meta.url", "--text-field", "maintext")
    assert result["summary"]["documents"] == len(kept_urls)
    assert not [d["id"] for d in result["documents"] if d.get("boilerplate")]
    assert not [p for p in result["pairs"] if p["jaccard"] >= 0.8]


SHARING_LINE = "Share and Follow"


def test_jsonl_gz_in_jsonl_gz_out(tmp_path: Path) -> None:
    records = planted_records()
    source = tmp_path / "news.jsonl.gz"
    source.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode()))
    out = tmp_path / "out"
    done = dedup("clean", str(source), "-o", str(out), "--keep", "earliest", "--jobs", "1", "--no-progress")
    assert done.returncode == 0, done.stderr
    written_path = out / "news.jsonl.gz"
    assert written_path.read_bytes()[:2] == b"\x1f\x8b"
    written = [json.loads(line) for line in gzip.decompress(written_path.read_bytes()).decode().splitlines()]
    entries = check_log(read_log(out), len(records))
    assert [r["id"] for r in written] == [i for i, e in entries.items() if e["action"] == "kept"]
    by_id = {r["id"]: r for r in records}
    assert all({k: v for k, v in r.items() if k != "text"} == {k: v for k, v in by_id[r["id"]].items() if k != "text"} for r in written)


def test_output_refused_when_it_exists_or_overlaps(planted: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from dedup.cli import main

    def run(*args: str):
        return CliRunner().invoke(main, ["clean", *args, "--jobs", "1", "--no-progress"])

    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("precious", encoding="utf-8")
    done = run(str(planted), "-o", str(out))
    assert done.exit_code == 2 and "--overwrite" in done.output
    assert (out / "keep.txt").read_text(encoding="utf-8") == "precious"
    done = run(str(planted.parent), "-o", str(planted.parent / "inside"))
    assert done.exit_code == 2 and "overlaps" in done.output
    done = run("-", "-o", str(tmp_path / "x"))
    assert done.exit_code == 2 and "standard input" in done.output
    done = run(str(planted), "-o", str(out), "--overwrite", "--keep-boilerplate")
    assert done.exit_code == 0, done.output
    assert not (out / "keep.txt").exists() and (out / "news.jsonl").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_records_the_reader_repaired_are_written_repaired(tmp_path: Path) -> None:
    """A lone surrogate (in any field) and NUL in the text are what the reader
    repairs with a warning: the corpus written back holds the repaired record,
    so a rescan of it warns of nothing; an escaped backslash before ``ud800``
    and a surrogate pair are text, and their lines are written as they were."""
    lines = [
        '{"id": "a", "title": "bad \\ud800 title", "text": "The harbour board voted on Tuesday to expand the eastern quay \\udc00 for larger ships."}',
        '{"id": "b", "text": "Farmers in the valley counted the cost of the late frost\\u0000 after a cold week."}',
        '{"id": "c", "text": "The library opened its new wing, a \\\\ud800 sign and \\ud83d\\ude00 on its door, to readers this week."}',
        '{"id": "d", "meta": {"note": "x\\udfff"}, "text": "A fourth story, about the new tram line to the airport and its first month of service."}',
    ]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "x.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    done = dedup("clean", str(tmp_path / "in"), "-o", str(out), "--jobs", "1", "--no-progress")
    assert done.returncode == 0, done.stderr
    assert "lone surrogate" in done.stderr and "NUL" in done.stderr
    written = (out / "x.jsonl").read_text(encoding="utf-8").splitlines()
    assert written[2] == lines[2]
    records = [json.loads(line) for line in written]
    assert records[0]["title"] == "bad \ufffd title" and "\ufffd for larger" in records[0]["text"]
    assert "\x00" not in records[1]["text"] and "frost after" in records[1]["text"]
    assert records[3]["meta"] == {"note": "x\ufffd"}
    result = rescan(out)
    assert result["summary"]["documents"] == 4
    assert result["problems"] == []


def test_parquet_text_with_nul_is_written_without_it(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    texts = [
        "The harbour board voted on Tuesday to expand the eastern quay for larger ships.",
        "Farmers in the valley counted the cost of the late frost\x00 after a cold week.",
    ]
    table = pa.table({"id": ["a", "b"], "meta": [{"body": t} for t in texts], "rank": [1, 2]})
    (tmp_path / "in").mkdir()
    pq.write_table(table, tmp_path / "in" / "part-0.parquet")
    out = tmp_path / "out"
    done = dedup("clean", str(tmp_path / "in"), "-o", str(out), "--text-field", "meta.body", "--jobs", "1", "--no-progress")
    assert done.returncode == 0, done.stderr
    assert "NUL" in done.stderr
    written = pq.read_table(out / "part-0.parquet")
    assert written.schema == table.schema
    assert written.column("meta").to_pylist() == [{"body": texts[0]}, {"body": texts[1].replace("\x00", "")}]
    assert written.column("rank").to_pylist() == [1, 2]
    assert rescan(out, "--text-field", "meta.body")["problems"] == []
