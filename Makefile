# Two commands for a new user: `make start` (run locally) and `make test` (everything CI runs).
# Each area of the repository adds its own targets in mk/<area>.mk and appends its test
# target to TEST_TARGETS, so `make test` grows with the project without one giant file.

SHELL := /bin/bash
.DEFAULT_GOAL := help
GO ?= go
ROOT := $(abspath .)
AZURITE_DIR := tools/azurite
AZURITE_BIN := $(AZURITE_DIR)/node_modules/.bin/azurite
BUILD_DIR := build
TEST_TARGETS :=

.PHONY: help build test test-go clean deps

# Each target's help text starts with its group (## @run, @test, @build, @measure, @other); help prints
# the groups in that order, the order a newcomer needs them.
help: ## @other List the targets, by purpose.
	@awk -F':.*## @' '/^[a-zA-Z_-]+:.*## @/ { split($$2, w, " "); g = w[1]; sub(/^[^ ]+ /, "", $$2); \
	    lines[g] = lines[g] sprintf("  %-16s %s\n", $$1, $$2) } \
	  END { n = split("run test build measure other", order, " "); \
	    for (i = 1; i <= n; i++) if (order[i] in lines) printf "%s:\n%s\n", order[i], lines[order[i]] }' $(MAKEFILE_LIST)

deps: $(AZURITE_BIN) ## @build Install Go modules and the pinned Azurite.
	$(GO) mod download

# A stamp file, not the .bin symlink, records the install: a symlink's own time is not what
# make compares, and a needless `npm ci` would pull node_modules from under a running Azurite.
AZURITE_STAMP := $(AZURITE_DIR)/node_modules/.installed
$(AZURITE_BIN): $(AZURITE_STAMP)
$(AZURITE_STAMP): $(AZURITE_DIR)/package.json $(AZURITE_DIR)/package-lock.json
	cd $(AZURITE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# build/ is the deployable function app: host.json, one folder per function, and the handler
# binary (linux/amd64, static, executable); build/api.zip is what azd deploys (tools/pack: exactly
# those files, the handler at 0755). `func start --script-root build` runs build/. The same script
# is azd's prepackage hook, so a deploy never depends on make; it runs here as azd runs it,
# `/bin/sh -c <absolute path>` (Azure/azure-dev cli/azd/pkg/tools/bash/bash.go), so a script that
# lost its executable bit fails `make build` as it would fail `azd deploy`.
build: ## @build Stage the function app in build/ and write build/api.zip.
	GO="$(GO)" /bin/sh -c '$(ROOT)/scripts/build-api.sh'

# -k: one failing area does not hide the results of the others; make still fails at the end.
test: ## @test Run every test CI runs.
	@$(MAKE) --no-print-directory -k $(TEST_TARGETS)

# Static checks (gofmt, go vet) are in `make lint` (mk/lint.mk), a target of its own in `make test`.
test-go: $(AZURITE_BIN) ## @test Go unit and integration tests (real Azurite).
	AZURITE_BIN=$(ROOT)/$(AZURITE_BIN) $(GO) test -count=1 ./...

TEST_TARGETS += test-go

-include mk/*.mk

clean: ## @other Remove build output.
	rm -rf $(BUILD_DIR)
