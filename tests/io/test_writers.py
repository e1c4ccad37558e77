"""Writing a corpus back: safe names (cases in tests/data/output_names), the
all-or-nothing output folder, record rewriting, and the readers they pair with."""

from __future__ import annotations

import bz2
import gzip
import io
import json
from pathlib import Path

import pytest

from dedup.io.corpus import read_corpus
from dedup.io.records import RecordFields, field_value, with_field
from dedup.io.writers import OutputExistsError, OutputFolder, UnsafePathError, rewrite_jsonl, safe_relative_path, write_pieces

CASES = sorted((Path(__file__).resolve().parent.parent / "data" / "output_names").glob("*.json"))


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_output_names(case: Path, tmp_path: Path) -> None:
    data = json.loads(case.read_text(encoding="utf-8"))
    with OutputFolder(tmp_path / "out") as folder:
        if data["refused"]:
            with pytest.raises(UnsafePathError, match=data["refused"]):
                folder.path_for(data["name"])
        else:
            path = folder.path_for(data["name"])
            path.write_text("x", encoding="utf-8")
            assert path.is_relative_to(folder.root)
            assert path.relative_to(folder.root).as_posix() == safe_relative_path(data["name"]).as_posix()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_name_is_written_once(tmp_path: Path) -> None:
    with OutputFolder(tmp_path / "out") as folder:
        folder.path_for("a/b.txt").write_text("first", encoding="utf-8")
        with pytest.raises(UnsafePathError, match="already written"):
            folder.path_for("./a//b.txt")
        with pytest.raises(UnsafePathError, match="already a folder"):
            folder.path_for("a")
    assert (tmp_path / "out" / "a" / "b.txt").read_text(encoding="utf-8") == "first"


def test_an_interrupted_output_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        with OutputFolder(tmp_path / "out") as folder:
            folder.path_for("a/b.txt").write_text("half", encoding="utf-8")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_an_existing_output_is_kept_unless_replaced(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.txt").write_text("old", encoding="utf-8")
    with pytest.raises(OutputExistsError):
        OutputFolder(tmp_path / "out")
    with pytest.raises(RuntimeError):
        with OutputFolder(tmp_path / "out", replace=True) as folder:
            folder.path_for("new.txt").write_text("new", encoding="utf-8")
            raise RuntimeError("stop")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["old.txt"]
    with OutputFolder(tmp_path / "out", replace=True) as folder:
        folder.path_for("new.txt").write_text("new", encoding="utf-8")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("compress, magic", [(gzip.compress, b"\x1f\x8b"), (bz2.compress, b"BZh"), (lambda b: b, b'{"id')])
def test_rewrite_jsonl_keeps_other_fields_and_compression(tmp_path: Path, compress, magic: bytes) -> None:
    lines = [
        {"id": 1, "meta": {"body": "one", "lang": "en"}, "n": 1.5},
        {"id": 2, "meta": {"body": "two"}, "tags": ["a", "b"]},
        {"id": 3, "meta": {"body": "three"}},
    ]
    raw = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in lines).encode()
    source = tmp_path / "in.jsonl"
    source.write_bytes(compress(raw))
    target = tmp_path / "out.jsonl"
    assert rewrite_jsonl(source, target, {1: None, 2: "TWO"}, "meta.body") == 2
    data = target.read_bytes()
    assert data.startswith(magic)
    text = gzip.decompress(data) if magic == b"\x1f\x8b" else bz2.decompress(data) if magic == b"BZh" else data
    first, second = text.decode().splitlines()
    assert first == json.dumps(lines[0], separators=(",", ":"))  # copied byte for byte
    assert json.loads(second) == {"id": 2, "meta": {"body": "TWO"}, "tags": ["a", "b"]}


def test_field_paths() -> None:
    record = {"meta": {"url": "u", "deep": {"x": 1}}, "a.b": "dotted key"}
    assert field_value(record, "meta.url") == "u"
    assert field_value(record, "meta.deep.x") == 1
    assert field_value(record, "a.b") == "dotted key"
    assert field_value(record, "meta.missing") is None and field_value(record, "meta.url.more") is None
    changed = with_field(record, "meta.deep.x", 2)
    assert changed["meta"]["deep"]["x"] == 2 and record["meta"]["deep"]["x"] == 1
    with pytest.raises(ValueError):
        RecordFields("meta..url")


def test_daily_files_that_number_from_zero_keep_every_record(tmp_path: Path) -> None:
    for day in ("2024-01-01", "2024-01-02"):
        (tmp_path / f"{day}.jsonl").write_text("".join(json.dumps({"id": k, "text": f"{day} story {k}"}) + "\n" for k in range(3)), encoding="utf-8")
    (tmp_path / "2024-01-02.jsonl").open("a").write(json.dumps({"id": 1, "text": "repeated within the file"}) + "\n")
    docs, problems = read_corpus([tmp_path])
    assert [d.id for d in docs] == ["0", "1", "2", "2024-01-02.jsonl:0", "2024-01-02.jsonl:1", "2024-01-02.jsonl:2"]
    assert [d.text for d in docs][3] == "2024-01-02 story 0"
    assert len(problems) == 1 and "duplicate id '2024-01-02.jsonl:1'" in problems[0].message



@pytest.mark.parametrize("literal_first", [False, True])
def test_a_literal_id_that_equals_a_qualified_one_is_told_apart(tmp_path: Path, literal_first: bool) -> None:
    """A record whose id is literally ``FILE:ID`` and one whose id the reader
    qualified as ``FILE:ID`` collide: the message says which of them had its
    id qualified, and what that id was."""
    (tmp_path / "a.jsonl").write_text(json.dumps({"id": "3", "text": "alpha story"}) + "\n", encoding="utf-8")
    lines = [json.dumps({"id": "3", "text": "beta story"}), json.dumps({"id": "b.jsonl:3", "text": "gamma story"})]
    (tmp_path / "b.jsonl").write_text("\n".join(lines[::-1] if literal_first else lines) + "\n", encoding="utf-8")
    docs, problems = read_corpus([tmp_path])
    assert [d.id for d in docs] == ["3", "b.jsonl:3"]
    assert [d.text for d in docs][1] == ("gamma story" if literal_first else "beta story")
    (problem,) = problems
    if literal_first:
        assert problem.message == f"duplicate id 'b.jsonl:3', its id '3' qualified by its file (first read from {tmp_path / 'b.jsonl'}:1); skipped"
    else:
        assert problem.message == f"duplicate id 'b.jsonl:3' (first read from {tmp_path / 'b.jsonl'}:1, its id '3' qualified by its file); skipped"

def test_custom_and_nested_fields(tmp_path: Path) -> None:
    path = tmp_path / "dump.jsonl"
    path.write_text(json.dumps({"meta": {"url": "https://x/1"}, "maintext": "body one"}) + "\n" + json.dumps({"meta": {}, "maintext": "no url"}) + "\n", encoding="utf-8")
    docs, problems = read_corpus([path], fields=RecordFields("meta.url", "maintext"))
    assert [(d.id, d.text) for d in docs] == [("https://x/1", "body one")]
    assert "'meta.url'" in problems[0].message and "--id-field" in problems[0].message


def test_parquet_input_with_nested_id(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.table({"meta": [{"url": "a"}, {"url": "b"}], "content": ["first text", "second text"], "date": ["2024-01-01", None]})
    pq.write_table(table, tmp_path / "p.parquet")
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    docs, problems = read_corpus([tmp_path], fields=RecordFields("meta.url", "content"))
    assert [(d.id, d.text, d.date, d.origin) for d in docs] == [
        ("a", "first text", "2024-01-01", f"{tmp_path / 'p.parquet'}:1"),
        ("b", "second text", None, f"{tmp_path / 'p.parquet'}:2"),
    ]
    assert len(problems) == 1 and "not a readable Parquet file" in problems[0].message


def test_pieces_appear_whole_or_not_at_all(tmp_path: Path) -> None:
    """A report written piece by piece replaces the file only once complete."""
    target = tmp_path / "report.json"
    target.write_text("old")

    def failing():
        yield "new "
        raise RuntimeError("the scan stopped")

    with pytest.raises(RuntimeError):
        write_pieces(failing(), target)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
    write_pieces(iter(["new ", "x" * 200_000, " end"]), target)
    assert target.read_text() == "new " + "x" * 200_000 + " end"


def test_pieces_as_strings_and_utf8_bytes(tmp_path: Path) -> None:
    """Bytes pieces (the report's rows as orjson encoded them) are written as
    they are, between string pieces, to a file and to a text stream alike."""
    pieces = ["{\n", "é" * 70_000, b"\xe2\x80\x94 rows " + b"y" * 100_000, "\n}"]
    expected = "{\n" + "é" * 70_000 + "\u2014 rows " + "y" * 100_000 + "\n}"
    target = tmp_path / "report.json"
    write_pieces(iter(pieces), target)
    assert target.read_bytes() == expected.encode("utf-8")
    stream = io.StringIO()
    write_pieces(iter(pieces), stream=stream)
    assert stream.getvalue() == expected


def test_bytes_pieces_bypass_a_utf8_text_stream_in_order() -> None:
    """Over a UTF-8 text stream (standard output), bytes pieces go to the
    bytes beneath it as they are, after what the text layer holds; over a
    stream of another encoding they are decoded and written as text."""
    pieces = ["{\n", "é" * 70_000, b"\xe2\x80\x94 rows " + b"y" * 100_000, "\n}", b"\xc3\xa9"]
    expected = "{\n" + "é" * 70_000 + "\u2014 rows " + "y" * 100_000 + "\n}é"
    class Counted(io.TextIOWrapper):
        text = 0

        def write(self, piece: str) -> int:
            Counted.text += len(piece)
            return super().write(piece)

    raw = io.BytesIO()
    stream = Counted(raw, encoding="utf-8", newline="")
    write_pieces(iter(pieces), stream=stream)
    assert raw.getvalue() == expected.encode("utf-8")
    assert Counted.text == sum(len(p) for p in pieces if isinstance(p, str))  # the bytes never went through the text layer
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-16-le", newline="")
    write_pieces(iter(pieces), stream=stream)
    assert raw.getvalue() == expected.encode("utf-16-le")


def test_pieces_to_a_stream(tmp_path: Path) -> None:
    stream = io.StringIO()
    write_pieces(iter(["a", "b" * 100_000, ""]), stream=stream)
    assert stream.getvalue() == "a" + "b" * 100_000
    with pytest.raises(ValueError):
        write_pieces(iter(["a"]))
