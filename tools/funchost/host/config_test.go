package host

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigurationsTheStandInDoesNotEmulateAreRefused: the stand-in's own limits stop it,
// unlike the host's rules (functions_test.go), which leave one function out.
func TestConfigurationsTheStandInDoesNotEmulateAreRefused(t *testing.T) {
	tests := []struct {
		name    string
		change  func(t *testing.T, root string)
		wantErr string
	}{
		{"non-HTTP binding", func(t *testing.T, root string) {
			writeJSON(t, filepath.Join(root, "queue", "function.json"), map[string]any{"bindings": []map[string]any{
				{"type": "queueTrigger", "direction": "in", "name": "msg", "queueName": "q"},
			}})
		}, `type "queueTrigger", direction "in") is not supported`},
		{"non-HTTP binding type", func(t *testing.T, root string) {
			writeJSON(t, filepath.Join(root, "timer", "function.json"), map[string]any{"bindings": []map[string]any{
				{"type": "timerTrigger", "direction": "in", "name": "timer"},
			}})
		}, `"timerTrigger"`},
		{"extra output binding", func(t *testing.T, root string) {
			fn := httpFunctionJSON([]string{"get"}, "x")
			fn["bindings"] = append(fn["bindings"].([]map[string]any), map[string]any{"type": "blob", "direction": "out", "name": "b"})
			writeJSON(t, filepath.Join(root, "x", "function.json"), fn)
		}, `"blob"`},
		{"unknown binding key", func(t *testing.T, root string) {
			fn := httpFunctionJSON([]string{"get"}, "x")
			fn["bindings"].([]map[string]any)[0]["dataType"] = "binary"
			writeJSON(t, filepath.Join(root, "x", "function.json"), fn)
		}, `unknown field "dataType"`},
		{"unknown function.json key", func(t *testing.T, root string) {
			fn := httpFunctionJSON([]string{"get"}, "x")
			fn["scriptFile"] = "x.js"
			writeJSON(t, filepath.Join(root, "x", "function.json"), fn)
		}, `unknown field "scriptFile"`},
		{"unknown host.json key", func(t *testing.T, root string) {
			editHostJSON(t, root, func(h map[string]any) { h["functionTimeout"] = "00:05:00" })
		}, `unknown field "functionTimeout"`},
		{"payload mode", func(t *testing.T, root string) {
			editHostJSON(t, root, func(h map[string]any) {
				ch := h["customHandler"].(map[string]any)
				delete(ch, "enableProxyingHttpRequest")
				delete(ch, "enableForwardingHttpRequest")
			})
		}, "JSON payloads"},
		{"bindings not an array", func(t *testing.T, root string) {
			writeJSON(t, filepath.Join(root, "x", "function.json"), map[string]any{"bindings": nil})
		}, "not an array"},
		{"unsupported route constraint", func(t *testing.T, root string) {
			writeJSON(t, filepath.Join(root, "x", "function.json"), httpFunctionJSON([]string{"get"}, "x/{d:datetime}"))
		}, `constraint "datetime" is not supported`},
		{"unknown local setting section", func(t *testing.T, root string) {
			writeJSON(t, filepath.Join(root, "local.settings.json"), map[string]any{"ConnectionStrings": map[string]any{"db": "x"}})
		}, `unknown field "ConnectionStrings"`},
		{"encrypted local settings", func(t *testing.T, root string) {
			writeJSON(t, filepath.Join(root, "local.settings.json"), map[string]any{"IsEncrypted": true})
		}, "cannot decrypt"},
		{"another worker runtime", func(t *testing.T, root string) {
			writeJSON(t, filepath.Join(root, "local.settings.json"), map[string]any{"Values": map[string]any{"FUNCTIONS_WORKER_RUNTIME": "node"}})
		}, "only custom handlers"},
		{"CORS * with credentials", func(t *testing.T, root string) {
			writeJSON(t, filepath.Join(root, "local.settings.json"), map[string]any{"Host": map[string]any{"CORS": "*", "CORSCredentials": true}})
		}, `"*" cannot be combined`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := stageRepoApp(t, nil)
			tt.change(t, root)
			err := loadAndPrepare(root)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// loadAndPrepare does everything the stand-in does before it starts the handler.
func loadAndPrepare(root string) error {
	app, err := LoadApp(root)
	if err != nil {
		return err
	}
	settings, err := LoadLocalSettings(root)
	if err != nil {
		return err
	}
	_, err = New(app, settings, Options{})
	return err
}

func editHostJSON(t *testing.T, root string, edit func(map[string]any)) {
	t.Helper()
	var h map[string]any
	data, err := os.ReadFile(filepath.Join(root, "host.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &h); err != nil {
		t.Fatal(err)
	}
	edit(h)
	writeJSON(t, filepath.Join(root, "host.json"), h)
}
