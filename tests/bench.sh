#!/usr/bin/env bash
# The gateway's benchmark: the README's benchmark command. It prints requests/s, p50/p99 latency,
# errors, allocation and CPU per request and memory for POST /remix and a cached status read,
# through the published gateway, straight to a fast upstream (nginx answering from memory) and
# through a plain YARP pass-through; then the scale run: 100, 1,000 and 10,000 remixes in flight
# against the emulator enforcing Sunra's account limits, on a compressed clock, with the calls that
# reached Sunra, its 403s and the notice delay, polling; and 100 and 1,000 again with push on (the
# emulator calls the gateway back when each remix ends), beside the poll rows; and the streams run:
# 10,000 event streams over 100 remixes on one published gateway with its records in redis-server
# (memory and CPU per stream, store reads at rest, callback to the last stream's event); and the custody
# run: the published gateway copies a 512 MiB video from the emulator (time, MB/s, its peak memory before
# and after), serves it through its signed link to one client and to 4 at once and a 1 MiB range, and
# copies 100 small videos completing together, every copy checked by its SHA-256. It fails only on
# errors. Options (all optional):
#   --duration 10 --warmup 30 --rounds 3 --connections 32 --startups 3 --store memory|redis --gateway DIR
#   --scale 100,1000,10000 (the numbers in flight; none: no scale run, push rows included)
#   --push 100,1000 (the numbers in flight also run with push on, each beside a poll run; none: no push rows)
#   --custody-mib 512 (the custody run's large video)
#   --scale-only --streams-only --custody-only
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/apt-install.sh

# The scale run alone runs in this process, on the SDK: no servers to install or publish.
if [[ " $* " == *" --scale-only "* ]]; then
  mkdir -p artifacts/benchmarks
  dotnet run --project tests/Gateway.Benchmarks --configuration Release -- "$@" \
    | tee artifacts/benchmarks/scale-latest.txt
  exit
fi

# The streams run alone needs redis-server and the published gateway only.
if [[ " $* " == *" --streams-only "* ]]; then
  command -v redis-server >/dev/null || [[ -x /usr/bin/redis-server ]] || apt_install redis-server
  dotnet publish src/Gateway/Gateway.csproj --configuration Release \
    --output artifacts/publish/Gateway -nologo -v quiet
  mkdir -p artifacts/benchmarks
  dotnet run --project tests/Gateway.Benchmarks --configuration Release -- "$@" \
    | tee artifacts/benchmarks/streams-latest.txt
  exit
fi

# The custody run alone needs the published gateway only (its records in memory, its videos in a temporary directory).
if [[ " $* " == *" --custody-only "* ]]; then
  dotnet publish src/Gateway/Gateway.csproj --configuration Release \
    --output artifacts/publish/Gateway -nologo -v quiet
  mkdir -p artifacts/benchmarks
  dotnet run --project tests/Gateway.Benchmarks --configuration Release -- "$@" \
    | tee artifacts/benchmarks/custody-latest.txt
  exit
fi

# wrk drives the load, nginx plays Sunra and redis-server holds the records with --store redis;
# install them from apt when missing.
missing=()
command -v wrk >/dev/null || missing+=(wrk)
[[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
command -v redis-server >/dev/null || [[ -x /usr/bin/redis-server ]] || missing+=(redis-server)
if [[ ${#missing[@]} -gt 0 ]]; then
  apt_install "${missing[@]}"
fi

# The servers run as they are deployed: the output of dotnet publish.
dotnet publish src/Gateway/Gateway.csproj --configuration Release \
  --output artifacts/publish/Gateway -nologo -v quiet
dotnet publish tests/Gateway.Benchmarks.Yarp/Gateway.Benchmarks.Yarp.csproj --configuration Release \
  --output artifacts/publish/Gateway.Benchmarks.Yarp -nologo -v quiet

mkdir -p artifacts/benchmarks
dotnet run --project tests/Gateway.Benchmarks --configuration Release -- "$@" \
  | tee artifacts/benchmarks/latest.txt
