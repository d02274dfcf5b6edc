#!/usr/bin/env bash
# Benchmarks the transcript store (store/) and `transcripts show`: one
# committed append (median and 99th percentile of single calls; the append
# also updates the full-text index, by trigger, in the same transaction),
# listing all of 10,000 transcripts and the default 20 of them, reading a
# 1,000-message transcript, full-text search of 10,000 messages (a word in
# one of them, and one in nearly all), and showing a transcript end to end. Files live under a temporary
# folder, as in use (WAL, synchronous=NORMAL).
# Usage: bench/store.sh [count]   (default 3; results also in bench/out/store.txt)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-3}
mkdir -p bench/out
{
  echo "# $(date -u +%FT%TZ) $(uname -sm), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
  go test -run '^$' -bench 'BenchmarkStore_AppendMessage$' -benchtime 20000x -count "$count" ./store/
  go test -run '^$' -bench 'BenchmarkStore_(List|Get)' -benchtime 50x -count "$count" ./store/
  go test -run '^$' -bench 'BenchmarkStore_Search' -benchtime 50x -count "$count" ./store/
  go test -run '^$' -bench 'BenchmarkTranscripts_show1000$' -benchtime 20x -count "$count" .
} 2>&1 | tee bench/out/store.txt
