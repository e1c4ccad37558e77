"""The rules: new documents against the index and against each other.

Candidates come from the stages' own fingerprints (one
:func:`~dedup.lint.build.index_batch` call over the new texts): the same
normalised-text hash (``DUP001``), a shared LSH band key (checked by exact
Jaccard: ``DUP002``), and shared sampled word n-grams, paired by
:func:`dedup.passages.index.candidate_pairs` and verified by alignment
(:func:`dedup.passages.pairs.verify_pairs`: ``DUP002``/``DUP003``/``DUP004``
by the pair's relation). Only the indexed documents a candidate names are
read again from their files. ``BOIL001`` is the per-document boilerplate
share (the in-document rules and the classifier; corpus-level repeats need
the whole corpus and are left out).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Sequence

import numpy as np

from dedup.config import Settings
from dedup.document import Document
from dedup.lint.build import index_batch
from dedup.lint.findings import RULE_FOR_RELATION, RULES, Finding, Location, describe, fingerprint, line_column, sketch
from dedup.lint.index import CorpusIndex, IndexedDocument, IndexFileError
from dedup.lint.sources import SourcedDocument, read_records, shown_path
from dedup.near.candidates import pairs_from_keys
from dedup.near.verification import measure
from dedup.passages.index import candidate_pairs as passage_candidates
from dedup.passages.pairs import PassagePair, verify_pairs_pooled
from dedup.text.similarity import shingle_set


# Candidate pairs per worker from which alignment runs in a pool: an
# alignment costs about 10 ms, a pool's start about 0.1 s.
_PAIRS_PER_WORKER = 40


@dataclass
class _Side:
    """One document of a candidate pair, new or indexed."""

    doc: Document
    location: Location
    digest: bytes
    signature: np.ndarray
    shingles: np.ndarray | None = None
    whole: bool = False


@dataclass
class CheckResult:
    """Findings of :func:`check_documents` and the problems met."""

    findings: list[Finding] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    sketches: dict[str, str] = field(default_factory=dict)


def _new_sides(sources: Sequence[SourcedDocument], fp) -> list[_Side]:
    sides = []
    for k, s in enumerate(sources):
        location = Location(s.shown, s.name, s.line, 1, s.line, 1)
        # HTML text and JSONL records have no line of their own to point at: the whole record is the region.
        whole = bool(s.record) or (s.file is not None and s.file.suffix.lower() in (".html", ".htm"))
        sides.append(_Side(s.doc, location, fp.exact[k].tobytes(), fp.signatures[k], fp.shingles[k], whole))
    return sides


def _indexed_sides(index: CorpusIndex, found: dict[int, IndexedDocument]) -> dict[int, _Side]:
    """Re-read the matched indexed documents (only those), grouped by file.

    Raises:
        IndexFileError: If one cannot be read (the index is out of date or hostile).
    """
    by_file: dict[str, list[IndexedDocument]] = {}
    for item in found.values():
        by_file.setdefault(item.path, []).append(item)
    sides: dict[int, _Side] = {}
    root = index.root.resolve()
    for path, items in sorted(by_file.items()):
        file = (index.root / path).resolve()
        texts = read_records(file, {i.record: i.line for i in items}) if file.is_relative_to(root) and file.is_file() else {}
        for item in items:
            doc = texts.get(item.record)
            if doc is None:
                # A match that cannot be verified would be a silently wrong answer.
                raise IndexFileError(
                    f"{index.path}: names {item.name!r}, which cannot be read again (file or record gone, or outside the index's folder); "
                    "update the index with `dedup index add`/`remove` or rebuild it"
                )
            shown = shown_path(file)
            line = 1
            name = f"{shown}#{item.record}" if item.record else shown
            if item.record:
                line = int(doc.origin.rsplit(":", 1)[1])
            location = Location(shown, name, line, 1, line, 1, indexed=True)
            whole = file.suffix.lower() in (".html", ".htm") or bool(item.record)
            sides[item.doc] = _Side(replace(doc, id=name, **item.meta), location, item.exact, item.signature, None, whole)
    return sides


def _region(side: _Side, start: int, end: int) -> Location:
    """The location of characters ``[start, end)`` of a side's text (the whole record for JSONL/HTML)."""
    if side.whole:
        return side.location
    line, column = line_column(side.doc.text, start)
    end_line, end_column = line_column(side.doc.text, max(start, end - 1))
    return replace(side.location, line=line, column=column, end_line=end_line, end_column=end_column)


def _source(primary: _Side, other: _Side, coverage: tuple[float, float], quoted: list, shared: list | None = None) -> tuple[str | None, dict[str, Any]]:
    """The likely source of the shared text, by the provenance stage's weighing of the
    evidence (dates, wire credits, attributed quotes, coverage); when it cannot tell,
    the indexed document, which was in the corpus first.

    Returns:
        The source's name (``None``: undetermined) and the direction's
        confidence and evidence.
    """
    from dedup.provenance.pairs import direct_pair

    # The shared passages, as the scan passes them: a credit counts only where it heads shared text.
    direction = direct_pair(primary.doc, other.doc, coverage, quoted, shared=shared)
    figures = {"source_confidence": direction.confidence, "source_evidence": list(direction.evidence)}
    if direction.source is not None:
        return direction.source, figures
    if other.location.indexed:
        figures = {"source_confidence": None, "source_evidence": ["already in the corpus (the index)"] + figures["source_evidence"]}
        return other.location.name, figures
    return None, figures


def _pair_finding(rule: str, primary: _Side, other: _Side, figures: dict[str, Any], span_p=None, span_o=None, quoted=(), shared=None) -> Finding:
    here = _region(primary, *span_p) if span_p else _region(primary, 0, len(primary.doc.text))
    there = _region(other, *span_o) if span_o else _region(other, 0, len(other.doc.text))
    coverage = (figures.get("shared_share", figures["containment"]), figures.get("other_shared_share", figures.get("other_containment", figures["containment"])))
    source, direction = _source(primary, other, coverage, list(quoted), shared)
    figures = {**figures, **direction}
    return Finding(
        rule=rule,
        relation=RULES[rule][0],
        location=here,
        other=there,
        source=source,
        figures=figures,
        fingerprint=fingerprint(rule, [primary.digest, other.digest]),
        sketches=(sketch(primary.signature), sketch(other.signature)),
        message=describe(rule, other.location.name, figures, source),
    )


def _shingles(side: _Side, ngram: int) -> np.ndarray:
    if side.shingles is None:
        side.shingles = shingle_set(side.doc.text, ngram)
    return side.shingles


def _passage_figures(pp: PassagePair, primary_is_a: bool) -> tuple[dict[str, Any], tuple[int, int] | None, tuple[int, int] | None]:
    al = pp.alignment
    stats = al.stats
    extra = pp.extra()
    figures = {
        "jaccard": stats["jaccard"],
        "containment": stats["containment_a" if primary_is_a else "containment_b"],
        "shared_share": round(al.share_a if primary_is_a else al.share_b, 4),
        "other_shared_share": round(al.share_b if primary_is_a else al.share_a, 4),
        "verbatim_passages": extra["verbatim_passages"],
        "reworded_passages": extra["reworded_passages"],
        "aligned_sentences": extra["aligned_sentences"],
    }
    passages = sorted(al.passages, key=lambda p: (p.quoted, (p.a if primary_is_a else p.b).start))
    if not passages:
        return figures, None, None
    first = passages[0]
    here, there = (first.a, first.b) if primary_is_a else (first.b, first.a)
    return figures, (here.start, here.end), (there.start, there.end)


def _boilerplate(docs: list[Document], settings: Settings) -> dict[str, list]:
    """Per-document boilerplate spans (no corpus-level repeats: the corpus is not at hand)."""
    if not settings.boilerplate.enabled or not docs:
        return {d.id: [] for d in docs}
    from dedup.boilerplate.detect import boilerplate_report

    per_document = replace(settings, boilerplate=replace(settings.boilerplate, corpus_repeats=False))
    return boilerplate_report(docs, per_document)[0]


def _candidates(sources, fp, index: CorpusIndex | None, settings: Settings) -> tuple[list, np.ndarray, list, list[int]]:
    """Exact, band and passage candidate pairs over new documents ``0..n-1`` and indexed ones.

    Returns:
        ``(exact, band, passage, indexed)``: pairs of local numbers (new
        documents first, then ``indexed`` in order), ``passage`` with the
        count of n-grams each pair shares; ``indexed`` holds ``None`` for
        the documents no pair names.
    """
    n = len(sources)
    ps = settings.passages
    first_with: dict[bytes, int] = {}
    exact = []
    for k in range(n):
        head = first_with.setdefault(fp.exact[k].tobytes(), k)
        if head != k:
            exact.append((head, k))
    band = pairs_from_keys(fp.band_keys)
    hashes, owners = fp.index_hashes, fp.index_owners
    indexed: list[int] = []
    if index is not None:
        # A linted file that is indexed stands for its indexed copy: no document is matched against that copy too.
        own = {d for s in sources if s.file is not None and (d := _self(index, s)) is not None}
        exact_ix = [p for p in index.exact_matches(fp.exact) if p[1] not in own]
        band_ix = [p for p in map(tuple, index.band_matches(fp.band_keys).tolist()) if p[1] not in own]
        gram_h, gram_d, common = index.gram_holders(fp.index_hashes)
        keep = ~np.isin(gram_d, np.fromiter(own, dtype=np.int64, count=len(own)))
        gram_h, gram_d = gram_h[keep], gram_d[keep]
        usual = ~np.isin(hashes, common)
        hashes, owners = hashes[usual], owners[usual]
        indexed = sorted({d for _, d in exact_ix} | {d for _, d in band_ix} | set(np.unique(gram_d).tolist()))
        local = {d: n + k for k, d in enumerate(indexed)}
        exact += [(i, local[d]) for i, d in exact_ix]
        band = np.concatenate([band, np.array([(i, local[d]) for i, d in band_ix], dtype=np.int64).reshape(-1, 2)])
        hashes = np.concatenate([hashes, gram_h])
        owners = np.concatenate([owners, np.array([local[d] for d in gram_d.tolist()], dtype=np.int64)])
    pairs, counts = passage_candidates(hashes, owners, n + len(indexed), ps.index_max_docs, ps.min_shared_fingerprints)
    new = pairs[:, 0] < n
    passage = list(zip(map(tuple, pairs[new].tolist()), counts[new].tolist()))
    # Only the indexed documents a candidate pair names are read again.
    named = {k for pair in exact for k in pair} | set(band.reshape(-1).tolist()) | {k for pair, _ in passage for k in pair}
    indexed = [d if n + k in named else None for k, d in enumerate(indexed)]
    return exact, band, passage, indexed


def _self(index: CorpusIndex, source: SourcedDocument) -> int | None:
    """The indexed row of a linted document's own file, if indexed (never a match for itself)."""
    try:
        relative = source.file.relative_to(index.root).as_posix()
    except ValueError:
        return None
    return index.find(relative, source.record)


def check_documents(sources: Sequence[SourcedDocument], index: CorpusIndex | None, settings: Settings) -> CheckResult:
    """Every finding of the enabled rules for ``sources``.

    Args:
        sources: The documents to lint.
        index: The corpus index, or ``None`` to check them against each other only.
        settings: Thresholds and ``settings.lint.rules``.

    Returns:
        Findings sorted by file, line and rule, and the MinHash sketch of
        every linted document (to tell stale baseline entries).
    """
    result = CheckResult()
    if not sources:
        return result
    rules = settings.lint.rules
    fp = index_batch([s.doc.text for s in sources], settings, keep_shingles=True)
    result.sketches = {s.name: sketch(fp.signatures[k]) for k, s in enumerate(sources)}
    exact, band, passage, indexed = _candidates(sources, fp, index, settings)
    sides: dict[int, _Side] = dict(enumerate(_new_sides(sources, fp)))
    n = len(sources)
    wanted = [d for d in indexed if d is not None]
    if wanted:
        read = _indexed_sides(index, index.documents(wanted))
        by_doc = {d: n + k for k, d in enumerate(indexed) if d is not None}
        sides.update({by_doc[d]: side for d, side in read.items()})
    reported: set[tuple[int, int]] = set()
    for i, j in exact:
        if i in sides and j in sides and (i, j) not in reported:
            reported.add((i, j))
            if "DUP001" in rules:
                result.findings.append(_oriented("DUP001", sides, i, j, n, {"jaccard": 1.0, "containment": 1.0}))
    for i, j in sorted(set(map(tuple, band.tolist()))):
        if i in sides and j in sides and (i, j) not in reported:
            found = measure(i, j, _shingles(sides[i], settings.ngram), _shingles(sides[j], settings.ngram))
            if found.jaccard >= settings.threshold:
                reported.add((i, j))
                if "DUP002" in rules:
                    mine, theirs = (found.containment_i, found.containment_j) if _primary_is_first(i, j, n) else (found.containment_j, found.containment_i)
                    figures = {"jaccard": round(found.jaccard, 4), "containment": round(mine, 4), "other_containment": round(theirs, 4)}
                    result.findings.append(_oriented("DUP002", sides, i, j, n, figures))
    aligning = settings.passages.enabled and bool({"DUP002", "DUP003", "DUP004"} & set(rules))
    todo = [(pair, count) for pair, count in passage if aligning and pair[0] in sides and pair[1] in sides and pair not in reported]
    # Boilerplate of the new documents (BOIL001, masks) and of the indexed ones still to align (masks).
    needed = (set(range(n)) if aligning or "BOIL001" in rules else set()) | {k for pair, _ in todo for k in pair}
    spans = _boilerplate([sides[k].doc for k in sorted(needed)], settings)
    if todo:
        result.findings += _passage_findings(todo, sides, spans, settings, n)
    if "BOIL001" in rules:
        result.findings += _boilerplate_findings(sides, spans, settings, n)
    result.findings.sort(key=Finding.sort_key)
    return result


def _primary_is_first(i: int, j: int, n: int) -> bool:
    """The finding goes on the new document; of two new ones, on the later (the copy added second)."""
    return j >= n


def _oriented(rule: str, sides, i: int, j: int, n: int, figures: dict, spans: tuple = (None, None), quoted: Sequence = (), shared: Sequence | None = None) -> Finding:
    """The finding of pair ``(i, j)`` on its primary document; ``quoted`` and
    ``shared``: shared quotations and passages as ``(i_start, i_end, j_start, j_end)``
    (``shared`` ``None``: the whole documents are shared)."""
    if _primary_is_first(i, j, n):
        return _pair_finding(rule, sides[i], sides[j], figures, *spans, quoted=quoted, shared=shared and list(shared))
    swapped = [(c, d, a, b) for a, b, c, d in quoted], shared and [(c, d, a, b) for a, b, c, d in shared]
    return _pair_finding(rule, sides[j], sides[i], figures, *spans[::-1], quoted=swapped[0], shared=swapped[1])


def _passage_findings(todo, sides, spans, settings: Settings, n: int) -> list[Finding]:
    """Align the passage candidates ``todo`` (``((i, j), shared n-grams)``) and report those with a relation."""
    from dedup.boilerplate.detect import reuse_masks

    order = sorted({k for pair, _ in todo for k in pair})
    position = {k: p for p, k in enumerate(order)}
    docs = [sides[k].doc for k in order]
    pairs = [(position[i], position[j]) for (i, j), _ in todo]
    found = verify_pairs_pooled(docs, pairs, settings, reuse_masks(spans, settings), [c for _, c in todo], sentences=False, pairs_per_worker=_PAIRS_PER_WORKER)
    found.sort(key=lambda pp: (pp.i, pp.j))
    out = []
    for pp in found:
        i, j = order[pp.i], order[pp.j]
        rule = RULE_FOR_RELATION[pp.relation]
        if rule not in settings.lint.rules:
            continue
        first = _primary_is_first(i, j, n)
        figures, here, there = _passage_figures(pp, first)
        shared = [(p.a.start, p.a.end, p.b.start, p.b.end) for p in pp.alignment.passages]
        quoted = [span for span, p in zip(shared, pp.alignment.passages) if p.quoted]
        out.append(_oriented(rule, sides, i, j, n, figures, (here, there) if first else (there, here), quoted, shared))
    return out


def _boilerplate_findings(sides, spans, settings: Settings, n: int) -> list[Finding]:
    from dedup.boilerplate.detect import summarize

    out = []
    limit = settings.lint.boilerplate_share
    for k in range(n):
        side = sides[k]
        found = spans.get(side.doc.id, [])
        share = summarize(side.doc.text, found)["boilerplate_share"] if found else 0.0
        if found and share >= limit:
            first = min(found, key=lambda s: s.start)
            figures = {"boilerplate_share": share, "limit": limit}
            out.append(
                Finding(
                    rule="BOIL001",
                    relation=RULES["BOIL001"][0],
                    location=_region(side, first.start, first.end),
                    other=None,
                    source=None,
                    figures=figures,
                    fingerprint=fingerprint("BOIL001", [side.digest]),
                    sketches=(sketch(side.signature),),
                    message=describe("BOIL001", None, figures, None),
                )
            )
    return out
