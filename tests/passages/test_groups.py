"""Text shared verbatim by several documents is reported once, as a
shared-passage group (``passages.group_min_docs``), not as a pair per two
of its documents; near copies and pairs with text of their own stay pairs."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from dedup.cli import main
from dedup.config import ConfigError, PassageSettings, Settings
from dedup.document import Document
from dedup.scan import scan_documents

_VOCABULARY = ["".join(random.Random(k).choice("abcdefghijklmnopqrstuvwxyz") for _ in range(4 + k % 6)) for k in range(4000)]


def _sentences(rng: random.Random, n: int) -> str:
    words = [rng.choice(_VOCABULARY) for _ in range(n)]
    return " ".join(" ".join(words[i : i + 14]).capitalize() + "." for i in range(0, n, 14))


def _quoting(copies: int = 6, dates: list[str | None] | None = None) -> tuple[list[Document], str]:
    """``copies`` documents quoting one passage amid text of their own, and the passage."""
    rng = random.Random(9)
    passage = _sentences(rng, 70)
    dates = dates or [None] * copies
    docs = [Document(f"q{k}", _sentences(rng, 200) + " " + passage + " " + _sentences(rng, 200), date=dates[k]) for k in range(copies)]
    return docs, passage


def test_a_passage_quoted_by_six_documents_is_one_group_not_fifteen_pairs() -> None:
    docs, passage = _quoting()
    result = scan_documents(docs, Settings(jobs=1))
    assert result.pairs == [] and result.stats["passage_pairs_in_groups"] == 15
    [group] = result.shared_passages
    assert group.id == "g1" and group.member_ids() == [d.id for d in docs]
    assert group.source is None and group.direction_evidence == "undetermined"
    for doc, member in zip(docs, group.documents):
        start = doc.text.index(passage)
        [[a, b]] = member["spans"]
        # the index's spans lie inside the passage and cover nearly all of it (sampled n-grams)
        assert start <= a < b <= start + len(passage) and (b - a) > 0.9 * len(passage)
        assert member["chars"] == b - a
    assert group.text.endswith("…") and group.text[:-1] in passage and len(group.text) == 300 and group.chars > 0.9 * len(passage)
    for row in result.documents:
        [entry] = row.extra["shared_with"]
        assert entry["id"] == "g1" and entry["relation"] == "shared_passage" and entry["role"] == "undetermined"
        # the group's documents are listed once, in its row: the entry names the group
        assert "documents" not in entry and row.id in group.member_ids()
        assert entry["chars"] == next(m["chars"] for m in group.documents if m["id"] == row.id)
        assert 0 < row.extra["composition_shared_undetermined"] < 0.3
    assert result.stats["documents_sharing_nothing"] == 0


def test_without_groups_every_pair_is_reported() -> None:
    docs, _ = _quoting()
    result = scan_documents(docs, Settings(jobs=1, passages=PassageSettings(group_min_docs=0)))
    assert len(result.pairs) == 15 and result.shared_passages == []
    assert "passage_pairs_in_groups" not in result.stats


def test_the_earliest_dated_document_is_the_groups_source_and_the_others_copies() -> None:
    docs, _ = _quoting(4, ["2024-03-02", "2024-03-01", "2024-03-05", "2024-03-04"])
    result = scan_documents(docs, Settings(jobs=1))
    [group] = result.shared_passages
    assert group.source == "q1" and group.direction_evidence == "earliest date"
    roles = {row.id: row.extra["shared_with"][0]["role"] for row in result.documents}
    assert roles == {"q0": "copy", "q1": "source", "q2": "copy", "q3": "copy"}
    tied, _ = _quoting(3, ["2024-03-01", "2024-03-01T10:00", "2024-03-02"])
    assert scan_documents(tied, Settings(jobs=1)).shared_passages[0].source is None
    # every member dated, or no source: one without a date, or with one that does not parse
    for dates in (["2024-03-02", "2024-03-01", None, "2024-03-04"], ["2024-03-02", "2024-03-01", "soon", "2024-03-04"]):
        undated, _ = _quoting(4, dates)
        [group] = scan_documents(undated, Settings(jobs=1)).shared_passages
        assert group.source is None and group.direction_evidence != "earliest date"


def test_near_copies_of_one_story_stay_pairs() -> None:
    rng = random.Random(3)
    story = _sentences(rng, 300)
    docs = [Document(f"w{k}", _sentences(rng, 20) + " " + story) for k in range(4)]
    result = scan_documents(docs, Settings(jobs=1))
    assert len(result.pairs) == 6 and result.shared_passages == []
    assert {p.relation for p in result.pairs} <= {"near_duplicate", "partial_copy"}


def test_a_pair_with_text_of_its_own_stays_a_pair_beside_the_group() -> None:
    docs, _ = _quoting(5)
    rng = random.Random(5)
    own = _sentences(rng, 60)
    docs[0] = Document("q0", docs[0].text + " " + own)
    docs[3] = Document("q3", own + " " + docs[3].text)
    result = scan_documents(docs, Settings(jobs=1))
    assert [(p.a, p.b) for p in result.pairs] == [("q0", "q3")]
    [group] = result.shared_passages
    assert len(group.documents) == 5 and result.stats["passage_pairs_in_groups"] == 9


def test_group_min_docs_below_three_is_refused() -> None:
    for bad in (1, 2, -1):
        with pytest.raises(ConfigError, match="group_min_docs"):
            PassageSettings(group_min_docs=bad)


def _write_corpus(tmp_path: Path, docs: list[Document]) -> Path:
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps({"id": d.id, "text": d.text}) + "\n" for d in docs), encoding="utf-8")
    return path


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_every_output_format_carries_the_group(tmp_path: Path, jobs: str) -> None:
    docs, _ = _quoting()
    path = str(_write_corpus(tmp_path, docs))
    runner = CliRunner()
    out = {fmt: runner.invoke(main, ["scan", path, "--jobs", jobs, "--format", fmt, "--no-progress"], env={"COLUMNS": "200"}) for fmt in ("json", "jsonl", "csv", "text", "html")}
    assert all(r.exit_code == 0 for r in out.values()), {f: r.output[-500:] for f, r in out.items()}
    found = json.loads(out["json"].output)
    assert found["pairs"] == [] and [len(g["documents"]) for g in found["shared_passages"]] == [6]
    assert found["summary"]["shared_passage_groups"] == 1
    [line] = [json.loads(x) for x in out["jsonl"].output.splitlines()]
    assert line["relation"] == "shared_passage" and line["group"] == "g1" and len(line["documents"]) == 6
    [row] = list(csv.DictReader(io.StringIO(out["csv"].output)))
    assert row["relation"] == "shared_passage" and row["group"] == "g1" and json.loads(row["documents"]) == [d.id for d in docs]
    assert "1 shared-passage group" in out["text"].output and "Shared passages" in out["text"].output
    assert 'id="groups"' in out["html"].output and "q5" in out["html"].output


def test_clean_drop_shared_passages_keeps_a_groups_text_once(tmp_path: Path) -> None:
    docs, passage = _quoting(4)
    path = str(_write_corpus(tmp_path, docs))
    runner = CliRunner()
    done = runner.invoke(main, ["clean", path, "-o", str(tmp_path / "out"), "--drop-shared-passages", "--no-progress", "--jobs", "1"])
    assert done.exit_code == 0, done.output
    cleaned = [json.loads(x) for x in (tmp_path / "out" / "corpus.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(cleaned) == 4
    holding = [r["id"] for r in cleaned if passage[20:120] in r["text"]]
    assert holding == ["q0"]
    log = [json.loads(x) for x in (tmp_path / "out" / ".dedup-clean-log.jsonl").read_text(encoding="utf-8").splitlines()]
    assert all(entry["related"] == ["q0"] for entry in log if entry["id"] != "q0")
    again = runner.invoke(main, ["scan", str(tmp_path / "out" / "corpus.jsonl"), "--format", "json", "--no-progress", "--jobs", "1"])
    rescanned = json.loads(again.output)
    assert rescanned["pairs"] == [] and rescanned["shared_passages"] == []


@pytest.mark.parametrize("seed", range(12))
def test_a_short_quote_is_never_lost_to_a_group(seed: int) -> None:
    # a quote just past min_shared_chars in four of twelve documents: its sampled fingerprints may start well
    # inside it, so its spans can fall short of the floor while the pairs it would make reach it
    rng = random.Random(seed)
    quote = _sentences(rng, 20)
    docs = [Document(f"d{k:02d}", _sentences(rng, 120) + " " + (quote + " " if k < 4 else "") + _sentences(rng, 60)) for k in range(12)]
    without = scan_documents(docs, Settings(jobs=1, passages=PassageSettings(group_min_docs=0)))
    with_groups = scan_documents(docs, Settings(jobs=1))
    sharing = [row.id for row in without.documents if row.extra["shared_with"]]
    assert sharing == ["d00", "d01", "d02", "d03"]
    assert [row.id for row in with_groups.documents if row.extra["shared_with"]] == sharing


def test_a_groups_documents_are_shown_as_written_in_the_terminal(tmp_path: Path) -> None:
    docs, _ = _quoting(copies=3)
    # ids are untrusted: rich markup and a terminal escape must reach the screen as inert characters
    hostile = ["[b]q0[/b]", "q1\x1b[2J", "[i]q2"]
    docs = [Document(name, doc.text) for name, doc in zip(hostile, docs)]
    out = CliRunner().invoke(main, ["scan", str(_write_corpus(tmp_path, docs)), "--jobs", "1", "--no-progress", "--color", "never"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output[-500:]
    assert "3: [b]q0[/b], q1\\x1b[2J, [i]q2" in out.output  # the groups table's row
    assert "\x1b" not in out.output


def test_a_passage_quoted_in_overlapping_pieces_is_reported_as_without_groups() -> None:
    # three documents hold a passage whole, nine others a different overlapping piece of it each: its fingerprints
    # fall into many small groups, each under the floors; the pairs they held must still be reported
    rng = random.Random(7)
    passage = [rng.choice(_VOCABULARY) for _ in range(60)]
    filler = lambda: " ".join(rng.choice(_VOCABULARY) for _ in range(150))  # noqa: E731
    docs = [Document(name, filler() + " " + " ".join(passage) + " " + filler()) for name in "ABC"]
    docs += [Document(f"W{k}", filler() + " " + " ".join(passage[6 * k : 6 * k + 12]) + " " + filler()) for k in range(9)]
    without = scan_documents(docs, Settings(jobs=1, passages=PassageSettings(group_min_docs=0)))
    with_groups = scan_documents(docs, Settings(jobs=1))
    assert {("A", "B"), ("A", "C"), ("B", "C")} <= {(p.a, p.b) for p in without.pairs}
    covered = {(p.a, p.b) for p in with_groups.pairs} | {
        (a, b) for g in with_groups.shared_passages for a in g.member_ids() for b in g.member_ids() if a < b
    }
    assert {(p.a, p.b) for p in without.pairs} <= covered
    assert [row.id for row in with_groups.documents if row.extra["shared_with"]] == [row.id for row in without.documents if row.extra["shared_with"]]


def test_a_groups_source_reads_dates_as_the_pairs_do() -> None:
    # day.month.year: compared as text, 02.02.2024 would come before 15.01.2024
    docs, _ = _quoting(copies=4, dates=["15.01.2024", "02.02.2024", "03.02.2024", "04.02.2024"])
    [group] = scan_documents(docs, Settings(jobs=1)).shared_passages
    assert group.source == "q0" and group.direction_evidence == "earliest date"


@pytest.mark.parametrize("seed", range(6))
def test_the_pairs_reported_groups_hold_are_those_of_the_documents_their_spans_were_found_in(seed: int) -> None:
    # the pairs of the groups' members, found once for choosing the groups, are reused for the reported ones;
    # a group whose spans were not found in every member holds only the pairs of those it was found in
    from dedup.passages.group_rows import _held_pairs, reported_entries
    from dedup.passages.group_spans import GroupSpans
    from dedup.passages.groups import Groups, left_out_pairs_in_groups, pairs_within

    rng = np.random.default_rng(seed)
    n_docs = 60
    members = [np.sort(rng.choice(n_docs, size=int(rng.integers(3, 12)), replace=False)) for _ in range(25)]
    groups = Groups(members, np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64), np.ones(len(members), dtype=np.int64))
    everything = np.array([(i, j) for i in range(n_docs) for j in range(i + 1, n_docs)], dtype=np.int64)
    left_out = everything[rng.random(len(everything)) < 0.4]
    left_out = left_out[rng.permutation(len(left_out))]  # in any order
    codes = left_out[:, 0] * n_docs + left_out[:, 1]
    order = np.argsort(codes, kind="stable")
    at, group = left_out_pairs_in_groups(groups, n_docs, codes[order])
    reported = rng.random(len(members)) < 0.6
    def found_in(m: np.ndarray, way: int) -> np.ndarray:
        if way == 0:
            return m
        if way == 1:  # fewer documents
            return np.sort(rng.choice(m, size=m.size - 1, replace=False))
        other = np.setdiff1d(np.arange(n_docs), m)  # as many, one of them another
        return np.sort(np.append(m[1:], rng.choice(other)))

    ways = rng.integers(0, 3, size=len(members))
    every = [found_in(m, way) for m, way in zip(members, ways.tolist())]
    held = [h for h, chosen in zip(every, reported) if chosen]
    assert {0, 1, 2} <= set(ways[reported].tolist())
    found = GroupSpans(group=np.repeat(np.arange(len(every)), [h.size for h in every]), document=np.concatenate(every))
    bounds = found.group_bounds(len(every))
    within = _held_pairs(groups, *reported_entries(bounds, reported), found, bounds, n_docs, left_out, order[at], group)
    assert within.any() and np.array_equal(within, pairs_within(held, n_docs, left_out))


def test_the_pairs_within_groups_are_every_pair_of_each_groups_members_by_size_then_group() -> None:
    from itertools import combinations

    from dedup.passages.groups import pair_codes_within

    rng = np.random.default_rng(4)
    n_docs = 50
    members = [np.sort(rng.choice(n_docs, size=int(rng.integers(1, 8)), replace=False)) for _ in range(40)]
    codes, owners = pair_codes_within(members, n_docs)
    expected = [
        (i * n_docs + j, k)
        for size in sorted({m.size for m in members})
        for k, m in enumerate(members) if m.size == size
        for i, j in combinations(m.tolist(), 2)
    ]
    assert list(zip(codes.tolist(), owners.tolist())) == expected
    assert [c.size for c in pair_codes_within([], n_docs)] == [0, 0]


def test_what_lives_once_the_groups_are_built_is_set_aside_from_collections_until_the_pairs_are_verified() -> None:
    import gc

    from dedup.passages.pairs import _set_aside_from_collections

    assert gc.get_freeze_count() == 0
    with _set_aside_from_collections() as set_aside:
        assert gc.get_freeze_count() == 0  # only once asked
        set_aside()
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), _set_aside_from_collections() as set_aside:
        set_aside()
        raise RuntimeError("a pair's alignment failed")
    assert gc.get_freeze_count() == 0
    # a scan that reports groups leaves nothing set aside behind it
    docs, _ = _quoting()
    assert scan_documents(docs, Settings(jobs=1)).shared_passages and gc.get_freeze_count() == 0


# In a fresh interpreter: objects a batch process froze stay frozen once the passage stage's are set aside.
FROZEN_BEFORE = """
import gc
from dedup.engine.memory import collect_less
from dedup.passages.pairs import _set_aside_from_collections
collect_less()
before = gc.get_freeze_count()
with _set_aside_from_collections() as set_aside:
    kept = [[] for _ in range(1000)]
    set_aside()
print(before, gc.get_freeze_count())
"""


def test_setting_aside_leaves_what_the_process_froze_before_frozen() -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", FROZEN_BEFORE], capture_output=True, text=True, check=True)
    before, after = map(int, out.stdout.split())
    assert before > 0 and after >= before + 1000


def test_a_call_in_the_background_gives_its_value_or_raises_its_error_where_it_is_taken() -> None:
    # the pairs are aligned on a thread of their own while the groups' rows are made
    import threading

    from dedup.engine.alongside import Alongside

    started, release = threading.Event(), threading.Event()

    def aligned() -> list[int]:
        started.set()
        release.wait(10)
        return [1, 2]

    running = Alongside(aligned, "test").start()
    assert started.wait(10)  # running before anything asks for it
    release.set()
    assert running.result() == [1, 2]
    failing = Alongside(lambda: [][1], "test").start()
    with pytest.raises(IndexError):
        failing.result()


def test_a_groups_median_in_plain_python_is_numpys() -> None:
    from dedup.passages.group_rows import median_int

    rng = random.Random(3)
    for size in [1, 2, 3, 4, 5, 10, 11] * 40:
        values = [rng.randrange(0, 5000 if size % 2 else 7) for _ in range(size)]
        assert median_int(values) == int(np.median(values)), values


@pytest.mark.parametrize("columns", [1, 2, 8])
def test_groups_are_ordered_as_lists_of_their_members(columns: int) -> None:
    # sets equal in their first columns, sets that are prefixes of others and repeated sets among random ones
    from dedup.passages.groups import lexicographic_order

    rng = np.random.default_rng(columns)
    members = [np.sort(rng.choice(30, size=int(rng.integers(1, 7)), replace=False)) for _ in range(300)]
    members += [np.array([1, 2, 3, 4, 5]), np.array([1, 2, 3]), np.array([1, 2, 3, 4, 5]), np.array([1, 2, 3, 4, 6]), np.array([], dtype=np.int64)]
    assert lexicographic_order(members, columns) == sorted(range(len(members)), key=lambda k: members[k].tolist())
    assert lexicographic_order([]) == []


def test_members_held_flat_read_as_an_array_per_group() -> None:
    from dedup.passages.groups import Members, set_members

    rng = np.random.default_rng(7)
    arrays = [np.sort(rng.choice(40, size=int(rng.integers(0, 6)), replace=False)) for _ in range(30)]
    members = Members.of(arrays)
    assert len(members) == 30 and [m.tolist() for m in members] == [a.tolist() for a in arrays]
    assert [members[k].tolist() for k in range(30)] == [a.tolist() for a in arrays]
    chosen = rng.permutation(30)[:12]
    assert [m.tolist() for m in members.taking(chosen)] == [arrays[k].tolist() for k in chosen.tolist()]
    joined = Members.joined([members.taking([3, 1]), Members.of([]), members.taking([0])])
    assert [m.tolist() for m in joined] == [arrays[3].tolist(), arrays[1].tolist(), arrays[0].tolist()]
    assert Members.of(members) is members and len(Members.joined([])) == 0
    # the holders of the first set added with each wanted signature
    found = set_members(np.array([5, 9, 5], dtype=np.uint64), np.array([2, 3, 1]), np.array([1, 2, 3, 4, 5, 6]), np.array([9, 5], dtype=np.uint64))
    assert [m.tolist() for m in found] == [[3, 4, 5], [1, 2]]
    assert len(set_members(np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64))) == 0


def test_code_totals_sum_each_codes_counts_in_order_of_code() -> None:
    from collections import Counter

    from dedup.passages.groups import code_totals

    rng = np.random.default_rng(11)
    codes, counts = rng.integers(0, 50, 400), rng.integers(1, 9, 400)
    summed = Counter()
    for code, count in zip(codes.tolist(), counts.tolist()):
        summed[code] += count
    distinct, totals = code_totals(codes, counts)
    assert distinct.tolist() == sorted(summed) and totals.tolist() == [summed[c] for c in sorted(summed)]


def test_marked_numbers_is_unique_with_inverse() -> None:
    from dedup.passages.groups import marked_numbers

    rng = np.random.default_rng(7)
    for size, count in [(1, 0), (5, 3), (50, 400), (1000, 30)]:
        values = rng.integers(0, size, count)
        distinct, number = marked_numbers(values, size)
        expected, inverse = np.unique(values, return_inverse=True)
        assert distinct.tolist() == expected.tolist()
        assert number.tolist() == inverse.reshape(-1).tolist()
