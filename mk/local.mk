# Local run without the cloud (docs/local.md). `make start` serves the SPA on
# http://localhost:5173 and the API on http://localhost:7071/api/ against Azurite, with Core
# Tools if installed, else the funchost stand-in: one Go command, tools/start -mode local, runs
# Azurite, the staged app in build/, the host under localidentity and the SPA's dev server, and
# stops them all however it is stopped (its ports can be moved with API_PORT, WEB_PORT and
# AZURITE_*_PORT). `make token` prints a bearer token for the local-identity mode; `make reset`
# deletes the local data.

.PHONY: start token reset test-start

# The one settings file a developer edits; make start creates it from local.settings.json.example and
# copies it into build/ on every start (build/ is output only).
LOCAL_SETTINGS ?= local.settings.json

# No `build`: tools/start stages the app in build/ itself, with a handler for this machine.
START_DEPS := $(AZURITE_BIN) $(if $(wildcard frontend/package.json),$(FRONTEND_STAMP))
START_BIN := .cache/bin/start

# Quiet (@): every line of the console is one of tools/start's. exec: tools/start is make's own child,
# so the SIGTERM make passes on when it is killed reaches it.
start: $(START_DEPS) ## @run Run the SPA and the API locally with Azurite (Ctrl-C stops all).
	@$(GO) mod download
	@$(GO) build -o $(START_BIN) ./tools/start
	@exec env GO=$(GO) AZURITE_BIN=$(ROOT)/$(AZURITE_BIN) LOCAL_SETTINGS=$(LOCAL_SETTINGS) $(START_BIN) -mode local -make $(MAKE)

# USER is also the login name in every shell, so only a USER given on the command line
# (make token USER=alice) picks another development user.
TOKEN_USER := $(if $(filter command line,$(origin USER)),$(USER))

# APP=name mints an app-only token instead (a daemon or managed identity, no user: docs/app-callers.md),
# with ROLES among the application permissions Tasks.Read.All and Tasks.ReadWrite.All.
# TENANT=partner (or home, or any tenant id) issues it in another development tenant: multi-tenant mode
# (docs/multi-tenant.md); make start allows home and partner, so another tenant id shows the refusal.
token: ## @run Print a local-identity bearer token (USER=name for another user, ROLES=Admin,Viewer for app roles, TENANT=partner for the second tenant; APP=name ROLES=Tasks.Read.All for an app-only one).
	@$(GO) run ./tools/localidentity token -settings $(LOCAL_SETTINGS) $(if $(TOKEN_USER),-user '$(TOKEN_USER)') $(if $(APP),-app '$(APP)') $(if $(ROLES),-roles '$(ROLES)') $(if $(TENANT),-tenant '$(TENANT)')

AZURITE_DATA ?= .azurite
AZURITE_TABLE_PORT ?= 10002

reset: ## @run Delete the local data (Azurite's .azurite/): every user's tasks.
	@if (exec 3<>/dev/tcp/127.0.0.1/$(AZURITE_TABLE_PORT)) 2>/dev/null; then \
	  echo "reset: something listens on Azurite's port $(AZURITE_TABLE_PORT); stop \`make start\` first (Ctrl-C), then run make reset" >&2; exit 1; \
	fi
	rm -rf $(AZURITE_DATA)
	@echo "reset: local data deleted; the next make start begins empty"

# make start's own test (tools/scripttest/start_test.go): the real `make start` in a terminal (a pty),
# on free ports, stopped by Ctrl-C, by closing the terminal, by kill and by make's death, must leave
# no process and no port behind.
test-start: $(START_DEPS) ## @test make start: console, busy ports; Ctrl-C, closing the terminal, kill and a killed make leave nothing running.
	AZURITE_BIN=$(ROOT)/$(AZURITE_BIN) $(GO) test -count=1 -tags starttest ./tools/scripttest/

TEST_TARGETS += test-start
