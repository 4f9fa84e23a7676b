# `make lint`: every static check, one target. Included by the root Makefile; part of `make test`.
#   - gofmt: a file gofmt would change fails (it prints the files);
#   - go vet ./...;
#   - actionlint over .github/workflows, at a pinned version built into .cache/ on first use (the workflows'
#     invariants, SHA-pinned actions and least permissions among them, are Go tests in infra/workflows_test.go);
#   - the Bicep check: the Bicep CLI (`bicep build`, or `az bicep build`) when it is installed, the compiler
#     itself; otherwise tools/bicepcheck, vendored here (tree-sitter-bicep syntax, and property names against
#     the type data vendored in infra/testdata/bicep-types). It is its own Go module (cgo), so that go test ./...
#     and the handler never build it; the first build takes about a minute.
# The Go tests in infra/ (azure.yaml against the azd schema, the invariants, the hooks run as azd runs them)
# are part of go test ./..., in test-go.

ACTIONLINT_VERSION := v1.7.12
ACTIONLINT := $(ROOT)/.cache/actionlint-$(ACTIONLINT_VERSION)/actionlint
BICEPCHECK := $(ROOT)/.cache/bicepcheck/bicepcheck
BICEP_TYPES_DIR := $(ROOT)/infra/testdata/bicep-types
INFRA_BICEP = $(shell find infra -name '*.bicep' | LC_ALL=C sort)

.PHONY: lint

$(ACTIONLINT):
	GOBIN=$(dir $@) $(GO) install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

$(BICEPCHECK): $(wildcard tools/bicepcheck/*.go tools/bicepcheck/go.mod tools/bicepcheck/go.sum)
	@mkdir -p "$(dir $@)"
	cd tools/bicepcheck && CGO_ENABLED=1 $(GO) build -o "$@" .

lint: $(ACTIONLINT) ## @test gofmt, go vet, actionlint and the Bicep check.
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './*/node_modules/*')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt would change:" $$unformatted "(run gofmt -w)" >&2; exit 1; fi
	$(GO) vet ./...
	$(ACTIONLINT) -no-color
	@test -n "$(INFRA_BICEP)" || { echo "lint: no infra/**/*.bicep found" >&2; exit 1; }
	@if command -v bicep >/dev/null 2>&1; then \
	  for f in $(INFRA_BICEP); do echo "bicep build $$f"; bicep build --stdout "$$f" >/dev/null || exit 1; done; \
	elif command -v az >/dev/null 2>&1 && az bicep version >/dev/null 2>&1; then \
	  for f in $(INFRA_BICEP); do echo "az bicep build $$f"; az bicep build --stdout --file "$$f" >/dev/null || exit 1; done; \
	else \
	  $(MAKE) --no-print-directory "$(BICEPCHECK)" && BICEP_TYPES="$(BICEP_TYPES_DIR)" "$(BICEPCHECK)" $(INFRA_BICEP); \
	fi
	@echo "lint: gofmt, go vet, actionlint $(ACTIONLINT_VERSION) and the Bicep check are clean"

TEST_TARGETS += lint
