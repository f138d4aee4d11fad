#!/usr/bin/env bash
# Builds the zip the Functions host runs the isolated worker from: the app published for linux-x64
# with ReadyToRun (precompiled code: a shorter cold start without Native AOT, which the isolated
# worker does not support), framework-dependent (the platform's DOTNET-ISOLATED|10.0 runtime runs it).
# At the root: host.json, functions.metadata, worker.config.json, extensions.json and
# JiraAuthFunctions.dll; the host's extension assemblies under .azurefunctions/.
# Usage: ./package.sh [output folder]   (default: artifacts) -> <output>/jiraauthfunctions.zip
set -euo pipefail
cd "$(dirname "$0")"
command -v zip >/dev/null || { echo "package.sh needs zip (Debian package zip)" >&2; exit 1; }

out=$(mkdir -p "${1:-artifacts}" && cd "${1:-artifacts}" && pwd)
stage="$out/package"
rm -rf "$stage" "$out/jiraauthfunctions.zip"
mkdir -p "$stage"

dotnet publish src/JiraAuthFunctions -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o "$stage" --nologo -v q
rm -f "$stage"/*.pdb "$stage"/appsettings.Local.json   # no symbols, no demo integrations

(cd "$stage" && zip -qr -X "$out/jiraauthfunctions.zip" .)
echo "$out/jiraauthfunctions.zip"
