# The README's two commands: `make run` and `make test`. Both build .venv
# from nothing but Python 3.11+ and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install install-test run test test-browser browser-deps bench eval eval-pan eval-clough eval-counter eval-boilerplate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

TEST_STAMP := $(VENV)/.installed-test

# `make run` installs dedup alone; `make test` adds the test and Ray extras
# (the Ray engine's tests run in CI).
$(STAMP): setup.cfg setup.py pyproject.toml dedup/text/_loops.c dedup/text/_cosines.c dedup/text/_sentences.c dedup/io/_floats.c | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $(STAMP)

$(TEST_STAMP): setup.cfg setup.py pyproject.toml dedup/text/_loops.c dedup/text/_cosines.c dedup/text/_sentences.c dedup/io/_floats.c | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test,ray]'
	touch $(STAMP) $(TEST_STAMP)

install: $(STAMP)

install-test: $(TEST_STAMP)

run: install
	$(BIN)/dedup scan corpus/

# The layer contracts (setup.cfg [importlinter]) first: an import that reaches
# up a layer fails the build before any test runs. The tests run in
# TEST_WORKERS processes (pytest-xdist; auto: one per core), a module's tests
# in one of them (--dist loadscope), so a module's fixtures (a Ray cluster, a
# browser, a corpus scanned once) are made once.
TEST_WORKERS ?= auto
test: install-test
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope

# What the browser test of the HTML report needs: Chromium and chromedriver
# (Debian packages, installed when missing; needs root) and axe-core from npm
# into tests/report/.axe (not committed).
AXE := tests/report/.axe/node_modules/axe-core/axe.min.js

browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }
	@test -f $(AXE) || npm install --prefix tests/report/.axe --no-save --no-audit --no-fund --silent axe-core

test-browser: install browser-deps
	$(BIN)/python -m pytest tests/report/test_html_browser.py -rs

BENCH_VENV := bench/.venv
BENCH_STAMP := $(BENCH_VENV)/.installed

$(BENCH_STAMP): bench/requirements.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install -q --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install -q -r bench/requirements.txt
	touch $(BENCH_STAMP)

# BENCH_LARGE=1 adds 1,000,000 documents; see bench/bench_scan.py for the rest,
# and bench/bench_ray.py for the Ray engine against the local one.
# BENCH_LINT=1 runs only the lint bench instead: 1,000 new documents against an
# index of 100,000 (bench/bench_lint.py).
bench: install $(BENCH_STAMP)
ifeq ($(BENCH_LINT),1)
	DEDUP_PYTHON=$(abspath $(BIN))/python $(BENCH_VENV)/bin/python bench/bench_lint.py
else
	DEDUP_PYTHON=$(abspath $(BIN))/python $(BENCH_VENV)/bin/python bench/bench_scan.py
	DEDUP_PYTHON=$(abspath $(BIN))/python $(BENCH_VENV)/bin/python bench/bench_ray.py
endif

eval: eval-pan eval-clough eval-counter eval-boilerplate

eval-pan: install
	$(BIN)/python eval/eval_pan.py

# eval-clough fits its folds on the pair classifier's training pairs too,
# whose generated pairs come from the tests' generators (the test extra).
eval-clough: install-test
	$(BIN)/python eval/eval_clough.py

eval-counter: install
	$(BIN)/python eval/eval_counter.py

eval-boilerplate: install
	$(BIN)/python eval/eval_boilerplate.py

clean:
	rm -rf $(VENV) build *.egg-info bench/out
