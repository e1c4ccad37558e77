"""Evaluate boilerplate separation on public labelled pages (``make eval-boilerplate``).

What is measured: the text that ``dedup`` keeps (each page's text with its
boilerplate spans removed) against the hand-made article body, as word
4-gram shingle precision, recall and F1. Precision and recall are computed
per page and averaged over pages; F1 is the harmonic mean of the two
averages (the per-page F1 mean is shown too). bench-F1 is the same F1 in
the article-extraction benchmark's own definition (raw ``\\w+`` tokens,
shingles counted with repeats, pages with nothing kept left out of the
precision mean), the figure its published table gives. The full page text, with
nothing removed, is the baseline, scored in the same run. Per data set and
input it also gives: the share of pages whose gold headline is kept (the
gold's first line, when it is short, one of the page's blocks and most of
its words are the page title's), the share
of the comments' shingles kept (dragnet, whose gold separates them; lower is
better) and the share of pages emptied (under 10 % of the gold's shingles
kept, among pages whose gold has more than 50 words), naming those pages.

1. article-extraction-benchmark (181 pages, MIT): the shipped models are
   trained on it, so it is cross-validated: five folds grouped by site,
   both models retrained on four folds and applied to the fifth. Scored
   twice: from HTML (blocks with link density) and from the plain text of
   the same blocks (what a text corpus offers).
2. dragnet test split (``split_test.txt``, 415 pages): the shipped models
   as they are (dragnet is never used for training). Gold: the main text,
   without the comments.

The data is read from ``../shared/data`` next to the repository root, or
``$DEDUP_DATA``; when it is absent the script says so and exits 0.

Usage: ``python eval/eval_boilerplate.py [--folds 5] [--input html|text|both]
[--skip-cv | --skip-dragnet] [--json out.json]`` (one input or one data set
while iterating).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dedup.boilerplate.blocks import document_blocks  # noqa: E402
from dedup.boilerplate.detect import document_boilerplate, kept_text  # noqa: E402
from dedup.boilerplate.models.train_blocks import SEED, data_root, fit_model, load_benchmark, page_arrays  # noqa: E402
from dedup.config import BoilerplateSettings  # noqa: E402
from dedup.io.html import decode_html, document_from_html  # noqa: E402
from dedup.text.normalize import normalize_text, tokenize  # noqa: E402

NGRAM = 4
# The line before a dragnet gold file's comments, "!@#$%^&*()  COMMENTS",
# as the files type it: a few drop or double a character or a space
# ("@#$%^&*() COMMENTS", "!@#$%^&*()   COMMENTS") or end it with CR.
_COMMENTS_LINE = re.compile(r"^[ \t]*[!@#$%^&*()][!@#$%^&*() ]{4,}[ \t]*COMMENTS[ \t\r]*$", re.MULTILINE)


def shingles(text: str, n: int = NGRAM) -> set[tuple[str, ...]]:
    """Word n-gram shingles of a text (normalised, tokenised as dedup does)."""
    tokens = tokenize(normalize_text(text))
    return set(zip(*(tokens[i:] for i in range(n))))


_RAW_WORD = re.compile(r"\w+")


def shingle_counts(text: str, n: int = NGRAM) -> Counter:
    """The benchmark's own shingles: word n-grams of the raw text (``\\w+``
    tokens, no normalisation), counted with repeats; a text shorter than
    ``n`` words is one shingle."""
    tokens = _RAW_WORD.findall(text)
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


# A page is emptied when what is kept holds less than this share of the
# gold's shingles (the article is lost), counted on pages whose gold has
# more than EMPTIED_GOLD_WORDS words.
EMPTIED_RECALL = 0.1
EMPTIED_GOLD_WORDS = 50
HEADLINE_MAX_WORDS = 25
HEADLINE_TITLE_SHARE = 0.6


def gold_headline(gold_text: str, doc) -> str | None:
    """The gold's headline: its first line when that is short, is one of the
    page's blocks (normalised) and reads as the page's title (most of its
    words are the ``<title>``'s), else ``None``."""
    first = next((line for line in gold_text.split("\n") if line.strip()), "")
    key = normalize_text(first)
    words = key.split()
    if not words or len(words) > HEADLINE_MAX_WORDS:
        return None
    title = set(normalize_text(doc.title or "").split())
    if sum(w in title for w in words) < HEADLINE_TITLE_SHARE * len(words):
        return None
    return key if any(normalize_text(b.text(doc.text)) == key for b in document_blocks(doc)) else None


class Score:
    """Per-page precision and recall, averaged, in two definitions: ours
    (sets of normalised shingles; a page with nothing kept has precision 0)
    and the article-extraction benchmark's (counted raw shingles; a page
    with nothing kept is left out of the precision mean). Also: the share of
    pages whose gold headline is kept, the share of comment shingles kept
    (where the gold separates comments) and the share of pages emptied."""

    def __init__(self) -> None:
        self.precision: list[float] = []
        self.recall: list[float] = []
        self.bench_precision: list[float] = []
        self.bench_recall: list[float] = []
        self.headline: list[bool] = []
        self.comments: list[float] = []
        self.emptied: list[bool] = []
        self.emptied_ids: list[str] = []

    def add(self, kept: str, gold: set, gold_text: str, headline: str | None = None, comments: set | None = None,
            page_id: str = "") -> None:
        if not gold:
            return
        found = shingles(kept)
        common = len(found & gold)
        self.precision.append(common / len(found) if found else 0.0)
        self.recall.append(common / len(gold))
        if headline is not None:
            self.headline.append(headline in normalize_text(kept))
        if comments:
            self.comments.append(len(found & comments) / len(comments))
        if len(gold_text.split()) > EMPTIED_GOLD_WORDS:
            emptied = common < EMPTIED_RECALL * len(gold)
            self.emptied.append(emptied)
            if emptied:
                self.emptied_ids.append(page_id)
        truth, predicted = shingle_counts(gold_text), shingle_counts(kept)
        tp = sum((truth & predicted).values())
        fp, fn = sum(predicted.values()) - tp, sum(truth.values()) - tp
        if fp == fn == 0:
            self.bench_precision.append(1.0)
            self.bench_recall.append(1.0)
            return
        if tp + fp:
            self.bench_precision.append(tp / (tp + fp))
        if tp + fn:
            self.bench_recall.append(tp / (tp + fn))

    def row(self) -> dict[str, float]:
        p, r = float(np.mean(self.precision)), float(np.mean(self.recall))
        bp, br = float(np.mean(self.bench_precision)), float(np.mean(self.bench_recall))
        per_page = [2 * a * b / (a + b) if a + b else 0.0 for a, b in zip(self.precision, self.recall)]
        return {
            "headline_kept": round(float(np.mean(self.headline)), 4) if self.headline else None,
            "headline_pages": len(self.headline),
            "comments_kept": round(float(np.mean(self.comments)), 4) if self.comments else None,
            "emptied": round(float(np.mean(self.emptied)), 4) if self.emptied else 0.0,
            "emptied_pages": self.emptied_ids,
            "pages": len(self.precision),
            "precision": round(p, 4),
            "recall": round(r, 4),
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "mean_page_f1": round(float(np.mean(per_page)), 4),
            "benchmark_f1": round(2 * bp * br / (bp + br), 4) if bp + br else 0.0,
        }


def as_plain_text(doc):
    """The same document as a text corpus would hold it: no HTML blocks."""
    return replace(doc, blocks=())


HTML_ROW, TEXT_ROW = "dedup, HTML input", "dedup, plain-text input"


def cross_validate(pages, folds: int, settings: BoilerplateSettings, inputs: tuple[str, ...] = ("html", "text")) -> dict[str, dict]:
    """Site-grouped cross-validation on the article-extraction benchmark
    (of the models for ``inputs``: ``"html"``, ``"text"`` or both)."""
    from sklearn.model_selection import GroupKFold

    sites = sorted({p.site for p in pages})
    site_index = np.array([sites.index(p.site) for p in pages])
    scores = {"full text (baseline)": Score()}
    scores.update({name: Score() for kind, name in (("html", HTML_ROW), ("text", TEXT_ROW)) if kind in inputs})
    gold = [shingles(p.gold) for p in pages]
    arrays = {links: page_arrays(pages, links) for links in (True, False) if ("html" if links else "text") in inputs}
    for fold, (train, test) in enumerate(GroupKFold(folds).split(site_index, groups=site_index)):
        models = {}
        for links, (X, y, w, g) in arrays.items():
            rows = np.isin(g, train)
            models[links], _ = fit_model(X[rows], y[rows], w[rows], links, SEED, pages=g[rows], sites=site_index[g[rows]])
        for i in test:
            doc = pages[i].doc
            gold_text = pages[i].gold
            extra = {"headline": gold_headline(gold_text, doc), "page_id": pages[i].id}
            scores["full text (baseline)"].add(doc.text, gold[i], gold_text, **extra)
            if True in models:
                spans = document_boilerplate(doc, settings, model=models[True])
                scores[HTML_ROW].add(kept_text(doc.text, spans), gold[i], gold_text, **extra)
            if False in models:
                plain = as_plain_text(doc)
                spans = document_boilerplate(plain, settings, document_blocks(plain), model=models[False])
                scores[TEXT_ROW].add(kept_text(plain.text, spans), gold[i], gold_text, **extra)
        print(f"  fold {fold + 1}/{folds} done", file=sys.stderr)
    return {name: s.row() for name, s in scores.items()}


def read_gold(path: Path) -> str:
    """A dragnet gold file: UTF-8, or UTF-16 when it starts with a byte-order mark."""
    data = path.read_bytes()
    encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
    return data.decode(encoding, errors="replace")


def split_comments(gold: str) -> tuple[str, str]:
    """A dragnet gold file's main text and its comments (after the marker line)."""
    marker = _COMMENTS_LINE.search(gold)
    return (gold[: marker.start()], gold[marker.end() :]) if marker else (gold, "")


def dragnet_test(root: Path, settings: BoilerplateSettings, inputs: tuple[str, ...] = ("html", "text")) -> dict[str, dict] | None:
    """The shipped models (for ``inputs``) on dragnet's test split."""
    folder = root / "dragnet-boilerplate"
    split = folder / "split_test.txt"
    if not split.is_file():
        return None
    scores = {"full text (baseline)": Score()}
    scores.update({name: Score() for kind, name in (("html", HTML_ROW), ("text", TEXT_ROW)) if kind in inputs})
    for name in split.read_text(encoding="utf-8").split():
        html_path, gold_path = folder / "html" / f"{name}.html.gz", folder / "gold" / f"{name}.txt"
        if not (html_path.is_file() and gold_path.is_file()):
            continue
        gold_text, comments_text = split_comments(read_gold(gold_path))
        gold = shingles(gold_text)
        doc = document_from_html(decode_html(gzip.decompress(html_path.read_bytes())), name)
        extra = {"headline": gold_headline(gold_text, doc), "comments": shingles(comments_text) - gold, "page_id": name}
        scores["full text (baseline)"].add(doc.text, gold, gold_text, **extra)
        if HTML_ROW in scores:
            scores[HTML_ROW].add(kept_text(doc.text, document_boilerplate(doc, settings)), gold, gold_text, **extra)
        if TEXT_ROW in scores:
            plain = as_plain_text(doc)
            kept = kept_text(plain.text, document_boilerplate(plain, settings))
            scores[TEXT_ROW].add(kept, gold, gold_text, **extra)
    return {name: s.row() for name, s in scores.items()}


def print_table(title: str, rows: dict[str, dict]) -> None:
    print(f"\n{title}")
    print(
        f"  {'':28} {'pages':>5} {'precision':>9} {'recall':>7} {'F1':>6} {'page-F1':>8} {'bench-F1':>8}"
        f" {'headline':>8} {'comments':>8} {'emptied':>7}"
    )
    for name, r in rows.items():
        print(
            f"  {name:28} {r['pages']:>5} {r['precision']:>9.3f} {r['recall']:>7.3f} {r['f1']:>6.3f}"
            f" {r['mean_page_f1']:>8.3f} {r['benchmark_f1']:>8.3f} {_share(r['headline_kept']):>8}"
            f" {_share(r['comments_kept']):>8} {_share(r['emptied']):>7}"
        )
    headline_pages = next(iter(rows.values()))["headline_pages"]
    print(
        f"  headline: share of the {headline_pages} pages whose gold opens with a headline (a short line, one of the"
        f" page's blocks, mostly the title's words) that keep it;"
        f" comments: share of comment shingles kept; emptied: share of pages (gold > {EMPTIED_GOLD_WORDS} words)"
        f" that keep under {EMPTIED_RECALL:.0%} of the gold"
    )


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Evaluate boilerplate separation on labelled pages.")
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds, grouped by site (default 5)")
    parser.add_argument("--skip-cv", action="store_true", help="only the dragnet test split")
    parser.add_argument("--skip-dragnet", action="store_true", help="only the benchmark's cross-validation")
    parser.add_argument("--input", choices=("html", "text", "both"), default="both", help="which input to score (default both)")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    root = data_root()
    benchmark = root / "article-extraction-benchmark" / "ground-truth.json"
    if not benchmark.is_file() and not (root / "dragnet-boilerplate").is_dir():
        print(f"eval-boilerplate: labelled data not found under {root} (set DEDUP_DATA); skipped.")
        return 0
    settings = BoilerplateSettings()
    inputs = ("html", "text") if args.input == "both" else (args.input,)
    started = time.perf_counter()
    results: dict[str, dict] = {}
    if benchmark.is_file() and not args.skip_cv:
        pages = load_benchmark(root)
        results["article-extraction-benchmark"] = cross_validate(pages, args.folds, settings, inputs)
        print_table(f"article-extraction-benchmark: {len(pages)} pages, {args.folds}-fold CV grouped by site",
                    results["article-extraction-benchmark"])
    dragnet = None if args.skip_dragnet else dragnet_test(root, settings, inputs)
    if dragnet is not None:
        results["dragnet-test"] = dragnet
        print_table("dragnet test split (split_test.txt), shipped models, main text without comments", dragnet)
    for name, rows in results.items():
        for row_name, row in rows.items():
            if row["emptied_pages"] and not row_name.startswith("full text"):
                print(f"emptied, {name}, {row_name}: {', '.join(row['emptied_pages'])}")
    print(f"\n({time.perf_counter() - started:.0f} s)")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
