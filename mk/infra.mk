# infra/, azure.yaml and the azd hooks (scripts/). Included by the root Makefile.
#
# Nothing here reaches Azure. The Go tests in infra/ (azure.yaml against the vendored azd schema in
# testdata/schemas, the invariants, the hooks driven with a fake az/azd) and tools/pack (the deployment zip) are
# part of `go test ./...`, so `make test` runs them once, in test-go; it adds infra-bicep, one Bicep check with
# whichever tool this machine has:
#   - the Bicep CLI (`bicep build`, or `az bicep build`) when it is on PATH: the compiler itself (it downloads
#     the Microsoft Graph extension, so it needs network access);
#   - otherwise bicepcheck (tree-sitter-bicep syntax + property names against the Bicep type data) when its
#     sources are in BICEPCHECK_DIR (CI provides them);
#   - otherwise one line says that the Bicep check was skipped, naming the tools and where to get them.
# `make test-infra` runs the Bicep check and those Go tests alone, for work on infra/.

BICEPCHECK_DIR ?= $(abspath $(ROOT)/../shared/tools/bicepcheck)
BICEP_TYPES_DIR ?= $(abspath $(BICEPCHECK_DIR)/../../bicep-types)
INFRA_CACHE ?= $(or $(XDG_CACHE_HOME),$(if $(HOME),$(HOME)/.cache,/tmp))/entra-tasks
BICEPCHECK := $(INFRA_CACHE)/bicepcheck
INFRA_BICEP = $(shell find infra -name '*.bicep' | LC_ALL=C sort)

.PHONY: test-infra lint lint-infra infra-bicep

# Rebuilt when its sources change; the first build takes about a minute (cgo, tree-sitter).
$(BICEPCHECK): $(wildcard $(BICEPCHECK_DIR)/*.go $(BICEPCHECK_DIR)/go.mod $(BICEPCHECK_DIR)/go.sum)
	@mkdir -p "$(dir $@)"
	cd "$(BICEPCHECK_DIR)" && CGO_ENABLED=1 $(GO) build -o "$@" .

infra-bicep: ## The Bicep check alone (bicep build, else bicepcheck, else a one-line skip).
	@test -n "$(INFRA_BICEP)" || { echo "infra checks: no infra/**/*.bicep found" >&2; exit 1; }
	@if command -v bicep >/dev/null 2>&1; then \
	  for f in $(INFRA_BICEP); do echo "bicep build $$f"; bicep build --stdout "$$f" >/dev/null || exit 1; done; \
	elif command -v az >/dev/null 2>&1 && az bicep version >/dev/null 2>&1; then \
	  for f in $(INFRA_BICEP); do echo "az bicep build $$f"; az bicep build --stdout --file "$$f" >/dev/null || exit 1; done; \
	elif test -f "$(BICEPCHECK_DIR)/main.go"; then \
	  $(MAKE) --no-print-directory "$(BICEPCHECK)" && \
	  BICEP_TYPES="$(BICEP_TYPES_DIR)" "$(BICEPCHECK)" $(INFRA_BICEP); \
	else \
	  echo "infra-bicep: skipped: no Bicep CLI (install: az bicep install, or https://aka.ms/bicep-install) and no bicepcheck sources in $(BICEPCHECK_DIR)"; \
	fi

test-infra: infra-bicep ## Bicep check, azure.yaml schema, infra invariants, hooks and the deployment zip (alone).
	$(GO) test -count=1 ./infra/... ./tools/pack/...

lint: lint-infra ## Static checks (infra: the Bicep check of test-infra).

lint-infra: infra-bicep

# test-go already runs ./infra/... and ./tools/pack/... (./...): make test adds only the Bicep check.
TEST_TARGETS += infra-bicep
