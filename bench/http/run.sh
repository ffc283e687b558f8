#!/usr/bin/env bash
# HTTP benchmark of the packaged service with wrk; see bench/README.md ("HTTP benchmark").
#
#   bench/http/run.sh             full run (about 5 minutes): 1, 8 and 64 connections, 12 s per run
#                                 -> bench/results/YYYY-MM-DD-http.md
#   bench/http/run.sh --quick     smoke (under a minute once the jar is built): 8 connections, 4 s per run
#                                 -> bench/results/YYYY-MM-DD-http-quick.md
#   bench/http/run.sh --profile   full run, then a JFR profile of each predict endpoint at 8 connections
#
# Options of this script: --jvm-opts "FLAGS" (JVM flags for the service; default none, as README and CI start
# it; also BENCH_HTTP_JVM_OPTS), --keep-work (leave the temporary folder: bodies, service log, JFR files).
# Everything else goes to bench/http/bench.py: --connections 1,8,64  --duration S  --warmup S  --threads N
# --train-rows N  --data DIR (MNIST IDX files; default datasets/mnist or $CHAINRULE_MNIST_DIR)
# --results DIR  --tag NAME  --engine-results FILE  --profile-duration S.
#
# Traffic goes only to the service this script starts on 127.0.0.1; every wrk run is bounded by its duration.
# It never sets OPENBLAS_CORETYPE or OMP_NUM_THREADS (it records them). Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/../.."
run_started="$(date +%s)"
command_line="bench/http/run.sh${*:+ $*}"

jvm_opts="${BENCH_HTTP_JVM_OPTS:-}"
keep_work=""
pass=()
while [ $# -gt 0 ]; do
  case "$1" in
    --jvm-opts) jvm_opts="$2"; shift 2 ;;
    --jvm-opts=*) jvm_opts="${1#--jvm-opts=}"; shift ;;
    --keep-work) keep_work=yes; shift ;;
    *) pass+=("$1"); shift ;;
  esac
done

for tool in java python3 curl; do
  command -v "$tool" > /dev/null || { echo "[bench-http] needs $tool on the PATH" >&2; exit 2; }
done
if ! command -v wrk > /dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    echo "[bench-http] installing wrk (Debian package)"
    apt-get update -qq && apt-get install -y -qq wrk > /dev/null
  else
    echo "[bench-http] needs wrk: apt-get install wrk" >&2; exit 2
  fi
fi

echo "[bench-http] building the jar (./mvnw -q -B package -DskipTests)"
build_started="$(date +%s)"
./mvnw -q -B package -DskipTests
build_seconds=$(( $(date +%s) - build_started ))
jar="$(ls target/chainrule-*.jar | grep -v -e '-plain\.jar$' -e '-sources\.jar$' | head -n 1)"

work="$(mktemp -d -t chainrule-bench-http.XXXXXX)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
base="http://127.0.0.1:$port"
service_log="$work/service.log"
# shellcheck disable=SC2086  # jvm_opts is a list of flags
java $jvm_opts -jar "$jar" --server.address=127.0.0.1 --server.port="$port" > "$service_log" 2>&1 &
service_pid=$!
stop_service() {
  if kill -0 "$service_pid" 2>/dev/null; then
    kill "$service_pid" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$service_pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$service_pid" 2>/dev/null || true
  fi
  if [ -n "$keep_work" ]; then echo "[bench-http] kept $work"; else rm -rf "$work"; fi
}
trap stop_service EXIT
trap 'exit 130' INT TERM

ready_started="$(date +%s)"
ready=""
for _ in $(seq 180); do
  if ! kill -0 "$service_pid" 2>/dev/null; then
    echo "[bench-http] the service exited before it was ready:" >&2; tail -n 40 "$service_log" >&2; exit 1
  fi
  if curl -sf --max-time 2 "$base/actuator/health/readiness" > /dev/null; then ready=yes; break; fi
  sleep 1
done
if [ -z "$ready" ]; then
  echo "[bench-http] the service was not ready within 180 s:" >&2; tail -n 40 "$service_log" >&2; exit 1
fi
ready_seconds=$(( $(date +%s) - ready_started ))
echo "[bench-http] service ready at $base (pid $service_pid) after ${ready_seconds} s"

python3 bench/http/bench.py --base "$base" --pid "$service_pid" --service-log "$service_log" --work "$work" \
  --command "$command_line" --jvm-opts="$jvm_opts" --jar "$jar" --build-seconds "$build_seconds" \
  --ready-seconds "$ready_seconds" --run-started "$run_started" ${pass[@]+"${pass[@]}"} || {
  status=$?
  echo "[bench-http] the benchmark failed ($status); the service's log ends:" >&2; tail -n 30 "$service_log" >&2
  exit "$status"
}
