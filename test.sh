#!/usr/bin/env bash
# The one command that runs every test (unit, in-memory host, real HTTP on loopback, node cross-checks).
set -euo pipefail
cd "$(dirname "$0")"
exec dotnet test JiraAuthFunctions.sln -c Release --nologo "$@"
