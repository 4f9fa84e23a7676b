package infra_test

// The PowerShell hooks must run on Windows PowerShell 5.1 too: azd runs `pwsh` when it is on PATH and otherwise,
// on Windows, falls back to `powershell` (Azure/azure-dev cli/azd/pkg/tools/powershell/powershell.go
// resolvePowerShell). No PowerShell runs here, so this reads the scripts for what 5.1 cannot do:
//   - a script without a byte order mark is read in the ANSI code page: only ASCII means the same everywhere;
//   - 5.1 runs on .NET Framework 4.x: no .NET 5+ API ([Convert]::ToHexString, the static
//     RandomNumberGenerator.GetBytes(int) and Fill);
//   - no PowerShell 6/7 syntax or parameters (?? ?. && || ternaries, -AsHashtable, -Parallel, $IsWindows ...);
//   - a native command's stderr redirected with 2> becomes error records in 5.1, which $ErrorActionPreference =
//     'Stop' (lib.ps1) makes fatal: only lib.ps1's Invoke-Quietly redirects, under 'Continue'.

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var ps51Forbidden = []struct {
	re  *regexp.Regexp
	why string
}{
	{regexp.MustCompile(`\[(System\.)?Convert\]::(To|From)HexString`), ".NET 5+ API"},
	{regexp.MustCompile(`RandomNumberGenerator\]::(GetBytes|Fill|GetInt32|GetHexString|GetString)\(`), ".NET Core/5+ static API (use RandomNumberGenerator::Create().GetBytes($buffer))"},
	{regexp.MustCompile(`\?\?|\?\.|&&|\|\|`), "PowerShell 7 operator"},
	{regexp.MustCompile(`\)\s*\?\s*[^\s]+\s*:\s`), "PowerShell 7 ternary"},
	{regexp.MustCompile(`(?i)-AsHashtable|-Parallel\b|\$PSStyle|\$Is(Windows|Linux|MacOS)\b|-AdditionalChildPath|\bGet-Error\b|-SkipHttpErrorCheck`), "PowerShell 6/7 only"},
}

var nativeStderrRedirect = regexp.MustCompile(`\s2>`)

func ps51Problems(files map[string]string) (ps []string) {
	for _, path := range sortedKeys(files) {
		if !strings.HasPrefix(path, "scripts/") || !strings.HasSuffix(path, ".ps1") {
			continue
		}
		for i, line := range strings.Split(files[path], "\n") {
			code, _, _ := strings.Cut(line, "#")
			for _, c := range line {
				if c > 0x7f {
					ps = append(ps, path+":"+strconv.Itoa(i+1)+": not ASCII (5.1 reads a script without a BOM in the ANSI code page)")
					break
				}
			}
			for _, f := range ps51Forbidden {
				if f.re.MatchString(code) {
					ps = append(ps, path+":"+strconv.Itoa(i+1)+": "+f.why+": "+strings.TrimSpace(line))
				}
			}
			if nativeStderrRedirect.MatchString(code) && !(path == "scripts/lib.ps1" && strings.TrimSpace(code) == "& $Command 2>&1 | Out-Null") {
				ps = append(ps, path+":"+strconv.Itoa(i+1)+": stderr redirected outside Invoke-Quietly (fatal in 5.1 under $ErrorActionPreference = 'Stop'): "+strings.TrimSpace(line))
			}
		}
	}
	if !strings.Contains(files["scripts/lib.ps1"], "function Invoke-Quietly([scriptblock]$Command) {\n    $ErrorActionPreference = 'Continue'\n") {
		ps = append(ps, "scripts/lib.ps1: Invoke-Quietly must run its command under $ErrorActionPreference = 'Continue'")
	}
	return ps
}

func TestPowerShellHooksSuitWindowsPowerShell51(t *testing.T) {
	root := repoRoot(t)
	files := readProjectFiles(t, root)
	for _, p := range ps51Problems(files) {
		t.Error(p)
	}
	for _, m := range []mutation{
		{"", "scripts/preprovision.ps1", "$suffix = -join ($bytes | ForEach-Object { $_.ToString('x2') })", "$suffix = [Convert]::ToHexString([Security.Cryptography.RandomNumberGenerator]::GetBytes(4)).ToLowerInvariant()"},
		{"", "scripts/predown.ps1", "    Invoke-Quietly { az ad sp delete --id $app } | Out-Null\n", "    az ad sp delete --id $app 2>$null | Out-Null\n"},
		{"", "scripts/lib.ps1", "function Invoke-Quietly([scriptblock]$Command) {\n    $ErrorActionPreference = 'Continue'\n", "function Invoke-Quietly([scriptblock]$Command) {\n"},
		{"", "scripts/postprovision.ps1", "if (-not $env:LOCAL_API_BASE_URL)", "if (-not $env:LOCAL_API_BASE_URL -and $IsWindows)"},
		{"", "scripts/spa-config.ps1", "$apiBaseUrl = Need-HttpsOrigin 'API_BASE_URL'", "$apiBaseUrl = Need-HttpsOrigin 'API_BASE_URL' ?? ''"},
		{"", "scripts/lib.ps1", "# Helpers shared", "# Helpers – shared"},
	} {
		if len(ps51Problems(withEdit(t, files, m.file, m.old, m.new))) == 0 {
			t.Errorf("%s: %q -> %q went unnoticed", m.file, m.old, m.new)
		}
	}
}
