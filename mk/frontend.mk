# The SPA: frontend/ (Vite + React + MSAL v5). See docs/frontend.md.
#
# test-frontend: typecheck, Vitest, production build, then Playwright browser tests against the
# production bundle, the real Go API through the host stand-in, real Azurite and a fake Entra.
# The browser comes from tools/ensure-chromium.sh: CHROMIUM_PATH, else Debian's /usr/bin/chromium,
# installing Debian's package (root or password-less sudo) or Playwright's download when missing.
# It ends with one plain line, "N passed, N failed", over the unit and browser tests.

FRONTEND_DIR := frontend
FRONTEND_STAMP := $(FRONTEND_DIR)/node_modules/.package-lock.json
ENSURE_CHROMIUM := tools/ensure-chromium.sh
SPA_PORT ?= 5173

.PHONY: test-frontend start-web frontend-deps frontend-build frontend-screenshot

$(FRONTEND_STAMP): $(FRONTEND_DIR)/package.json $(FRONTEND_DIR)/package-lock.json
	cd $(FRONTEND_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

frontend-deps: $(FRONTEND_STAMP)

frontend-build: $(FRONTEND_STAMP) ## @build Build the SPA's production bundle into frontend/dist.
	cd $(FRONTEND_DIR) && npm run -s build

test-frontend: $(FRONTEND_STAMP) $(AZURITE_BIN) ## @test SPA: typecheck, unit tests, build, browser tests (Chromium).
	@$(ENSURE_CHROMIUM) >/dev/null # first, so a missing browser stops the target before minutes of work
	cd $(FRONTEND_DIR) && npm run -s typecheck
	cd $(FRONTEND_DIR) && rm -rf test-results && mkdir -p test-results
	@chromium=$$($(ENSURE_CHROMIUM)) || exit 1; \
	  cd $(FRONTEND_DIR) && start=$$(date +%s); \
	  npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json; \
	  npm run -s build >test-results/build.log 2>&1 || { cat test-results/build.log; echo "0 passed, 1 failed"; exit 1; }; \
	  CHROMIUM_PATH="$$chromium" npx playwright test; \
	  node scripts/summary.mjs; rc=$$?; \
	  echo "frontend tests took $$(( $$(date +%s) - start )) s; screenshots in $(FRONTEND_DIR)/test-results/screenshots/"; \
	  exit $$rc

TEST_TARGETS += test-frontend

# Re-takes docs/dashboard.png (the README's screenshot) and docs/screenshots/ (dashboard, rename, an
# error, /docs at 375 and 1280 px) from the browser tests.
frontend-screenshot: $(FRONTEND_STAMP) $(AZURITE_BIN) frontend-build
	chromium=$$($(ENSURE_CHROMIUM)) && cd $(FRONTEND_DIR) && CHROMIUM_PATH="$$chromium" UPDATE_DOCS_SCREENSHOT=1 npx playwright test -g "dashboard screenshots|screenshots for docs|rename box grows|right-to-left|offers Undo"

# The Vite dev server on http://localhost:5173, or SPA_PORT (make start runs it beside the API). Writes
# frontend/public/config.json from local.settings.json when it is missing (azd provision writes
# it with the real ids).
start-web: $(FRONTEND_STAMP) ## @run Run the SPA's dev server on http://localhost:5173.
	cd $(FRONTEND_DIR) && node scripts/write-config.mjs $(if $(LOCAL_SETTINGS),--settings $(abspath $(LOCAL_SETTINGS)))
	@# Stopped by make start's SIGTERM is a normal end, not a make error.
	cd $(FRONTEND_DIR) && trap 'exit 0' TERM && ./node_modules/.bin/vite --port $(SPA_PORT) --strictPort

# Navigation to the first task in the browser: the production bundle against the
# browser tests' stack, on loopback and throttled to DevTools' "Slow 4G" with 4x CPU slowdown;
# writes the medians to their own section at the end of bench/results.md. A measurement only:
# it never fails on a time. FIRST_TASK_RUNS=n changes the runs per profile (default 7).
.PHONY: bench-frontend
bench-frontend: $(FRONTEND_STAMP) $(AZURITE_BIN) frontend-build ## @measure Measure navigation → first task (loopback, Slow 4G + 4x CPU); writes bench/results.md.
	chromium=$$($(ENSURE_CHROMIUM)) && cd $(FRONTEND_DIR) && CHROMIUM_PATH="$$chromium" npx playwright test -c perf/playwright.config.ts
