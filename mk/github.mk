# GitHub workflows (.github/): actionlint over every workflow, at a pinned version that this target installs
# (a Go module, built into .cache/ once). The workflows' invariants (SHA-pinned actions, least permissions,
# id-token only on the deploy job, the test job runs `make test`, the deploy job names no secret) are Go tests
# in infra/workflows_test.go, run by test-go.

ACTIONLINT_VERSION := v1.7.12
ACTIONLINT := $(ROOT)/.cache/actionlint-$(ACTIONLINT_VERSION)/actionlint

.PHONY: test-workflows

$(ACTIONLINT):
	GOBIN=$(dir $@) $(GO) install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

test-workflows: $(ACTIONLINT) ## Lint .github/workflows with actionlint (pinned; installed on first use).
	$(ACTIONLINT) -no-color
	@echo "actionlint $(ACTIONLINT_VERSION): .github/workflows/*.yml clean"

TEST_TARGETS += test-workflows
