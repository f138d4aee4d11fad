#!/usr/bin/env bash
# The one command that runs every test (unit, in-memory host, real HTTP on loopback, node cross-checks).
# The package layout test (Category=Package) needs a publish of minutes: .ci/run runs it in a step
# of its own; with arguments (e.g. your own --filter) they are passed as given.
set -euo pipefail
cd "$(dirname "$0")"
if [ "$#" -eq 0 ]; then
  set -- --filter "Category!=Package"
fi
exec dotnet test JiraAuthFunctions.sln -c Release --nologo "$@"
