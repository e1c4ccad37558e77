"""Cleaning a corpus: the curator's ``dedup clean``.

In: paths of a corpus and a :class:`CleanSettings`. Out: the corpus
written back in its own format with one document per duplicate cluster,
derived documents and shared passages dropped where asked, boilerplate cut,
and a log line per input document saying what was done and why.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "plan": ["KEEP_RULES", "CleanSettings", "Decision", "cut_spans", "plan_clean", "rank_documents"],
        "run": ["LOG_NAME", "TARGETS", "CleanInputError", "CleanReport", "clean_corpus"],
    },
)
