package api_test

import (
	"testing"

	"github.com/example/entra-tasks/handler/apitest"
	"github.com/example/entra-tasks/handler/testenv"
)

// TestAPI runs the integration suite against the handler binary on its own, with real
// Azurite and a loopback key set.
func TestAPI(t *testing.T) {
	apitest.Run(t, func(t *testing.T, settings map[string]string) apitest.Target {
		return testenv.StartHandler(t, settings)
	})
}
