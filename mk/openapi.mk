# The API's OpenAPI document. handler/api/openapi.json is written by hand; the Go
# contract tests (part of test-go) hold every answer of the integration suite against it, and
# test-openapi holds the SPA's generated types (frontend/src/api/schema.d.ts) against it, so
# the handler, the document and the SPA cannot drift apart unnoticed.

OPENAPI_DOC := handler/api/openapi.json
OPENAPI_TYPES := frontend/src/api/schema.d.ts
# openapi-typescript is a pinned devDependency of the SPA: share frontend.mk's npm install
# (its stamp) so one `make test` installs frontend/node_modules once.
OPENAPI_NPM_STAMP := $(or $(FRONTEND_STAMP),frontend/node_modules/.package-lock.json)

.PHONY: test-openapi api-types

ifndef FRONTEND_STAMP
$(OPENAPI_NPM_STAMP): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $@
endif

api-types: $(OPENAPI_NPM_STAMP) ## @build Regenerate the SPA's API types from the OpenAPI document.
	cd frontend && npm run --silent api:types

test-openapi: $(OPENAPI_NPM_STAMP) ## @test The committed SPA API types are what the OpenAPI document generates.
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	  (cd frontend && ./node_modules/.bin/openapi-typescript ../$(OPENAPI_DOC) --output "$$tmp/schema.d.ts" >/dev/null) && \
	  if ! diff -u $(OPENAPI_TYPES) "$$tmp/schema.d.ts"; then \
	    echo "test-openapi: $(OPENAPI_TYPES) is not what $(OPENAPI_DOC) generates; run 'make api-types' and commit it" >&2; exit 1; \
	  fi && echo "test-openapi: $(OPENAPI_TYPES) matches $(OPENAPI_DOC)"

TEST_TARGETS += test-openapi
