package settings_test

import (
	"strings"
	"testing"

	"github.com/example/entra-tasks/handler/settings"
)

func TestTokenCacheSizeSetting(t *testing.T) {
	s, err := load(validEnv())
	if err != nil {
		t.Fatal(err)
	}
	if s.TokenCacheSize != settings.DefaultTokenCacheSize {
		t.Errorf("default TokenCacheSize = %d, want %d", s.TokenCacheSize, settings.DefaultTokenCacheSize)
	}
	for value, want := range map[string]int{"0": 0, "50": 50, " 100000 ": 100_000} {
		env := validEnv()
		env["AUTH_TOKEN_CACHE_SIZE"] = value
		s, err := load(env)
		if err != nil || s.TokenCacheSize != want {
			t.Errorf("AUTH_TOKEN_CACHE_SIZE=%q: size %d, err %v; want %d", value, s.TokenCacheSize, err, want)
		}
	}
	for _, value := range []string{"-1", "lots", "100001"} {
		env := validEnv()
		env["AUTH_TOKEN_CACHE_SIZE"] = value
		if _, err := load(env); err == nil || !strings.Contains(err.Error(), "AUTH_TOKEN_CACHE_SIZE") {
			t.Errorf("AUTH_TOKEN_CACHE_SIZE=%q: err = %v, want it to name the setting", value, err)
		}
	}
}
