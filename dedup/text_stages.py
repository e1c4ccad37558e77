"""Stages 6-8 of the scan, over the documents stages 1-5 read: boilerplate,
shared passages, provenance (:func:`text_stages`).

On a local engine, two of them start while the stage before them finishes
(between the workers' parts of two stages this process used to work alone):

- the boilerplate report (:class:`EarlyBoilerplate`) needs only what stage 1
  read, and is made while stages 2-4 find and verify the document pairs;
- the passage pairs (:class:`EarlyPassages`) need the boilerplate masks and
  the verified pairs, and are found (the workers' index pass first) while
  stage 5 assembles the result's rows and the boilerplate stage adds to them.

Each keeps what it gives the result until its stage takes it, in the order
the stages always gave it, so the output is the same. Their faults are
recorded as they come: what runs meanwhile in this process records none.
"""

from __future__ import annotations

import time
from array import array
from collections import Counter
from contextlib import contextmanager
from functools import partial
from typing import Callable, Iterator, Mapping, Sequence

import numpy as np

from dedup.config import Settings
from dedup.document import Document, document_ids
from dedup.engine import Engine, StageFault
from dedup.engine.alongside import Alongside
from dedup.engine.memory import trim_heap
from dedup.io.corpus import InputProblem
from dedup.io.problems import ProblemLog
from dedup.io.row_spill import SpilledRows, updated_rows, with_extra
from dedup.near.table import recluster
from dedup.near.verification import Verified
from dedup.results import NEAR_DUPLICATE, PARTIAL_COPY, REWRITE, ScanResult, collection_paused

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``; ``total`` is 0 while a stream's length is unknown."""


def import_text_stages(settings: Settings, engine: Engine) -> None:
    """Import the passage and provenance stages before a local engine's
    workers fork, so that they share the modules. Imported by each worker
    with its first chunk of passage pairs (SciPy's sparse module among
    them), they kept the workers idle 0.25 s while this process, which
    imported them too, had already handed the chunks out."""
    if settings.passages.enabled and not getattr(engine, "distributed", False):
        import dedup.passages.pair_rows  # noqa: F401
        import dedup.passages.pairs  # noqa: F401
        import dedup.provenance.composition  # noqa: F401
        import dedup.provenance.pairs  # noqa: F401


def text_stages(
    docs: Sequence[Document], settings: Settings, result: ScanResult, engine: Engine, index=None, progress: Progress | None = None,
    faults: list[StageFault] | None = None, problems: ProblemLog | None = None, early: EarlyBoilerplate | None = None,
    early_passages: EarlyPassages | None = None,
) -> ScanResult:
    """Stages 6 and 7, where enabled, over the documents the scan has read
    (``early``: the boilerplate report, when started during stages 2-5;
    ``early_passages``: the passage pairs, when started before stage 5)."""
    masks: dict[str, list] = {}
    if settings.boilerplate.enabled:
        with _timed(result, "boilerplate"):
            masks = boilerplate_stage(docs, settings, result, engine, progress, faults, early)
        if early is not None:  # and the seconds it took before
            result.timing["stage_seconds"]["boilerplate"] = round(result.timing["stage_seconds"]["boilerplate"] + early.seconds, 3)
    if settings.passages.enabled:
        # With the pairs started early (a local engine), the clusters are made again while the workers read the provenance signals.
        with _timed(result, "passages"):
            reclustering = passage_stage(docs, settings, result, masks, engine, index, progress, faults, problems, early_passages,
                                         clusters_later=early_passages is not None)
        if early_passages is not None:  # from when it started
            result.timing["stage_seconds"]["passages"] = round(time.perf_counter() - early_passages.started, 3)
        with _timed(result, "provenance"):
            provenance_stage(docs, settings, result, engine, reclustering)
    return result


@contextmanager
def _timed(result: ScanResult, stage: str) -> Iterator[None]:
    """Add a stage's seconds to the result's timing, the heap freed before it given back (:func:`trim_heap`)."""
    trim_heap()
    started = time.perf_counter()
    yield
    result.timing.setdefault("stage_seconds", {})[stage] = round(time.perf_counter() - started, 3)


def boilerplate_stage(
    docs: Sequence[Document], settings: Settings, result: ScanResult, engine: Engine, progress: Progress | None = None, faults: list[StageFault] | None = None,
    early: EarlyBoilerplate | None = None,
) -> dict[str, list]:
    """Stage 6: boilerplate spans of every document, added to ``result``
    (a document the stage fails on has none, and a fault in ``faults``).
    ``early``: the report, started before (its faults went to ``faults`` then).

    Returns:
        The spans to leave out of reuse figures per document id (none when
        ``settings.boilerplate.keep`` is set).
    """
    from dedup.boilerplate.detect import boilerplate_report, reuse_masks, summarize

    timings = result.timing.setdefault("stage_seconds", {})
    if early is not None:
        found = early.found()
        timings.update(early.timings)
    else:
        found, _ = boilerplate_report(docs, settings, timings=timings, engine=engine, progress=progress, faults=faults)
    # Each row's own id (the k-th of the store's ids is decoded again); no collection
    # walks the rows while each gets its summary's objects.
    with collection_paused():
        result.documents = updated_rows(result.documents, lambda k, row: row.extra.update(summarize(row.chars, found[row.id])))
    result.stats["documents_with_boilerplate"] = sum(bool(spans) for spans in found.values())
    return early.masks() if early is not None else reuse_masks(found, settings)


def passage_stage(
    docs: Sequence[Document],
    settings: Settings,
    result: ScanResult,
    masks: Mapping[str, Sequence],
    engine: Engine,
    index=None,
    progress: Progress | None = None,
    faults: list[StageFault] | None = None,
    problems: ProblemLog | None = None,
    early: EarlyPassages | None = None,
    clusters_later: bool = False,
) -> Callable[[], None] | None:
    """Stage 7: pairs that share passages (partial copies, rewrites), added to ``result``.

    Pairs inside a duplicate cluster are not aligned again; near duplicates
    found here join the clusters (a rewrite or a partial copy does not: it
    is not a copy to remove). ``index``: the
    passage index's ``(hashes, owners)`` of unmasked texts, when stage 1
    took them. A pair whose alignment fails is left out, with a fault in ``faults``.
    A pair whose alignment was capped (``passages.max_pair_matches``) is a
    warning in ``result.problems`` and in ``problems`` (whose listener shows it).
    ``early``: the pairs, found from before the result was assembled (with
    the masks ``masks`` were made of); the stage takes them from there.
    ``clusters_later``: the call that makes the clusters again is returned
    (``None`` when no near duplicate was found here), not made, when the
    pairs are a list.
    """
    from dedup.passages.pair_rows import merged_pairs, pair_positions
    from dedup.passages.pairs import find_passage_pairs

    ids = document_ids(docs)
    spill = isinstance(result.documents, SpilledRows)  # then the pairs go from file to file, never all held
    if early is not None:
        reported, found = early.reported, early.result()
        result.stats.update(early.tally)
        result.shared_passages.extend(early.groups)
        shares = early.shares
    else:
        reported = pair_positions(result.pairs, ids)  # an array, not a tuple per pair held through the stage
        shares: list[np.ndarray] = []  # receives one array: a float per document as a row is rewritten, not a list of them
        found = find_passage_pairs(
            docs, settings, masks=masks or None, skip=reported, index=index, sentences=False, engine=engine, progress=progress, faults=faults,
            tally=result.stats, shared_shares=shares, groups=result.shared_passages, spill=spill,
        )
    result.documents = with_extra(result.documents, "shared_fingerprint_share", shares[0] if shares else ())
    relations: Counter[str] = Counter()
    near = array("q")  # the near duplicates' document positions, two a pair
    note = partial(_noted, ids=ids, settings=settings, result=result, problems=problems, near=near)
    found = [note(pp) for pp in found] if isinstance(found, list) else map(note, found)
    result.pairs = merged_pairs(result.pairs, reported, found, ids, relations, spill=spill)
    for relation in (PARTIAL_COPY, REWRITE):
        result.stats[f"{relation}_pairs"] = relations[relation]
    result.stats["passage_near_duplicate_pairs"] = len(near) // 2
    if not near:
        return None
    # The pairs before this stage are all exact or near duplicates.
    ends = np.concatenate((reported, np.frombuffer(near, dtype=np.int64).reshape(-1, 2)))
    if clusters_later and isinstance(result.pairs, list):  # pairs in a file are read by one at a time
        return partial(recluster, result, ids, ends)
    recluster(result, ids, ends)
    return None


def _noted(pp, ids: Sequence[str], settings: Settings, result: ScanResult, problems: ProblemLog | None, near: array):
    """``pp``, its capped alignment warned of, its documents' positions added to ``near`` if it is a near duplicate."""
    if pp.capped:
        _warn_capped(ids[pp.i], ids[pp.j], settings, result, problems)
    if pp.relation == NEAR_DUPLICATE:
        near.extend((pp.i, pp.j))
    return pp


def _warn_capped(a: str, b: str, settings: Settings, result: ScanResult, problems: ProblemLog | None) -> None:
    """A warning that the alignment of ``a`` and ``b`` kept only its best sentence pairs."""
    problem = InputProblem(
        a, f"shares more matching runs or similar sentences with {b!r} than passages.max_pair_matches "
        f"({settings.passages.max_pair_matches:,}): only the best were aligned, so their passages may be incomplete",
        "passage-work-capped", skipped=False,
    )
    result.problems.append(problem.to_dict())
    result.stats["passage_pairs_capped"] = result.stats.get("passage_pairs_capped", 0) + 1
    if problems is not None:
        problems.record(problem)


def provenance_stage(
    docs: Sequence[Document], settings: Settings, result: ScanResult, engine: Engine | None = None, meanwhile: Callable[[], None] | None = None,
) -> None:
    """Stage 8: the direction of every reported pair (the documents' signals
    read on ``engine``'s workers, when given) and the composition of every
    document (its own seconds in ``timing.stage_seconds.composition``).

    ``meanwhile``: called while the directions are found on another thread
    (the clusters made again: the workers read the signals meanwhile); it
    must leave the pairs as they are (a list).
    """
    from dedup.provenance.composition import composed_rows
    from dedup.provenance.pairs import direct_pairs

    if meanwhile is None:
        result.pairs = direct_pairs(docs, result.pairs, settings, engine)
    else:
        directing = Alongside(partial(direct_pairs, docs, result.pairs, settings, engine), "dedup-provenance")
        directing.start()
        meanwhile()
        result.pairs = directing.result()
    started = time.perf_counter()
    result.documents, alone = composed_rows(result.documents, result.pairs, result.shared_passages, document_ids(docs))
    result.timing.setdefault("stage_seconds", {})["composition"] = round(time.perf_counter() - started, 3)
    result.stats["documents_sharing_nothing"] = alone


class EarlyBoilerplate(Alongside):
    """The boilerplate report (:func:`~dedup.boilerplate.detect.boilerplate_report`)
    made alongside stages 2-5.

    Started once stage 1 is done (it reads the documents and the first pass
    stage 1's workers made), it runs while this process finds the candidate
    pairs and waits for the workers to verify them: the stage's corpus-level
    pass, all in this process, no longer keeps the workers waiting after
    those. Its faults go to ``faults`` then; stages 2-5 report none, so
    their order is the same.
    """

    def __init__(self, docs: Sequence[Document], settings: Settings, engine: Engine, progress: Progress | None, faults: list[StageFault] | None) -> None:
        self.timings: dict[str, float] = {}
        self._settings = settings
        self._masks: dict[str, list] | None = None
        super().__init__(partial(self._report, docs, settings, engine, progress, faults), "dedup-boilerplate")

    def _report(self, docs, settings, engine, progress, faults) -> dict[str, list]:
        from dedup.boilerplate.detect import boilerplate_report

        return boilerplate_report(docs, settings, timings=self.timings, engine=engine, progress=progress, faults=faults)[0]

    def found(self) -> dict[str, list]:
        """``{document id: spans}``, once made (what it raised is raised here)."""
        return self.result()  # type: ignore[return-value]

    def masks(self) -> dict[str, list]:
        """:func:`~dedup.boilerplate.detect.reuse_masks` of the report, made
        once: the passage pairs start with them, and stage 6 returns them."""
        if self._masks is None:
            from dedup.boilerplate.detect import reuse_masks

            self._masks = reuse_masks(self.found(), self._settings)
        return self._masks


class EarlyPassages(Alongside):
    """The passage stage's pairs (:func:`~dedup.passages.pairs.find_passage_pairs`),
    found from before stage 5 on.

    Started once the document-level pairs are verified, with the boilerplate
    report's masks, the workers' passage index pass runs while this process
    assembles the result's rows and adds their boilerplate; those no longer
    keep the workers waiting. What the stage gives the result (the counts,
    the shares, the groups) waits here until :func:`passage_stage` takes
    it, in the order it always had. Its faults go to ``faults`` then; what
    runs meanwhile in this process reports none.

    Attributes:
        reported: Positions of the document-level pairs, in the result's
            order (:func:`~dedup.passages.pair_rows.pair_positions` of its pairs).
    """

    def __init__(self, docs: Sequence[Document], settings: Settings, masks: Mapping[str, Sequence], reported: np.ndarray, index, engine: Engine,
                 progress: Progress | None, faults: list[StageFault] | None) -> None:
        from dedup.passages.pairs import find_passage_pairs

        self.reported = reported
        self.tally: dict[str, int] = {}
        self.shares: list[np.ndarray] = []
        self.groups: list = []
        super().__init__(partial(
            find_passage_pairs, docs, settings, masks=masks or None, skip=reported, index=index, sentences=False, engine=engine, progress=progress,
            faults=faults, tally=self.tally, shared_shares=self.shares, groups=self.groups,
        ), "dedup-passages")


def reported_positions(groups: list[list[int]], near: list[Verified]) -> np.ndarray:
    """The documents of the pairs stage 5 reports, in its order (each exact
    pair with its group's first member, then by ``(a, b)``, exact before
    near): :func:`~dedup.passages.pair_rows.pair_positions` of its rows,
    without them (:func:`~dedup.near.table.pair_rows_in_order` orders them so)."""
    exact = np.array([(group[0], other) for group in groups for other in group[1:]], dtype=np.int64).reshape(-1, 2)
    every = np.concatenate((exact, np.array([(v.i, v.j) for v in near], dtype=np.int64).reshape(-1, 2)))
    return every[np.lexsort((every[:, 1], every[:, 0]))]


def start_passages(docs, settings: Settings, engine: Engine, progress: Progress | None, faults, boilerplate: EarlyBoilerplate | None,
                   started: list, groups: list[list[int]], near: list[Verified], index) -> None:
    """Start finding the passage pairs (an :class:`EarlyPassages`, appended
    to ``started``) with the boilerplate report's masks, once stage 4 has
    given the exact groups, the verified pairs and the passage index."""
    masks = boilerplate.masks() if boilerplate is not None else {}
    passages = EarlyPassages(docs, settings, masks, reported_positions(groups, near), index, engine, progress, faults)
    passages.start()
    started.append(passages)
