# infra/ and azure.yaml checks (issue 3). Included by the root Makefile.
#
# Nothing here reaches Azure: bicepcheck (tree-sitter-bicep syntax + property names against the Bicep type data),
# the azure.yaml schema and the invariant tests in infra/*_test.go. `make lint` adds `bicep build` where the
# Bicep CLI (or az) is installed; it needs network access for the Microsoft Graph extension.
#
# The shared material (bicepcheck, bicep-types, schemas) is read from ../shared beside the repository
# (read-only); override with SHARED_DIR=... . bicepcheck is built once into a cache outside the repository.

SHARED_DIR ?= $(abspath $(ROOT)/../shared)
BICEP_TYPES_DIR := $(SHARED_DIR)/bicep-types
BICEPCHECK_SRC := $(SHARED_DIR)/tools/bicepcheck
INFRA_CACHE ?= $(or $(XDG_CACHE_HOME),$(if $(HOME),$(HOME)/.cache,/tmp))/entra-tasks
BICEPCHECK := $(INFRA_CACHE)/bicepcheck
INFRA_BICEP = $(shell find infra -name '*.bicep' | LC_ALL=C sort)

.PHONY: test-infra lint lint-infra infra-shared infra-bicepcheck

infra-shared:
	@for p in "$(BICEPCHECK_SRC)/main.go" "$(BICEP_TYPES_DIR)/SOURCES.md" "$(SHARED_DIR)/schemas/azure.yaml.alpha.schema.json"; do \
	  test -f "$$p" || { echo "infra checks: $$p not found. The shared material must be at $(SHARED_DIR) (../shared beside the repository), or pass SHARED_DIR=<dir>." >&2; exit 1; }; \
	done

# Rebuilt when its sources change; first build takes ~1 min (cgo, tree-sitter).
$(BICEPCHECK): $(wildcard $(BICEPCHECK_SRC)/*.go $(BICEPCHECK_SRC)/go.mod $(BICEPCHECK_SRC)/go.sum) | infra-shared
	@mkdir -p "$(dir $@)"
	cd "$(BICEPCHECK_SRC)" && CGO_ENABLED=1 $(GO) build -o "$@" .

infra-bicepcheck: infra-shared $(BICEPCHECK)
	@test -n "$(INFRA_BICEP)" || { echo "infra checks: no infra/**/*.bicep found" >&2; exit 1; }
	BICEP_TYPES="$(BICEP_TYPES_DIR)" "$(BICEPCHECK)" $(INFRA_BICEP)

test-infra: infra-bicepcheck ## Bicep (bicepcheck), azure.yaml schema, infra invariants and hook tests.
	SHARED_DIR="$(SHARED_DIR)" $(GO) test -count=1 ./infra/...

lint: lint-infra ## Static checks (infra: bicepcheck, and `bicep build` where the Bicep CLI exists).

lint-infra: infra-bicepcheck
	@if command -v bicep >/dev/null 2>&1; then \
	  for f in $(INFRA_BICEP); do echo "bicep build $$f"; bicep build --stdout "$$f" >/dev/null || exit 1; done; \
	elif command -v az >/dev/null 2>&1; then \
	  for f in $(INFRA_BICEP); do echo "az bicep build $$f"; az bicep build --stdout --file "$$f" >/dev/null || exit 1; done; \
	else \
	  echo "lint-infra: neither bicep nor az is installed: skipped bicep build (bicepcheck ran)"; \
	fi

TEST_TARGETS += test-infra
