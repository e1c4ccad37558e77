"""The scan gives the same output with any number of workers, streaming or in memory."""

from __future__ import annotations

import itertools
import json
import random

import pytest
from conftest import doc_level

from dedup.config import PassageSettings, Settings
from dedup.document import Document
from dedup.io.corpus import read_corpus
from dedup.scan import scan_corpus, scan_documents
from dedup.text.normalize import normalize_text
from dedup.text.shingles import reference_shingles


def corpus(seed: int = 11, families: int = 25) -> list[dict]:
    rng = random.Random(seed)
    words = [f"{c}{i}" for i, c in enumerate("abcdefghij" * 60)]
    records = []
    for f in range(families):
        base = [rng.choice(words) for _ in range(rng.randint(60, 200))]
        variants = [base]
        for edits in (0, 1, 3, 6, 12):
            copy = list(base)
            for _ in range(edits):
                copy[rng.randrange(len(copy))] = rng.choice(words)
            variants.append(copy)
        for k, words_ in enumerate(variants):
            text = " ".join(words_)
            records.append({"id": f"f{f}-{k}", "text": text.upper() if k == 1 else text, "date": f"2026-01-{k + 1:02d}"})
    rng.shuffle(records)
    return records


def stable(result) -> dict:
    out = result.to_dict()
    out.pop("timing")
    out["settings"].pop("jobs")
    return out


@pytest.fixture(scope="module")
def jsonl(tmp_path_factory):
    path = tmp_path_factory.mktemp("jobs") / "corpus.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in corpus()), encoding="utf-8")
    return path


def test_jobs_1_and_2_give_identical_output(jsonl):
    small_batches = {"batch_size": 16}
    one = scan_corpus([jsonl], doc_level(jobs=1, **small_batches))
    two = scan_corpus([jsonl], doc_level(jobs=2, **small_batches))
    assert stable(one) == stable(two)
    assert one.stats["near_duplicate_pairs"] > 0 and one.stats["exact_duplicate_pairs"] > 0


def test_streaming_scan_equals_in_memory_scan(jsonl):
    docs = [Document(id=r["id"], text=r["text"], date=r["date"]) for r in corpus()]
    assert stable(scan_corpus([jsonl], doc_level(jobs=1))) == stable(scan_documents(docs, doc_level(jobs=1)))


def test_passage_scan_is_the_same_with_any_number_of_workers(jsonl):
    one = scan_corpus([jsonl], Settings(jobs=1, batch_size=16))
    two = scan_corpus([jsonl], Settings(jobs=2, batch_size=16))
    assert stable(one) == stable(two)
    assert "rewrite_pairs" in one.stats


def test_crlf_line_ends_read_the_same(tmp_path, jsonl):
    crlf = tmp_path / "crlf.jsonl"
    crlf.write_bytes(jsonl.read_bytes().replace(b"\n", b"\r\n"))
    assert stable(scan_corpus([crlf], doc_level(jobs=1)))["pairs"] == stable(scan_corpus([jsonl], doc_level(jobs=1)))["pairs"]


def test_reported_pairs_are_exactly_the_pairs_at_or_above_the_threshold(jsonl):
    records = corpus()
    sets = {r["id"]: set(reference_shingles(normalize_text(r["text"]), 5)) for r in records}
    truth = set()
    for a, b in itertools.combinations(sorted(sets), 2):
        if len(sets[a] & sets[b]) >= 0.8 * len(sets[a] | sets[b]):
            truth.add((a, b))
    result = scan_corpus([jsonl], doc_level(jobs=2, batch_size=32))
    clusters = {}
    for cluster in result.clusters:
        for member in cluster.members:
            clusters[member] = tuple(cluster.members)
    # Every true pair ends in one cluster; every reported near pair is true.
    assert all(clusters.get(a) is not None and clusters.get(a) == clusters.get(b) for a, b in truth)
    near = {tuple(sorted((p.a, p.b))) for p in result.pairs if p.relation == "near_duplicate"}
    assert near and near <= truth
    for pair in result.pairs:
        a, b = sets[pair.a], sets[pair.b]
        assert pair.jaccard == pytest.approx(len(a & b) / len(a | b), abs=1e-6)


def boilerplate_corpus() -> list[Document]:
    """Documents of a few sources with template lines, sharing prompts,
    repeated sentences and a comments section."""
    rng = random.Random(3)
    words = [f"w{i}" for i in range(300)]
    docs = []
    for k in range(60):
        source = "site" + "abcd"[k % 4]
        body = [" ".join(rng.choice(words) for _ in range(rng.randint(30, 60))).capitalize() + "." for _ in range(5)]
        repeated = f"This sentence from story {k} is quoted twice in the same text."
        body[1] += " " + repeated
        body[3] = repeated + " " + body[3]
        tail = [f"Reporting by the {source} desk, edited by the night team", f"Sign up for the {source} daily newsletter.", "Share this article", "3 Comments", "Great piece, thanks."]
        docs.append(Document(id=f"{source}-{k:02d}", text="\n\n".join(body + tail), source=source))
    return docs


def test_boilerplate_is_the_same_with_any_number_of_workers():
    docs = boilerplate_corpus()
    settings = {"batch_size": 7, "passages": PassageSettings(enabled=False)}
    one = scan_documents(docs, Settings(jobs=1, **settings))
    two = scan_documents(docs, Settings(jobs=2, **settings))
    assert stable(one) == stable(two)
    kinds = {span["kind"] for row in one.to_dict()["documents"] for span in row["boilerplate"]}
    assert {"repeat_in_document", "repeat_in_corpus"} <= kinds


def test_non_ascii_text_after_an_ascii_first_batch_is_the_same_with_any_number_of_workers(tmp_path):
    """The character table is built before the workers fork only when the
    first batch needs it; later non-ASCII text must shingle the same."""
    records = corpus()
    rng = random.Random(4)
    extra = []
    for k in range(6):
        words = [rng.choice(["東京", "ĉambro", "Straße", "قطر", "ñandú", "ναι", "x"]) + str(rng.randrange(40)) for _ in range(120)]
        extra.append({"id": f"u{k}", "text": " ".join(words)})
        words[30], words[90] = "Ĳssel", "café"
        extra.append({"id": f"u{k}-copy", "text": " ".join(words)})
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records + extra), encoding="utf-8")
    assert all(r["text"].isascii() for r in records[:16])
    one = scan_corpus([path], doc_level(jobs=1, batch_size=16))
    two = scan_corpus([path], doc_level(jobs=2, batch_size=16))
    two_stable = stable(two)
    assert stable(one) == two_stable
    docs = [Document(id=r["id"], text=r["text"]) for r in records + extra]
    assert two_stable["pairs"] == stable(scan_documents(docs, doc_level(jobs=1)))["pairs"]
    assert any(p.a.startswith("u") and p.relation == "near_duplicate" for p in two.pairs)


def test_passage_scan_of_files_equals_in_memory_scan(tmp_path, jsonl):
    from dedup.io.corpus import CorpusReader

    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(jsonl.read_bytes() + b"{not json\n")
    reader = CorpusReader([str(bad)])
    docs = list(reader)
    settings = Settings(jobs=1, batch_size=16)
    streamed = stable(scan_corpus([bad], settings))
    assert streamed == stable(scan_documents(docs, settings, reader.problems))
    assert streamed["summary"]["skipped_inputs"] == 1 and streamed["summary"]["passage_near_duplicate_pairs"] + streamed["summary"]["rewrite_pairs"] > 0


def test_default_scan_from_disk_equals_in_memory_scan(tmp_path, jsonl, corpus_dir):
    """scan_corpus keeps the documents in a store on disk and spills the
    passage index in partitions; scan_documents holds both in memory."""
    sample, _ = read_corpus([corpus_dir])
    # Boilerplate (the sample corpus) in documents that also share passages:
    # the masked documents' index fingerprints are taken again.
    sample += [Document(f"copy-{d.id}", d.text[: len(d.text) // 2] + "\n\nA paragraph of its own about other things.") for d in sample]
    records = [{"id": d.id, "text": d.text} for d in sample] + [{"id": r["id"], "text": r["text"], "date": r["date"]} for r in corpus()]
    path = tmp_path / "mixed.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    docs = [Document(r["id"], r["text"], date=r.get("date")) for r in records]
    settings = Settings(jobs=2, batch_size=16)
    from_disk = stable(scan_corpus([path], settings))
    assert from_disk == stable(scan_documents(docs, settings))
    assert from_disk["summary"]["documents_with_boilerplate"] > 0 and from_disk["summary"]["partial_copy_pairs"] > 0
