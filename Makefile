# The README's two commands: `make run` and `make test`. Both build .venv
# from nothing but Python 3.11+ and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test bench eval eval-pan eval-boilerplate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/dedup scan corpus/

test: install
	$(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/bench_scan.py

eval: eval-pan eval-boilerplate

eval-pan: install
	$(BIN)/python eval/eval_pan.py

eval-boilerplate: install
	$(BIN)/python eval/eval_boilerplate.py

clean:
	rm -rf $(VENV) build *.egg-info bench/out
