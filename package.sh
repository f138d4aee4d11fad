#!/usr/bin/env bash
# Builds the zip the Functions host runs: host.json at the root, one folder per function with its
# function.json, and the handler published self-contained for linux-x64 with Native AOT
# (its executable bit kept: the host starts it directly).
# Usage: ./package.sh [output folder]   (default: artifacts) -> <output>/jiraauthfunctions.zip
set -euo pipefail
cd "$(dirname "$0")"
command -v zip >/dev/null || { echo "package.sh needs zip (Debian package zip)" >&2; exit 1; }

out=$(mkdir -p "${1:-artifacts}" && cd "${1:-artifacts}" && pwd)
stage="$out/package"
rm -rf "$stage" "$out/jiraauthfunctions.zip"
mkdir -p "$stage"

dotnet publish src/JiraAuthFunctions -c Release -r linux-x64 -p:PublishAot=true -o "$stage" --nologo -v q
rm -f "$stage"/*.dbg "$stage"/*.pdb "$stage"/appsettings.Local.json   # no symbols, no demo integrations
chmod +x "$stage/JiraAuthFunctions"

cp host.json "$stage/"
for function in */function.json; do
  mkdir -p "$stage/$(dirname "$function")"
  cp "$function" "$stage/$function"
done

(cd "$stage" && zip -qr -X "$out/jiraauthfunctions.zip" .)
echo "$out/jiraauthfunctions.zip"
