"""Provenance: who copied whom, and what each document is made of.

In: reported pairs with their aligned passages (from :mod:`dedup.passages`
and the document-level stages), the documents and their boilerplate spans.
Out: each pair's ``source``, ``derived``, confidence and evidence in words;
each document's composition (original, shared as source or copy, boilerplate).
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "composition": ["PARTS", "SharedSpans", "shared_spans", "composition", "compositions"],
        "direction": ["Direction", "PairSide", "decide"],
        "pairs": ["direct_pair", "direct_pairs", "annotate"],
        "signals": ["DocumentSignals", "document_signals", "parse_date", "is_attributed"],
    },
)
