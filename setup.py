"""The compiled part: the loops of stage 1 in C (dedup/text/_loops.c):
MinHash minima, the token hashes of ASCII text and its collapsed whitespace.

Optional: where no C compiler is found the build goes on without it and
dedup.near.signatures, dedup.near.fingerprints and dedup.text.shingles
compute the same integers with numpy. Everything else is configured in
setup.cfg.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("dedup.text._loops", ["dedup/text/_loops.c"], optional=True, extra_compile_args=["-O3"])])
