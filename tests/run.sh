#!/usr/bin/env bash
# Runs every test of the gateway: the README's test command, and what .ci/run calls.
# It needs the .NET SDK, and on Debian installs what else the tests run (redis-server, nginx,
# chromium, curl, Node and npm); it restores packages, publishes and builds in Release and prints
# a closing line
# "tests: N passed, N failed, N skipped".
#
# bash tests/run.sh --fast runs the fast tier: every test but those marked [FullTier] (trait
# Tier=Full), which start processes of their own (redis-server, nginx, Chromium, Node, Azurite,
# curl, the gateway as a process). It needs only the .NET SDK: no apt, no npm, no publish, and it
# builds the test project alone, not the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/apt-install.sh

fast=false
case "$*" in
  "") ;;
  --fast) fast=true ;;
  *) echo "usage: bash tests/run.sh [--fast]" >&2; exit 2 ;;
esac

# The multi-instance tests run a real Redis and a real nginx in front of several gateways; the
# browser tests drive Debian's Chromium (nothing downloads a browser of its own); the Sunra-client
# tests run the model card's curl example and the JavaScript client's flow in Node. Install what
# is missing from apt (as root, or through sudo when there is one). fonts-liberation is only a
# recommendation of Chromium's, but without it the screenshots have no readable text.
install_test_dependencies() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  [[ -x /usr/sbin/nginx ]] || command -v nginx >/dev/null || missing+=(nginx-light)
  [[ -x /usr/bin/chromium ]] || missing+=(chromium fonts-liberation)
  command -v curl >/dev/null || missing+=(curl)
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  if [[ ${#missing[@]} -gt 0 ]]; then
    apt_install "${missing[@]}"
  fi
}

if [[ "$fast" == true ]]; then
  tests=(tests/Gateway.Tests/Gateway.Tests.csproj --filter "Tier!=Full")
  # A test that starts an outside process without being marked fails, naming it, rather than starting it.
  export GATEWAY_TESTS_TIER=fast
else
  tests=(Gateway.sln)
  install_test_dependencies

  # The JavaScript client's flow runs on the libraries that client is built on, pinned by the lock file.
  npm ci --prefix tests/sunra-js --no-audit --no-fund --loglevel=error
  # The blob storage's tests run against Azurite, Microsoft's storage emulator, pinned by its lock file.
  npm ci --prefix tests/azurite --no-audit --no-fund --loglevel=error

  # The multi-instance tests run the gateway as it is deployed: the output of dotnet publish
  # (tests/Gateway.Tests/Infrastructure/PublishedGateway.cs looks for it there).
  dotnet publish src/Gateway/Gateway.csproj --configuration Release \
    --output artifacts/publish/Gateway -nologo -v quiet
fi

# Build and run the tests, writing a TRX file to count the results from.
results="artifacts/test-results"
figures="artifacts/figures"
screenshots="artifacts/screenshots"
rm -rf "$results" "$figures" "$screenshots"
mkdir -p artifacts
log="artifacts/test-results.log"
status=0
dotnet test "${tests[@]}" --configuration Release \
  --logger "trx;LogFileName=gateway-tests.trx" \
  --logger "console;verbosity=normal" \
  --results-directory "$results" 2>&1 | tee "$log" || status=$?

# The figures some tests measure (the soak's counts), printed rather than asserted on time.
if [[ -d "$figures" ]]; then
  cat "$figures"/*
fi

# Summarise the TRX counters in the closing line.
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
# Repeat each failure with its message and stack at the end, where a shortened log still shows it.
if [[ "$failed" -ne 0 ]]; then
  awk '/^  Failed /{keep=1; lines=0} /^  (Passed|Skipped) |^Results File:/{keep=0}
       keep && lines++ < 60' "$log"
fi
# A fixture that fails as it is disposed fails the run without failing a test (the shared
# redis-server that died after the last test that used it, say): repeat what it said too.
awk '/\[Test (Assembly|Collection|Class) Cleanup Failure/{keep=1; lines=0} /\]   Finished: /{keep=0}
     keep && lines++ < 60' "$log"
echo "tests: ${passed} passed, ${failed} failed, $((total - executed)) skipped"

if [[ "$executed" -eq 0 ]]; then
  echo "tests: no test ran" >&2
  exit 1
fi

# Every test found (by the same filter) must have a result: one the runner never heard of must not pass unnoticed.
listed=$(dotnet test "${tests[@]}" --configuration Release --no-build --list-tests 2>/dev/null | grep -c '^    ' || true)
if [[ "$listed" -ne "$total" ]]; then
  echo "tests: ${listed} tests were found but ${total} have a result" >&2
  exit 1
fi
exit "$status"
