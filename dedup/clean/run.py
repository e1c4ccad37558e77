"""``dedup clean``: read a corpus, scan it, decide, and write it back.

The corpus is read once into memory (the scan's text stages need every
text), scanned, planned (:mod:`dedup.clean.plan`) and written to a new
folder in the format it was read in: a folder of text files as text files
at the same relative paths, each JSONL file as a JSONL file (compressed as
it was) holding the kept records with every other field as it was, each
Parquet file as a Parquet file of the same schema. The output and its log
appear only once complete (:class:`dedup.io.writers.OutputFolder`).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from itertools import chain, islice
from pathlib import Path
from typing import Any, Callable, Sequence

from dedup.clean.plan import KEPT, REFUSED, REMOVED, SKIPPED, CleanSettings, Decision, plan_clean
from dedup.config import Settings
from dedup.document import Document
from dedup.engine import Engine
from dedup.io.corpus import HTML_SUFFIXES, JSONL_SUFFIXES, PARQUET_SUFFIXES, read_corpus
from dedup.io.files import format_suffix
from dedup.io.json_text import dumps_lines
from dedup.io.problems import ProblemLog, problem_records
from dedup.io.records import RecordFields
from dedup.io.writers import OutputFolder, UnsafePathError, copy_file, rewrite_jsonl, rewrite_parquet, safe_relative_path, write_jsonl, write_text
from dedup.scan import scan_documents

LOG_NAME = ".dedup-clean-log.jsonl"
TARGETS = ("same", "files", "jsonl")


class CleanInputError(ValueError):
    """The inputs or the output cannot be used; the message says what to do."""


@dataclass
class CleanReport:
    """What a clean did.

    Attributes:
        output: The folder written.
        log: The log file (one JSON line per input document and per skipped input).
        documents: Documents read.
        kept: Documents written (edited or not).
        edited: Kept documents whose text was edited.
        removed: Removed documents per reason.
        refused: Documents not written because their id or file name is unsafe.
        problems: Inputs skipped while reading.
        messages: One line per refused document, for the terminal.
        seconds: Wall time.
    """

    output: Path
    log: Path
    documents: int
    kept: int
    edited: int
    removed: dict[str, int]
    refused: int
    problems: list[dict[str, str]] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "output": str(self.output), "log": str(self.log)}


def _scan_settings(settings: Settings, clean: CleanSettings, longest: int = 0) -> Settings:
    """The scan a clean needs: passages only when the plan reads them, boilerplate unless kept.

    Cutting shared passages needs every pair's spans, so with
    ``drop_shared_passages`` every candidate is aligned (``align_partners = 0``):
    a pair reported from the index alone has no spans to cut. A clean keeps
    or removes whole documents and writes each back as one, so no document is
    scanned as parts: ``max_chars`` is raised to the ``longest`` read (a clean
    holds every text in memory anyway).
    """
    align = 0 if clean.drop_shared_passages else settings.passages.align_partners
    return replace(
        settings,
        max_chars=max(settings.max_chars, longest),
        passages=replace(settings.passages, enabled=clean.needs_passages, align_partners=align),
        boilerplate=replace(settings.boilerplate, enabled=not clean.keep_boilerplate, keep=False),
    )


def clean_corpus(
    paths: Sequence[str | os.PathLike],
    output: str | os.PathLike,
    settings: Settings,
    clean: CleanSettings,
    fields: RecordFields | None = None,
    to: str = "same",
    overwrite: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    engine: Engine | None = None,
    *,
    encoding: str | None = None,
    problems: ProblemLog | None = None,
    faults: Any = None,
) -> CleanReport:
    """Remove duplicates, derived text and boilerplate from a corpus, and write it back.

    Args:
        paths: Folders and files, as for :class:`dedup.io.corpus.CorpusReader` (not ``-``).
        output: The folder to create.
        settings: Scan settings (threshold, n-gram, seed, workers, …).
        clean: What to keep and what else to drop.
        fields: Where records keep their id and text.
        to: ``same`` (each input in its own format), ``files`` (one text
            file per kept document, named by its id) or ``jsonl`` (one
            ``corpus.jsonl``).
        overwrite: Replace ``output`` if it exists.
        progress: ``progress(stage, done, total)``.
        engine: What runs the scan's batches.
        encoding: Encoding of plain-text files (as for :class:`~dedup.io.corpus.CorpusReader`).
        problems: Where input problems go as they are met (a new bounded log by default).
        faults: Where the documents a scan stage fails on go (as for
            :func:`dedup.scan.scan_documents`); such a document is kept as it is.

    Returns:
        A :class:`CleanReport`; the log is ``output/.dedup-clean-log.jsonl``.

    Raises:
        CleanInputError: For standard input, an unknown target, an output
            inside an input, or no usable document.
        OutputExistsError: If ``output`` exists, is not empty and ``overwrite`` is not set.
    """
    started = time.perf_counter()
    fields = fields or RecordFields()
    _check_arguments(paths, output, to)
    folder = OutputFolder(output, overwrite)
    docs, problems = read_corpus(paths, encoding=encoding, problems=problems, fields=fields)
    if not docs:
        raise CleanInputError("no usable documents were read; check the paths and formats above")
    longest = max(len(doc.text) for doc in docs)
    result = scan_documents(docs, _scan_settings(settings, clean, longest), problems, progress, engine, faults)
    messages: list[str] = []
    writer = _Writer(folder, [Path(p) for p in paths], fields, messages)
    decisions = plan_clean(docs, result, clean, writer.unwritable(docs, to))
    with folder:
        {"same": writer.same, "files": writer.files, "jsonl": writer.jsonl}[to](docs, decisions)
        _write_log(folder.root / LOG_NAME, decisions.values(), problem_records(problems))  # type: ignore[operator]
    return _report(Path(output), decisions, problem_records(problems), messages, started)


def _check_arguments(paths: Sequence[str | os.PathLike], output: str | os.PathLike, to: str) -> None:
    if to not in TARGETS:
        raise CleanInputError(f"unknown output form {to!r}; use one of {', '.join(TARGETS)}")
    if any(str(p) == "-" for p in paths):
        raise CleanInputError("clean reads its inputs twice (to scan, then to write), so not from standard input; save it to a .jsonl file first")
    target = Path(output).resolve()
    for path in paths:
        source = Path(path).resolve()
        if target == source or target.is_relative_to(source) or (source.is_dir() and source.is_relative_to(target)):
            raise CleanInputError(f"the output {output} overlaps the input {path}; write it elsewhere")


def _report(output: Path, decisions: dict[str, Decision], problems: list[dict[str, str]], messages: list[str], started: float) -> CleanReport:
    actions = Counter(d.action for d in decisions.values())
    return CleanReport(
        output=output,
        log=output / LOG_NAME,
        documents=len(decisions),
        kept=actions[KEPT],
        edited=sum(d.action == KEPT and d.text is not None for d in decisions.values()),
        removed=dict(sorted(Counter(d.reason for d in decisions.values() if d.action == REMOVED).items())),  # type: ignore[arg-type]
        refused=actions[REFUSED],
        problems=problems,
        messages=messages,
        seconds=round(time.perf_counter() - started, 3),
    )


# Log records encoded at a time.
_LOG_BATCH = 2000


def _write_log(path: Path, decisions, problems: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8") as out:
        records = chain((decision.to_dict() for decision in decisions),
                        ({"id": None, "action": SKIPPED, "reason": "unreadable_input", **problem} for problem in problems))
        while batch := list(islice(records, _LOG_BATCH)):
            out.write(dumps_lines(batch))


def _record_origin(origin: str) -> tuple[str, int | None]:
    """``(file, line or row)`` of a record's origin; ``(file, None)`` for a whole file."""
    head, _, tail = origin.rpartition(":")
    if tail.isdigit() and format_suffix(head) in JSONL_SUFFIXES + PARQUET_SUFFIXES:
        return head, int(tail)
    return origin, None


class _Writer:
    """Writes the kept documents into an :class:`OutputFolder`."""

    def __init__(self, folder: OutputFolder, inputs: list[Path], fields: RecordFields, messages: list[str]) -> None:
        self.folder = folder
        self.inputs = inputs
        self.fields = fields
        self.messages = messages

    def _relative(self, file: str) -> str:
        """The name of an input file inside the output: relative to its input folder, or its own name."""
        path = Path(file)
        for root in self.inputs:
            if root.is_dir() and path.is_relative_to(root):
                return path.relative_to(root).as_posix()
        return path.name

    def _output_name(self, doc: Document, to: str) -> str | None:
        """The file ``doc`` is written into, as ``to`` names them (``None``: one shared corpus file)."""
        if to == "jsonl":
            return None
        if to == "files":
            return doc.id if format_suffix(doc.id) in (".txt", ".md") else f"{doc.id}.txt"
        return self._relative(_record_origin(doc.origin)[0])

    def unwritable(self, docs: Sequence[Document], to: str) -> dict[str, str]:
        """Documents whose output name is refused (id → why), found before
        any choice is made; each is also said on ``messages``."""
        refused: dict[str, str] = {}
        for doc in docs:
            name = self._output_name(doc, to)
            if name is None:
                continue
            try:
                safe_relative_path(name)
            except UnsafePathError as err:
                refused[doc.id] = f"output name {name!r} {err}; not written"
                self.messages.append(f"{doc.origin}: document {doc.id!r}: output name {err}; not written")
        return refused

    def _target(self, name: str, refused: Sequence[Decision]) -> Path | None:
        """Where ``name`` goes, or ``None`` with ``refused`` marked and a message each."""
        try:
            return self.folder.path_for(name)
        except UnsafePathError as err:
            for decision in refused:
                if decision.action == KEPT:
                    decision.action, decision.reason, decision.text = REFUSED, "unsafe_id", None
                    decision.figures["message"] = f"output name {name!r} {err}; not written"
                    self.messages.append(f"{decision.origin}: document {decision.id!r}: output name {err}; not written")
            return None

    def same(self, docs: Sequence[Document], decisions: dict[str, Decision]) -> None:
        by_file: dict[str, list[tuple[int | None, Document]]] = {}
        for doc in docs:
            file, number = _record_origin(doc.origin)
            by_file.setdefault(file, []).append((number, doc))
        for file, entries in by_file.items():
            kept = [(n, d) for n, d in entries if decisions[d.id].action == KEPT]
            if not kept:
                continue
            name = self._relative(file)
            if entries[0][0] is None:
                self._whole_file(file, name, kept[0][1], decisions[kept[0][1].id])
                continue
            target = self._target(name, [decisions[d.id] for _, d in kept])
            if target is None:
                continue
            edits = {n: decisions[d.id].text for n, d in kept}
            rewrite = rewrite_parquet if format_suffix(name) in PARQUET_SUFFIXES else rewrite_jsonl
            rewrite(file, target, edits, self.fields.text_field)  # type: ignore[arg-type]

    def _whole_file(self, file: str, name: str, doc: Document, decision: Decision) -> None:
        if decision.text is None:
            target = self._target(name, [decision])
            if target is not None:
                copy_file(file, target)
            return
        if format_suffix(name) in HTML_SUFFIXES:
            name += ".txt"  # the page's text with boilerplate cut is no longer HTML
            decision.figures["written_to"] = name
        target = self._target(name, [decision])
        if target is not None:
            write_text(target, decision.text)

    def files(self, docs: Sequence[Document], decisions: dict[str, Decision]) -> None:
        for doc in docs:
            decision = decisions[doc.id]
            if decision.action != KEPT:
                continue
            name = doc.id if format_suffix(doc.id) in (".txt", ".md") else f"{doc.id}.txt"
            target = self._target(name, [decision])
            if target is not None:
                write_text(target, decision.text if decision.text is not None else doc.text)

    def jsonl(self, docs: Sequence[Document], decisions: dict[str, Decision]) -> None:
        target = self.folder.path_for("corpus.jsonl")
        rows = (
            {"id": doc.id, "text": decisions[doc.id].text or doc.text, **{k: v for k, v in doc.summary().items() if k not in ("id", "chars")}}
            for doc in docs
            if decisions[doc.id].action == KEPT
        )
        write_jsonl(target, rows)
