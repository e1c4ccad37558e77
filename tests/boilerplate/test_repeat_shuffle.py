"""The corpus repeat index found by shuffles equals the one found in one process."""

from __future__ import annotations

import random
from dataclasses import replace
from functools import partial

import numpy as np
import pytest
from synthetic_corpus import paragraph, synthetic_docs

from dedup.boilerplate.passes import first_pass_batch
from dedup.boilerplate.repeat_shuffle import KeptFingerprints, bucket_candidates, repeated_groups, shuffled_index
from dedup.boilerplate.repeats import fingerprints_index, joined_fingerprints, keyed_runs, near_word_range
from dedup.config import BoilerplateSettings
from dedup.engine import LocalEngine
from dedup.engine.base import sorted_columns

FOOTER = "Sign up to get the latest regional news delivered to your inbox every weekday morning, free of charge."
SETTINGS = BoilerplateSettings(classifier=False)


def repeating_corpus(n: int = 240, seed: int = 21) -> list:
    """Documents with a footer in near variants, a template line per source,
    a copied paragraph, and over 64 near variants of one paragraph (an LSH
    bucket the single process pairs as a star)."""
    rng = random.Random(seed)
    docs = synthetic_docs(n, seed=seed, sources=["a.example", "b.example", "c.example"])
    base = FOOTER + " You can unsubscribe at any time with the link at the bottom of each email we send you."
    variants = [base, base.replace("every weekday", "each weekday"), base.replace("any time", "any moment")]
    stock = paragraph(rng, 7).split()
    copied = paragraph(rng, 3)
    out = []
    for i, doc in enumerate(docs):
        extra = [variants[i % 3], f"The {doc.source} desk filed this report for regional readers"]
        if i % 2:
            # A word added per document: near keys, most sharing their band keys.
            extra.append(" ".join([*stock, "x" + chr(97 + i % 26) + chr(97 + i // 26)]))
        if i % 11 == 0:
            extra.append(copied)
        out.append(replace(doc, text=doc.text + "\n\n" + "\n\n".join(extra)))
    return out


def kept_runs(docs, settings: BoilerplateSettings, engine, run: int) -> list:
    """The first pass over runs of ``run`` documents, its fingerprints kept apart."""
    near_words, near_max_words = near_word_range(settings)
    func = partial(first_pass_batch, settings=settings, near_words=near_words, near_max_words=near_max_words)
    jobs = ((first, docs[first : first + run], None, frozenset()) for first in range(0, len(docs), run))
    kept = KeptFingerprints(engine)
    keyed_runs(docs, jobs, func, kept, None, lambda part: part[0])
    return kept.handles


@pytest.mark.parametrize("settings", [SETTINGS, replace(SETTINGS, near_repeats=False)], ids=["near", "exact"])
def test_the_shuffled_index_is_the_single_process_index(settings):
    docs = repeating_corpus()
    with LocalEngine(1) as engine:
        handles = kept_runs(docs, settings, engine, run=9)
        expected = fingerprints_index(docs, joined_fingerprints(handles), settings)
        found = shuffled_index(docs, frozenset(), handles, settings, engine)
    assert expected.groups and any(g.near for g in expected.groups) == settings.near_repeats
    assert found == expected


def _partitioned(func, handles, make, *args, parts: int):
    """``func`` of each of ``parts`` partitions of the sources' columns by key, as a distributed engine shuffles them."""
    columns = [make(handle, *args) for handle in handles]
    out = []
    for p in range(parts):
        pieces = [(k[k % np.uint64(parts) == p], v[k % np.uint64(parts) == p]) for k, v in columns]
        out.append(func(*sorted_columns(pieces)))
    return out


def test_candidates_and_counts_do_not_depend_on_the_partitions():
    from dedup.boilerplate.repeat_shuffle import _band_columns, _group_columns

    docs = repeating_corpus()
    with LocalEngine(1) as engine:
        handles = kept_runs(docs, SETTINGS, engine, run=13)
    none = np.zeros(0, dtype=np.uint64)
    for func, make, args in ((bucket_candidates, _band_columns, (8, 4)), (partial(repeated_groups, floor=5), _group_columns, (none, none))):
        whole = _partitioned(func, handles, make, *args, parts=1)[0]
        split = _partitioned(func, handles, make, *args, parts=4)
        assert len(whole[0]) > 0
        for column in (0, 1):
            joined = np.concatenate([part[column] for part in split])
            assert sorted(map(tuple, np.atleast_2d(joined.T).T.tolist())) == sorted(map(tuple, np.atleast_2d(whole[column].T).T.tolist()))
