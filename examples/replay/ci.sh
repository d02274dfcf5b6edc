#!/bin/sh
# The replay suite as a CI step: the recorded transcripts (glm-mcp transcripts
# export ID --format json) run their tool calls again, offline (no model, no
# API key, no transcript store), against this folder and a fresh demo
# database, and a JUnit report is written for the CI system to show.
#
#   - run: sh examples/replay/ci.sh            # exit 0: same; 1: something changed
#
# Needs glm-mcp on PATH (go install github.com/glm-mcp/glm-mcp@latest) and sqlite3.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sqlite3 "$work/demo.db" < "$here/../demo.sql"
glm-mcp replay "$here"/transcripts/*.json \
  --toolkits files,sqlite --root "$here/data" --sqlite "demo=$work/demo.db" \
  --junit "${JUNIT_REPORT:-$here/replay-junit.xml}"
