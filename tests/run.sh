#!/usr/bin/env bash
# Runs every test of the gateway: the README's test command, and what .ci/run calls.
# It needs only the .NET SDK; it restores packages, builds in Release and prints a closing
# line "tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")/.."

results="artifacts/test-results"
rm -rf "$results"
status=0
dotnet test Gateway.sln --configuration Release \
  --logger "trx;LogFileName=gateway-tests.trx" \
  --logger "console;verbosity=normal" \
  --results-directory "$results" || status=$?

trx=$(find "$results" -name '*.trx' | head -n 1)
if [[ -z "$trx" ]]; then
  echo "tests: no results were written" >&2
  exit 1
fi

counters=$(grep -o '<Counters [^>]*>' "$trx")
count() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
passed=$(count passed)
failed=$(count failed)
total=$(count total)
executed=$(count executed)
echo "tests: ${passed} passed, ${failed} failed, $((total - executed)) skipped"

if [[ "$executed" -eq 0 ]]; then
  echo "tests: no test ran" >&2
  exit 1
fi
exit "$status"
