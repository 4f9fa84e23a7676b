# Local run without the cloud (docs/local.md). `make start` serves the API at
# http://localhost:7071/api/ against Azurite, with Core Tools if installed, else the funchost
# stand-in; the long part lives in tools/start.sh. `make token` prints a bearer token for the
# local-identity mode.

.PHONY: start token

start: $(AZURITE_BIN) build ## Run the API locally with Azurite (and the SPA if present).
	$(GO) mod download
	GO=$(GO) AZURITE_BIN=$(ROOT)/$(AZURITE_BIN) tools/start.sh

# USER is also the login name in every shell, so only a USER given on the command line
# (make token USER=alice) picks another development user.
TOKEN_USER := $(if $(filter command line,$(origin USER)),$(USER))

token: ## Print a local-identity bearer token (USER=name for another user).
	@$(GO) run ./tools/localidentity token -settings $(BUILD_DIR)/local.settings.json $(if $(TOKEN_USER),-user '$(TOKEN_USER)')
