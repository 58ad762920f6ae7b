# sgwatch: two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: help install demo test lint clean browser

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

# The report's browser test drives Debian's Chromium and its chromedriver (never a downloaded browser).
CHROMIUM       ?= /usr/bin/chromium
CHROMEDRIVER   ?= /usr/bin/chromedriver
SUDO           := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

browser:  ## install Debian's chromium and chromium-driver for the report's browser test
	@if [ -x $(CHROMIUM) ] && [ -x $(CHROMEDRIVER) ]; then echo "chromium: $$($(CHROMIUM) --version 2>/dev/null)"; \
	elif command -v apt-get >/dev/null; then \
	  $(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends chromium chromium-driver fonts-dejavu-core; \
	else echo "make browser: no apt-get here; install chromium and chromedriver at $(CHROMIUM) and" \
	  "$(CHROMEDRIVER), or the browser test fails" >&2; fi

test: $(STAMP) browser  ## run the whole test suite (real models, real crawls on 127.0.0.1, headless Chromium)
	$(BIN)/python -m pytest

lint: $(STAMP)  ## ruff and mypy
	$(BIN)/ruff check core crawler nlp api tests
	$(BIN)/mypy core crawler nlp api

clean:  ## remove the venv and the data directory
	rm -rf $(VENV) data
