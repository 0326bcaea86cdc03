# The two commands a newcomer needs (see README.md):
#   make build   set everything up, then run the whole pipeline (ingest, dbt build, quality gates, reports)
#   make test    set everything up (with the test tools), then run every test
# MIRROR is the directory of published files read instead of the network; empty means download.
MIRROR ?= ../shared/data
export HIS_MIRROR := $(if $(MIRROR),$(abspath $(MIRROR)),)

.PHONY: build test setup setup-test
setup:
	scripts/setup.sh
setup-test:
	scripts/setup.sh --test
build: setup
	.venv/bin/his build
test: setup-test
	.venv/bin/pytest
