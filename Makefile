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

.PHONY: help build test test-go vet clean deps

help: ## List the targets.
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

deps: $(AZURITE_BIN) ## Install Go modules and the pinned Azurite.
	$(GO) mod download

# A stamp file, not the .bin symlink, records the install: a symlink's own time is not what
# make compares, and a needless `npm ci` would pull node_modules from under a running Azurite.
AZURITE_STAMP := $(AZURITE_DIR)/node_modules/.installed
$(AZURITE_BIN): $(AZURITE_STAMP)
$(AZURITE_STAMP): $(AZURITE_DIR)/package.json $(AZURITE_DIR)/package-lock.json
	cd $(AZURITE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# build/ is the deployable function app: host.json, one folder per function, and the handler
# binary (linux/amd64, static, executable). `func start --script-root build` and azd use it.
build: ## Stage the function app in build/.
	rm -rf $(BUILD_DIR)/handler $(BUILD_DIR)/host.json
	mkdir -p $(BUILD_DIR)
	find $(BUILD_DIR) -mindepth 2 -maxdepth 2 -name function.json -delete
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 $(GO) build -trimpath -ldflags='-s -w' -o $(BUILD_DIR)/handler ./handler
	chmod 0755 $(BUILD_DIR)/handler
	cp host.json $(BUILD_DIR)/host.json
	for f in functions/*/; do mkdir -p $(BUILD_DIR)/$$(basename $$f) && cp $$f/function.json $(BUILD_DIR)/$$(basename $$f)/; done

vet:
	$(GO) vet ./...

test-go: $(AZURITE_BIN) vet ## Go unit and integration tests (real Azurite).
	AZURITE_BIN=$(ROOT)/$(AZURITE_BIN) $(GO) test -count=1 ./...

TEST_TARGETS += test-go

-include mk/*.mk

# -k: one failing area does not hide the results of the others; make still fails at the end.
test: ## Run every test CI runs.
	@$(MAKE) --no-print-directory -k $(TEST_TARGETS)

clean: ## Remove build output.
	rm -rf $(BUILD_DIR)
