"""The compiled parts: MinHash minima (dedup/near/_minhash.c) and the token
hashes of ASCII text (dedup/text/_tokens.c), two loops of stage 1 in C.

Both are optional: where no C compiler is found the build goes on without
them and dedup.near.signatures and dedup.text.shingles compute the same
integers with numpy. Everything else is configured in setup.cfg.
"""

from setuptools import Extension, setup

LOOPS = {"dedup.near._minhash": "dedup/near/_minhash.c", "dedup.text._tokens": "dedup/text/_tokens.c"}

setup(ext_modules=[Extension(name, [source], optional=True, extra_compile_args=["-O3"]) for name, source in LOOPS.items()])
