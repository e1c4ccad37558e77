"""The HTML report: one self-contained page to open in a browser or send on.

``dedup scan … --format html`` (:func:`scan_report`) gives the summary, the
clusters, what each document is made of (own, shared, boilerplate) and the
related pairs, each with its aligned sentences side by side and its passages
as word diffs; ``dedup diff … --format html`` (:func:`diff_page`) one pair.

Corpus text is untrusted. The page is rendered by Jinja2 with autoescaping
on, so every id, title and text is escaped; its Content-Security-Policy
allows no script, no connection, no font, frame or form, images only as
data, and exactly one style sheet: the report's own, by its hash. Nothing in
a document can run as script or style, and opening the page makes no request.
Colours come with a second channel (an underline or a line style, and a
legend naming each), and the page prints legibly.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Callable, Sequence

import numpy as np
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from dedup.config import Settings
from dedup.diff import (
    ALTERED_LABEL, BOILERPLATE_LABEL, CHANGED_LABEL, QUOTED_LABEL, REWORDED_LABEL, VERBATIM_LABEL, Diff, compare,
    label_runs,
)
from dedup.document import Document, Span, span_mask
from dedup.engine import Engine, FaultLog
from dedup.io.corpus import read_corpus
from dedup.io.parts import split_long
from dedup.io.records import RecordFields
from dedup.io.problems import ProblemLog
from dedup.results import GroupResult, ScanResult
from dedup.scan import scan_documents
from dedup.version import __version__

# Pairs shown with their full side-by-side diff; the rest are in the JSON.
MAX_PAIR_SECTIONS = 100

CLASSES = {
    VERBATIM_LABEL: "verbatim", QUOTED_LABEL: "shared_quotation", ALTERED_LABEL: "altered_quotation",
    REWORDED_LABEL: "reworded", BOILERPLATE_LABEL: "boilerplate", 0: "",
}
LEGEND = (
    ("verbatim", "verbatim: the same words", "[=…=]"),
    ("shared_quotation", "shared quotation: the same words inside quotation marks", '["…"]'),
    ("altered_quotation", "altered quotation: a quotation whose words differ", "[!…!]"),
    ("reworded", "reworded: the same sentence in other words", "[~…~]"),
    ("deleted", "deleted: a's words that b does not have (struck through)", "[-…-]"),
    ("inserted", "inserted: b's words that a does not have (underlined)", "{+…+}"),
    ("boilerplate", "boilerplate (grey, italic)", "[#…#]"),
)


# Control characters and bidirectional overrides in corpus strings are shown
# as escapes: an override would make text read in another order than it has.
_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
_VISIBLE = {
    code: f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    for code in (*range(0x20), 0x7F, *range(0x80, 0xA0), *_BIDI) if chr(code) not in "\n\t"
}


def _visible(value: Any) -> Any:
    """Every value a template prints, with control characters made visible."""
    return value.translate(_VISIBLE) if isinstance(value, str) else value


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("dedup.report", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        finalize=_visible,
    )


@lru_cache(maxsize=1)
def _style() -> tuple[str, str]:
    """The report's style sheet and its CSP source (``'sha256-…'``)."""
    css = resources.files("dedup.report").joinpath("templates/report.css").read_text(encoding="utf-8")
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    return css, f"'sha256-{digest}'"


def content_security_policy() -> str:
    """No script, no request, no plug-in; only the report's own style sheet."""
    _, style_hash = _style()
    return (
        "default-src 'none'; script-src 'none'; connect-src 'none'; img-src data:; font-src 'none'; "
        f"style-src {style_hash}; object-src 'none'; frame-src 'none'; base-uri 'none'; form-action 'none'"
    )


def _page(template: str, title: str, **context: Any) -> str:
    css, _ = _style()
    return _environment().get_template(template).render(
        title=title, css=css, csp=content_security_policy(), version=__version__,
        legend_items=LEGEND, **context,
    )


def _pieces(text: str, labels: np.ndarray, span: Span | None, side: str) -> list[tuple[str, str, str]]:
    if span is None:
        return []
    changed = "deleted" if side == "a" else "inserted"
    return [
        (text[lo:hi], changed if label == CHANGED_LABEL else CLASSES[label], "")
        for lo, hi, label in label_runs(labels, span.start, span.end)
    ]


def _passage_words(diff: Diff, index: int) -> list[tuple[str, str, str]]:
    """One passage as a word diff (as the terminal's)."""
    return [(f" ({text})", "", "") if kind == "flags" else (text, kind, "") for text, kind in diff.word_pieces(index)]


def _side(doc: Document) -> str:
    known = [value for value in (doc.date, doc.source, doc.title) if value]
    return f"{doc.id} ({len(doc.text)} chars)" + "".join(f" · {value}" for value in known)


def pair_context(diff: Diff, anchor: str, full: bool = False) -> dict[str, Any]:
    """What the templates need of one pair (plain strings and lists)."""
    la, lb = diff.labels("a"), diff.labels("b")
    rows = [
        {
            "a": _pieces(diff.a.text, la, a, "a"),
            "score": f"{score:.2f}" if score is not None else "",
            "b": _pieces(diff.b.text, lb, b, "b"),
        }
        for a, score, b in diff.rows()
    ]
    passages = [
        {"kind": words.kind + (" (moved)" if words.moved else ""), "score": f"{p.score:.2f}", "words": _passage_words(diff, k)}
        for k, (p, words) in enumerate(zip(diff.alignment.passages, diff.words.passages))
    ]
    context = {
        "anchor": anchor,
        "title": f"{diff.a.id} and {diff.b.id}",
        "a_id": diff.a.id,
        "b_id": diff.b.id,
        "figures": [("a", _side(diff.a)), ("b", _side(diff.b)), *diff.figures()],
        "rows": rows,
        "passages": passages,
        "full": [],
    }
    if full:
        context["full"] = [
            {"name": name, "id": doc.id, "pieces": _pieces(doc.text, labels, Span(0, len(doc.text)), name)}
            for name, doc, labels in (("a", diff.a, la), ("b", diff.b, lb))
        ]
    return context


def diff_page(diff: Diff) -> str:
    """The HTML page of one pair (``dedup diff --format html``)."""
    return _page("pair.html.j2", f"dedup diff: {diff.a.id} and {diff.b.id}", pair=pair_context(diff, "pair", full=True))


@dataclass
class ScanReport:
    """A scan and its HTML page."""

    result: ScanResult
    html: str


# The parts of a composition bar, in order: the provenance stage's shares
# where the scan has them, else own, shared and boilerplate.
COMPOSITION_PARTS = (
    ("original", "own", "own text"),
    ("shared_as_source", "source", "shared, as the source"),
    ("shared_undetermined", "shared", "shared, direction undetermined"),
    ("shared_as_copy", "copy", "shared, as the copy"),
    ("boilerplate", "boilerplate", "boilerplate"),
)


def _shares(doc, shared_spans: dict[str, list[Span]], duplicates: set[str]) -> dict[str, float]:
    """A document's shares by :data:`COMPOSITION_PARTS` field."""
    composition = getattr(doc, "composition", None)
    if composition:
        return {name: float(composition.get(name) or 0.0) for name, _, _ in COMPOSITION_PARTS}
    length = max(doc.chars, 1)
    boiler = span_mask(doc.chars, [Span(s["start"], s["end"]) for s in doc.extra.get("boilerplate", [])])
    shared = ~boiler if doc.id in duplicates else span_mask(doc.chars, shared_spans.get(doc.id, [])) & ~boiler
    shares = {"boilerplate": boiler.sum() / length, "shared_undetermined": shared.sum() / length}
    shares["original"] = max(0.0, 1.0 - shares["boilerplate"] - shares["shared_undetermined"])
    return shares


def _composition(result: ScanResult) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Per document its composition bar and shares; and the parts shown (class, legend)."""
    shared_spans: dict[str, list[Span]] = {}
    for pair in result.pairs:
        for passage in pair.passages:
            shared_spans.setdefault(pair.a, []).append(Span(passage["a_start"], passage["a_end"]))
            shared_spans.setdefault(pair.b, []).append(Span(passage["b_start"], passage["b_end"]))
    for group in result.shared_passages:
        for member in group.documents:
            shared_spans.setdefault(member["id"], []).extend(Span(start, end) for start, end in member["spans"])
    duplicates = {d.id for d in result.documents if d.duplicate_of or d.cluster is not None}
    all_shares = [_shares(doc, shared_spans, duplicates) for doc in result.documents]
    parts = [(name, css, label) for name, css, label in COMPOSITION_PARTS
             if name in ("original", "boilerplate") or any(shares.get(name) for shares in all_shares)]
    rows = []
    for doc, shares in zip(result.documents, all_shares):
        x, bar = 0.0, []
        for name, css, _ in parts:
            width = round(100 * shares.get(name, 0.0), 2)
            bar.append({"kind": css, "x": round(x, 2), "width": width})
            x += width
        rows.append({
            "id": doc.id, "date": doc.metadata.get("date", ""), "source": doc.metadata.get("source", ""),
            "title": doc.metadata.get("title", ""), "bar": bar,
            "bar_label": ", ".join(f"{label} {shares.get(name, 0.0):.0%}" for name, _, label in parts),
            "shares": [f"{shares.get(name, 0.0):.0%}" for name, _, _ in parts],
        })
    return rows, [(css, label) for _, css, label in parts]


def _source_first(pair, by_id: dict[str, Document]) -> tuple[Document, Document]:
    """The pair's two documents, the likely source first where it is known."""
    a, b = by_id[pair.a], by_id[pair.b]
    source = pair.to_dict().get("source")
    return (b, a) if source == pair.b else (a, b)


def render_scan_report(result: ScanResult, docs: Sequence[Document], settings: Settings) -> str:
    """The HTML page of a scan whose documents are at hand."""
    by_id = {d.id: d for d in docs}
    boilerplate = {d.id: [Span(s["start"], s["end"]) for s in d.extra.get("boilerplate", [])] for d in result.documents}
    masks = {} if settings.boilerplate.keep else boilerplate
    pairs = []
    for index, pair in enumerate(result.pairs[:MAX_PAIR_SECTIONS]):
        a, b = _source_first(pair, by_id)
        diff = compare(a, b, settings, masks, boilerplate)
        context = pair_context(diff, f"pair-{index + 1}")
        # a pair the scan reported from its index is aligned here, for the page only: say so
        relation = pair.relation if pair.aligned else f"{pair.relation} (not aligned by the scan: estimated from its index)"
        context.update(relation=relation, jaccard=f"{pair.jaccard:.3f}",
                       shared=f"{diff.alignment.share_a:.0%} / {diff.alignment.share_b:.0%}")
        pairs.append(context)
    stats = result.stats
    summary = [
        ("documents", stats.get("documents", len(result.documents))),
        ("related pairs", len(result.pairs)),
        ("shared-passage groups", len(result.shared_passages)),
        ("duplicate clusters", len(result.clusters)),
        ("inputs skipped", stats.get("skipped_inputs", 0)),
        ("settings", f"threshold {result.settings.get('threshold', '')}, ngram {result.settings.get('ngram', '')}"),
    ]
    clusters = [{"keep": c.representative, "others": [m for m in c.members if m != c.representative]} for c in result.clusters]
    documents, parts = _composition(result)
    groups = [{"id": g.id, "documents": g.member_ids(), "chars": g.chars, "source": g.source or "undetermined", "text": g.text}
              for g in GroupResult.widest_first(result.shared_passages)[:MAX_PAIR_SECTIONS]]
    return _page(
        "scan.html.j2", "dedup scan report", summary=summary, documents=documents, parts=parts, clusters=clusters,
        pairs=pairs, omitted=max(0, len(result.pairs) - MAX_PAIR_SECTIONS),
        groups=groups, groups_omitted=max(0, len(result.shared_passages) - MAX_PAIR_SECTIONS),
    )


def scan_report(
    paths: Sequence[str],
    settings: Settings,
    progress: Callable | None = None,
    encoding: str | None = None,
    problems: ProblemLog | None = None,
    faults: FaultLog | None = None,
    fields: RecordFields | None = None,
    engine: Engine | None = None,
) -> ScanReport:
    """Scan ``paths`` and render the HTML report (``dedup scan --format html``).

    The documents are read into memory (the report shows their text).

    Args:
        paths: As for :func:`dedup.scan.scan_corpus`.
        settings: What to look for.
        progress: Called as ``progress(stage, done, total)``.
        encoding: Encoding of plain-text files without a byte order mark.
        problems: The log that collects input problems (a new one if ``None``).
        faults: The log of documents and pairs a stage failed on.
        fields: Which JSONL fields hold the id and the text.
        engine: What runs the scan's batches (as for :func:`dedup.scan.scan_documents`).

    Returns:
        A :class:`ScanReport`; its ``html`` is empty when nothing was read.
    """
    docs, problems = read_corpus([str(p) for p in paths], encoding=encoding, problems=problems, fields=fields)
    # the report shows the documents the scan saw: a document past max_chars as its parts
    docs = list(split_long(docs, settings.max_chars, problems))
    result = scan_documents(docs, settings, problems, progress, engine=engine, faults=faults)
    return ScanReport(result, render_scan_report(result, docs, settings) if docs else "")
