"""Candidates beyond each document's strongest partners are reported from the
index without an alignment (``passages.align_partners``, ``aligned: false``)."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from dedup.cli import main
from dedup.clean.plan import CleanSettings
from dedup.clean.run import _scan_settings
from dedup.config import ConfigError, PassageSettings, Settings
from dedup.document import Document
from dedup.passages.candidates import _candidates
from dedup.passages.estimates import IndexPair
from dedup.passages.partners import strongest_partners
from dedup.passages.pairs import PassagePair, find_passage_pairs
from dedup.scan import scan_documents

_VOCABULARY = ["".join(random.Random(k).choice("abcdefghijklmnopqrstuvwxyz") for _ in range(4 + k % 6)) for k in range(4000)]


def _sentences(rng: random.Random, n: int) -> str:
    words = [rng.choice(_VOCABULARY) for _ in range(n)]
    return " ".join(" ".join(words[i : i + 14]).capitalize() + "." for i in range(0, n, 14))


def _clique(copies: int = 6) -> list[Document]:
    """``copies`` documents quoting one passage (about a seventh of each)
    amid text of their own: every pair of them is a candidate, each
    document has ``copies - 1`` partners."""
    rng = random.Random(9)
    passage = _sentences(rng, 70)
    return [Document(f"c{k}", _sentences(rng, 200) + " " + passage + " " + _sentences(rng, 200)) for k in range(copies)]


def _aligned_only(settings: Settings) -> Settings:
    return replace(settings, passages=replace(settings.passages, align_partners=0))


def test_candidates_beyond_the_aligned_partners_are_reported_from_the_index() -> None:
    docs = _clique()
    pairs, counts = _candidates(docs, Settings())
    assert len(pairs) == 15
    settings = Settings(passages=PassageSettings(align_partners=1))
    tally: dict[str, int] = {}
    found = find_passage_pairs(docs, settings, tally=tally)
    aligned = strongest_partners(pairs, counts, 1)
    assert 0 < aligned.sum() < 15
    by_pair = {(p.i, p.j): p for p in found}
    assert set(by_pair) == {tuple(p) for p in pairs.tolist()}  # every candidate reported, aligned or not
    estimated = {key for key, p in by_pair.items() if isinstance(p, IndexPair)}
    assert estimated == {tuple(p) for p in pairs[~aligned].tolist()}
    assert tally == {"passage_candidates": 15, "passage_candidates_unaligned": 15 - int(aligned.sum()), "passage_pairs_from_index": len(estimated)}
    # the estimates are near the verbatim share aligning the same pairs measures
    # (the filler, drawn from one small vocabulary, aligns as reworded text too)
    every = {(p.i, p.j): p.fields() for p in find_passage_pairs(docs, _aligned_only(settings))}
    for key in estimated:
        pair = by_pair[key]
        assert pair.relation == "partial_copy" and pair.extra() == {"aligned": False, "shared_fingerprints": pair.shared_fingerprints}
        fields = pair.fields()
        assert fields["passages"] == [] and fields["reworded_share_a"] == 0.0
        for side in "ab":
            assert 0.7 < fields[f"shared_share_{side}"] / every[key][f"verbatim_share_{side}"] < 1.4, (key, fields, every[key])
    # the aligned pairs are as aligning every candidate gives them
    assert all(by_pair[key].fields() == every[key] for key in set(by_pair) - estimated)


def test_estimates_below_the_floor_are_not_reported() -> None:
    docs = _clique()
    settings = Settings(passages=PassageSettings(align_partners=1, min_shared_chars=2000))
    tally: dict[str, int] = {}
    found = find_passage_pairs(docs, settings, tally=tally)
    assert not any(isinstance(p, IndexPair) for p in found) and "passage_pairs_from_index" not in tally
    assert tally["passage_candidates_unaligned"] > 0


def test_max_partners_still_leaves_out_what_it_does_not_keep() -> None:
    docs = _clique()
    pairs, counts = _candidates(docs, Settings())
    found = find_passage_pairs(docs, Settings(passages=PassageSettings(max_partners=2, align_partners=1)))
    kept, aligned = strongest_partners(pairs, counts, 2), strongest_partners(pairs, counts, 1)
    assert {(p.i, p.j) for p in found} <= {tuple(p) for p in pairs[kept].tolist()}
    assert {(p.i, p.j) for p in found if isinstance(p, IndexPair)} <= {tuple(p) for p in pairs[kept & ~aligned].tolist()}


def test_candidates_sharing_align_share_are_aligned_whatever_their_rank() -> None:
    docs = _clique()
    tally: dict[str, int] = {}
    found = find_passage_pairs(docs, Settings(passages=PassageSettings(align_partners=1, align_share=0.1)), tally=tally)
    assert len(found) == 15 and not any(isinstance(p, IndexPair) for p in found)
    assert tally == {"passage_candidates": 15, "passage_candidates_unaligned": 0}
    with pytest.raises(ConfigError, match="align_share"):
        PassageSettings(align_share=1.5)


def test_negative_align_partners_is_refused() -> None:
    with pytest.raises(ConfigError, match="align_partners"):
        PassageSettings(align_partners=-1)


def test_scan_reports_unaligned_pairs_and_places_no_characters_for_them() -> None:
    docs = _clique()
    # without groups: the clique's pairs share only what every document holds (tests/passages/test_groups.py)
    result = scan_documents(docs, Settings(jobs=1, passages=PassageSettings(align_partners=1, group_min_docs=0)))
    unaligned = [p for p in result.pairs if not p.aligned]
    assert unaligned and len(result.pairs) == 15
    assert result.stats["passage_pairs_from_index"] == len(unaligned)
    for pair in unaligned:
        row = pair.to_dict()
        assert row["aligned"] is False and row["passages"] == [] and row["found_by"] == "passages"
        assert row["containment_a"] == row["shared_share_a"] and row["extent_a"] == "partially"
    everyone = scan_documents(docs, Settings(jobs=1, passages=PassageSettings(align_partners=0, group_min_docs=0)))
    assert all(p.aligned for p in everyone.pairs) and "passage_pairs_from_index" not in everyone.stats
    chars = {(p.a, p.b): (p.shared_chars_a, p.shared_chars_b) for p in unaligned}
    listed = 0
    for row, full in zip(result.documents, everyone.documents):
        for entry in row.extra["shared_with"]:
            key, side = ((row.id, entry["id"]), 0) if (row.id, entry["id"]) in chars else ((entry["id"], row.id), 1)
            if entry.get("aligned") is False:
                assert entry["chars"] == chars[key][side] > 0
                listed += 1
        # characters are placed by the aligned pairs only: an estimate never takes the document as shared whole
        assert row.extra["composition_original"] >= full.extra["composition_original"]
    assert listed == 2 * len(unaligned)


def test_every_output_format_shows_unaligned_pairs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in _clique()))
    # the configuration found from here; without groups, which report this clique as one (tests/passages/test_groups.py)
    (tmp_path / "setup.cfg").write_text("[dedup]\npassages.align_partners = 1\npassages.group_min_docs = 0\n")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    outputs = {}
    for fmt in ("json", "jsonl", "csv", "text", "html"):
        out = tmp_path / f"scan.{fmt}"
        got = runner.invoke(main, ["scan", str(corpus), "--format", fmt, "-o", str(out), "--jobs", "1", "--no-pager", "-q"], catch_exceptions=False)
        assert got.exit_code in (0, 1), got.output
        outputs[fmt] = out.read_text()
    pairs = json.loads(outputs["json"])["pairs"]
    assert sum(p.get("aligned") is False for p in pairs) == json.loads(outputs["json"])["summary"]["passage_pairs_from_index"] > 0
    assert sum('"aligned": false' in line for line in outputs["jsonl"].splitlines()) > 0
    header, *rows = outputs["csv"].splitlines()
    assert header.endswith(",aligned") and sum(row.endswith(",False") for row in rows) == len([p for p in pairs if p.get("aligned") is False])
    assert "not aligned" in outputs["text"] and "~" in outputs["text"]
    assert "not aligned by the scan" in outputs["html"]


def test_clean_aligns_every_candidate_to_cut_shared_passages() -> None:
    settings = Settings(passages=PassageSettings(align_partners=1))
    assert _scan_settings(settings, CleanSettings(drop_shared_passages=True)).passages.align_partners == 0
    assert _scan_settings(settings, CleanSettings(drop_derived=0.8)).passages.align_partners == 1


def test_pairs_kept_in_files_as_they_come_read_back_as_the_list_in_the_same_order() -> None:
    docs = _clique()
    settings = Settings(passages=PassageSettings(align_partners=1))
    in_memory = find_passage_pairs(docs, settings, faults=[])
    spilled = find_passage_pairs(docs, settings, faults=[], spill=True)
    assert not isinstance(spilled, list)
    assert [(p.i, p.j, type(p), p.relation, p.fields()) for p in spilled] == [(p.i, p.j, type(p), p.relation, p.fields()) for p in in_memory]
    assert {type(p) for p in in_memory} == {IndexPair, PassagePair}


def test_unmasked_chars_read_from_a_store_are_those_of_its_documents() -> None:
    # a store gives its texts' lengths without reading them: the masked documents' masks are still taken off
    import numpy as np

    from dedup.document import Span
    from dedup.io.store import temporary_store
    from dedup.passages.estimates import text_chars

    rng = random.Random(4)
    docs = [Document(f"d{k}", _sentences(rng, rng.randint(0, 40)) + " é東🙂" * (k % 3)) for k in range(30)]
    masks = {f"d{k}": [Span(0, 7), Span(5, 30)] for k in range(0, 30, 4)} | {"d1": [], "d3": [Span(2, 10_000)]}
    chosen = np.array(sorted(rng.sample(range(30), 17)))
    want = text_chars(docs, chosen, masks)
    assert want.tolist() != text_chars(docs, chosen, {}).tolist()  # some masks count
    with temporary_store() as store:
        store.extend(docs)
        for given in (masks, {}):
            assert text_chars(store, chosen, given).tolist() == text_chars(docs, chosen, given).tolist()
