"""The compiled part: the loops of stage 1, of passage alignment and of the
boilerplate stage in C (dedup/text/_loops.c): MinHash minima, the token
hashes of ASCII text and its collapsed whitespace; verbatim runs, their
merge into passages and the sentence pairs they join; the counts behind the
block features of ASCII text and the sentence-repeat test.

Optional: where no C compiler is found the build goes on without it and
dedup.near.signatures, dedup.near.fingerprints, dedup.text.shingles,
dedup.passages.verbatim, dedup.passages.align and dedup.boilerplate compute
the same results with numpy; dedup/text/_sentences.c finds sentence
boundaries and normalisation offsets, with dedup.text.sentences and
dedup.text.normalize as the Python reference. Everything else is configured in
setup.cfg.
"""

from setuptools import Extension, setup

# floats equal to numpy's and SciPy's: no fused multiply-add
setup(ext_modules=[
    Extension("dedup.text._loops", ["dedup/text/_loops.c"], optional=True, extra_compile_args=["-O3", "-ffp-contract=off"]),
    Extension("dedup.text._sentences", ["dedup/text/_sentences.c"], optional=True, extra_compile_args=["-O3"]),
    Extension("dedup.text._cosines", ["dedup/text/_cosines.c"], optional=True, extra_compile_args=["-O3", "-ffp-contract=off"]),
    Extension("dedup.io._floats", ["dedup/io/_floats.c"], optional=True, extra_compile_args=["-O3"]),
])
