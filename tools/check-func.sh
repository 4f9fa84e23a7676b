#!/bin/sh
# check-func.sh: exit 0 if the Azure Functions Core Tools (`func`) on PATH runs this app as
# it runs in Azure; otherwise print one line saying what to install and exit 1.
#
# host.json sets customHandler.enableProxyingHttpRequest. A host without that feature
# ignores it and falls back to enableForwardingHttpRequest, which drops chunked request
# bodies and rebuilds the query string: the app would half work locally. The feature came
# with azure-functions-host pull request #11035 (HttpWorkerOptions.EnableProxyingHttpRequest,
# src/WebJobs.Script/Workers/Http/HttpProxyService/), still under review on 2025-06-10 and
# marked as needing no backport; the host at 4.1037.0 does not have it. Core Tools bundles
# one host (azure-functions-core-tools eng/Directory.Packages.props, later
# eng/build/Packages.props, Microsoft.Azure.WebJobs.Script.WebHost): 4.0.7317 has 4.1038.300;
# 4.0.7512, 4.1.0, 4.1.1 and 4.1.2 all have 4.1040.300, of a release line Core Tools already
# took on 2025-06-16 (4.1040.200), days after the pull request was still in review; 4.2.0 ("Update
# Host Version to 4.1041.200 (#4606)", first tagged as 4.2.1) is the first with the next
# host, 4.1041.200, which the Functions team named as required for this setting in
# September 2025. So 4.2.0 is the minimum; 4.1.0 was not enough.
#
# `func --version` prints the bare version, e.g. 4.14.0, 4.0.7512 or 5.0.0-preview.3
# (azure-functions-core-tools src/Cli/func/Program.cs, Extensions/AssemblyExtensions.cs
# GetCliVersion).
minimum=4.2.0
upgrade="upgrade with: npm install -g azure-functions-core-tools@4 (or brew upgrade azure-functions-core-tools@4, or winget upgrade Microsoft.Azure.FunctionsCoreTools)"

if ! version=$(func --version 2>/dev/null) || [ -z "$version" ]; then
	echo "check-func: could not run \`func --version\`; install Azure Functions Core Tools $minimum or later ($upgrade)" >&2
	exit 1
fi
version=$(printf '%s\n' "$version" | head -n 1 | tr -d '[:space:]')
core=${version%%[-+]*}
case "$core" in
'' | .* | *. | *..* | *[!0-9.]*)
	echo "check-func: \`func --version\` printed \"$version\", not a version; install Azure Functions Core Tools $minimum or later ($upgrade)" >&2
	exit 1
	;;
esac

# at_least A B: whether dotted version A >= B, comparing numbers field by field.
at_least() {
	a=$1 b=$2
	while [ -n "$a$b" ]; do
		x=${a%%.*} y=${b%%.*}
		x=${x:-0} y=${y:-0}
		case "$x$y" in *[!0-9]*) return 1 ;; esac
		[ "$x" -gt "$y" ] && return 0
		[ "$x" -lt "$y" ] && return 1
		case "$a" in *.*) a=${a#*.} ;; *) a= ;; esac
		case "$b" in *.*) b=${b#*.} ;; *) b= ;; esac
	done
	return 0
}

if at_least "$core" "$minimum"; then
	exit 0
fi
echo "check-func: Azure Functions Core Tools $version is too old: this app needs $minimum or later, whose host honours host.json's enableProxyingHttpRequest; $upgrade" >&2
exit 1
