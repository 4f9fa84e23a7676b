# infra/, azure.yaml and the azd hooks (scripts/). Included by the root Makefile.
#
# Nothing here reaches Azure. `make test-infra` runs the Go tests in infra/ (azure.yaml against the vendored azd
# schema in testdata/schemas, the invariants, the hooks driven with a fake az/azd, the deployment zip) and one
# Bicep check, whichever tool this machine has:
#   - the Bicep CLI (`bicep build`, or `az bicep build`) when it is on PATH: the compiler itself (it downloads
#     the Microsoft Graph extension, so it needs network access);
#   - otherwise bicepcheck (tree-sitter-bicep syntax + property names against the Bicep type data) when its
#     sources are in BICEPCHECK_DIR (CI provides them);
#   - otherwise one line says that the Bicep syntax check was skipped. The Go tests still run.

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

infra-bicep:
	@test -n "$(INFRA_BICEP)" || { echo "infra checks: no infra/**/*.bicep found" >&2; exit 1; }
	@if command -v bicep >/dev/null 2>&1; then \
	  for f in $(INFRA_BICEP); do echo "bicep build $$f"; bicep build --stdout "$$f" >/dev/null || exit 1; done; \
	elif command -v az >/dev/null 2>&1 && az bicep version >/dev/null 2>&1; then \
	  for f in $(INFRA_BICEP); do echo "az bicep build $$f"; az bicep build --stdout --file "$$f" >/dev/null || exit 1; done; \
	elif test -f "$(BICEPCHECK_DIR)/main.go"; then \
	  $(MAKE) --no-print-directory "$(BICEPCHECK)" && \
	  BICEP_TYPES="$(BICEP_TYPES_DIR)" "$(BICEPCHECK)" $(INFRA_BICEP); \
	else \
	  echo "infra checks: skipped the Bicep check (no bicep, no az bicep, no bicepcheck in $(BICEPCHECK_DIR)); the Go tests below still run"; \
	fi

test-infra: infra-bicep ## Bicep check, azure.yaml schema, infra invariants, hooks and the deployment zip.
	$(GO) test -count=1 ./infra/... ./tools/pack/...

lint: lint-infra ## Static checks (infra: the Bicep check of test-infra).

lint-infra: infra-bicep

TEST_TARGETS += test-infra
