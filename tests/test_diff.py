"""dedup diff: the library call, plain-text rendering, JSON spans and the command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CORPUS

from dedup.cli import main
from dedup.config import Settings
from dedup.diff import DiffInputError, diff_documents
from dedup.text.normalize import normalize_text
from dedup.views.diff_view import render_text

A = str(CORPUS / "000_8aaba136161a1b97.txt")
B = str(CORPUS / "001_1edf69fc7060fb53.txt")


@pytest.fixture(scope="module")
def seed_diff():
    return diff_documents(A, B, Settings())


def test_plain_rendering_marks_shared_text(seed_diff) -> None:
    text = render_text(seed_diff)
    assert "\x1b[" not in text
    assert "relation     rewrite" in text
    assert "source       b, 001_1edf69fc7060fb53.txt (confidence" in text  # the likely source, from provenance
    assert "jaccard      0.0957" in text
    assert '["We are very close to a meeting between Putin and Zelensky"]' in text
    assert "[=The Ukrainian side was led by Zelensky's chief of staff" in text
    assert "[~" in text and "~]" in text
    assert "Share and Follow" in text  # b's own text is shown, unmarked
    assert "[=Share and Follow" not in text and "[~Share and Follow" not in text


def test_side_by_side_faces_aligned_sentences(seed_diff) -> None:
    text = render_text(seed_diff, side_by_side=True, width=160)
    assert "\x1b[" not in text
    rows = [line for line in text.splitlines() if "We think those meetings" in line]
    # the quotation stands on both sides of one row
    assert any(line.count("We think those meetings") == 2 for line in rows)


def test_json_spans_point_at_the_original_text(seed_diff) -> None:
    data = seed_diff.to_dict()
    a_text, b_text = Path(A).read_text(encoding="utf-8"), Path(B).read_text(encoding="utf-8")
    assert data["aligned_sentences"] >= 15
    # a passage found near-verbatim whose words differ is "edited", never "verbatim"
    assert data["verbatim_passages"] + data["edited_passages"] + data["reworded_passages"] == len(data["passages"])
    assert all(p["changed_words"] == 0 for p in data["passages"] if p["kind"] == "verbatim")
    for p in data["passages"]:
        piece_a, piece_b = a_text[p["a_start"] : p["a_end"]], b_text[p["b_start"] : p["b_end"]]
        assert piece_a.strip() == piece_a and piece_b.strip() == piece_b
        if p["kind"] == "verbatim" and p["score"] == 1.0:
            assert normalize_text(piece_a).split()[0] == normalize_text(piece_b).split()[0]


def test_cli_json_and_plain_output() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["diff", A, B, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["relation"] == "rewrite" and data["a"]["id"].startswith("000")
    assert 0 < data["jaccard"] < 0.15 and data["containment_a"] > 0 and data["containment_b"] > 0
    plain = runner.invoke(main, ["diff", A, B, "--side-by-side"], env={"NO_COLOR": "1"})
    assert plain.exit_code == 0 and "\x1b[" not in plain.output and "[=" in plain.output


def test_cli_ids_in_a_corpus() -> None:
    runner = CliRunner()
    ids = ["000_8aaba136161a1b97.txt", "002_85f222fb594773e3.txt"]
    result = runner.invoke(main, ["diff", *ids, "--corpus", str(CORPUS), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["relation"] is None and data["passages"] == []


def test_cli_missing_input_exits_2() -> None:
    result = CliRunner().invoke(main, ["diff", A, "nowhere.txt"])
    assert result.exit_code == 2 and "nowhere.txt" in result.output
    result = CliRunner().invoke(main, ["diff", "x", "y", "--corpus", str(CORPUS)])
    assert result.exit_code == 2 and "no document with id 'x', 'y' in the corpus (ids look like: '000_8aaba136161a1b97.txt'" in result.output
    with pytest.raises(DiffInputError):
        diff_documents("x", "y", Settings(), [str(CORPUS)])


def test_boilerplate_is_dimmed_and_left_out_of_the_alignment(seed_diff) -> None:
    text = render_text(seed_diff, width=200)
    assert "[#Share and Follow#]" in text
    spans = seed_diff.to_dict()["boilerplate_b"]
    assert any(seed_diff.b.text[s["start"] : s["end"]].strip() == "Share and Follow" for s in spans)
    for passage in seed_diff.alignment.passages:
        for span in spans:
            assert passage.b.end <= span["start"] or passage.b.start >= span["end"]


def test_without_boilerplate_detection_nothing_is_dimmed() -> None:
    from dedup.config import BoilerplateSettings

    plain = diff_documents(A, B, Settings(boilerplate=BoilerplateSettings(enabled=False)))
    assert plain.to_dict()["boilerplate_b"] == [] and "[#Share and Follow#]" not in render_text(plain, width=200)


def test_header_shares_are_of_the_text_outside_boilerplate(seed_diff) -> None:
    from dedup.document import span_mask

    b = seed_diff.b
    outside = len(b.text) - int(span_mask(len(b.text), seed_diff.boilerplate[b.id]).sum())
    assert seed_diff.measured_chars[1] == outside < len(b.text)
    al = seed_diff.alignment
    assert al.share_b == pytest.approx(al.shared_chars_b / outside)
    text = render_text(seed_diff, width=200)
    assert f"b {al.shared_chars_b} of {outside} chars ({al.share_b:.1%}); boilerplate left out" in text
    from dedup.config import BoilerplateSettings

    plain = diff_documents(A, B, Settings(boilerplate=BoilerplateSettings(enabled=False)))
    assert plain.measured_chars == (len(plain.a.text), len(plain.b.text))
    assert "boilerplate left out" not in render_text(plain, width=200)
