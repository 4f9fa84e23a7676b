# Reliability and abuse: fuzzing, fault injection, load. The Go tests in
# reliability/ (50-user load, storage outage, SIGTERM, key set faults) and the attack table
# run in `make test-go`; this file adds the short fuzz runs to `make test` and the long
# versions behind `make fuzz` and `make soak`. See docs/security.md.

FUZZTIME_SHORT ?= 3s
FUZZTIME ?= 2m
SOAK_OPS ?= 20000
SOAK_OUTAGES ?= 3

.PHONY: test-reliability fuzz soak

test-reliability: $(AZURITE_BIN) ## @test Every fuzz target for a few seconds.
	AZURITE_BIN=$(ROOT)/$(AZURITE_BIN) GO=$(GO) reliability/fuzz.sh $(FUZZTIME_SHORT)

TEST_TARGETS += test-reliability

fuzz: $(AZURITE_BIN) ## @measure Every fuzz target for FUZZTIME (2m) each, with a summary.
	AZURITE_BIN=$(ROOT)/$(AZURITE_BIN) GO=$(GO) reliability/fuzz.sh $(FUZZTIME)

# The soak: 50 users x SOAK_OPS operations with the model check, SOAK_OUTAGES storage
# outages under load, SIGTERM and SIGKILL under load, key set faults and slow clients; one SUMMARY line each.
soak: $(AZURITE_BIN) ## @measure Long load and fault runs (20,000 operations), with a summary.
	@mkdir -p $(BUILD_DIR)
	@set -o pipefail; AZURITE_BIN=$(ROOT)/$(AZURITE_BIN) RELIABILITY_OPS=$(SOAK_OPS) RELIABILITY_OUTAGES=$(SOAK_OUTAGES) \
		$(GO) test -count=1 -v -timeout 60m ./reliability/ ./handler/ -run 'TestLoadIsolation|TestStorageOutageUnderLoad|TestSIGTERMUnderLoad|TestSIGKILLUnderLoad|TestKeySetFaultsUnderLoad|TestSlowClientsAreCutOff' \
		| tee $(BUILD_DIR)/soak.log | grep -E '^(--- |FAIL|ok )|SUMMARY|_test.go:[0-9]+: [^S]'
	@echo; echo "soak summary:"; grep -o 'SUMMARY.*' $(BUILD_DIR)/soak.log
