"""The one compiled part: MinHash minima in C (dedup/near/_minhash.c).

Optional: where no C compiler is found the build goes on without it and
dedup.near.signatures computes the same minima with numpy. Everything else
is configured in setup.cfg.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("dedup.near._minhash", ["dedup/near/_minhash.c"], optional=True, extra_compile_args=["-O3"])])
