# sgwatch: two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: help install demo test lint clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned exactly: the CPU build lies on disk here; a bare `torch` pulls CUDA.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install sgwatch with its models

demo: $(STAMP)  ## crawl the bundled sample site, analyse it into ./data, then serve the API
	SGWATCH_DATA_DIR=$${SGWATCH_DATA_DIR:-data/demo} $(BIN)/sgwatch demo --host $(HOST) --port $(PORT)

test: $(STAMP)  ## run the whole test suite (real models, real crawls on 127.0.0.1)
	$(BIN)/python -m pytest

lint: $(STAMP)  ## ruff and mypy
	$(BIN)/ruff check core crawler nlp api tests
	$(BIN)/mypy core crawler nlp api

clean:  ## remove the venv and the data directory
	rm -rf $(VENV) data
