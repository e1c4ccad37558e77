"""Linting new documents against a corpus: ``dedup lint``, its index and its baseline.

In: the documents to check (files, or the files a git comparison adds or
changes), a persistent index of the corpus (:mod:`dedup.lint.index`, SQLite)
and a baseline of accepted findings. Out: findings with stable rule ids
(``DUP001`` … ``BOIL001``) and content fingerprints, for the formats in
:mod:`dedup.report.lint_formats`.
"""
