#!/usr/bin/env bash
# Whole training jobs through the service, submit to SUCCEEDED, beside PyTorch's training loop in process (issue 16).
#
#   bench/http/whole_job.sh [--jobs N] [--epochs E] [--settings default,workers1] [--python PATH] [--no-pytorch]
#                           [--no-build] [--jar FILE] [--tag NAME] [--results DIR]
#
# Builds the jar (unless --no-build), then for each setting starts the packaged service on loopback with one data
# directory shared by all settings, so MNIST's 60000 training images are uploaded once (POST /datasets, the first
# setting), and runs bench/http/train_overhead.py: N jobs of E epochs (default 7 x 5; 784-256-128-10, SGD lr 0.1,
# minibatch 128), each timed from the client from POST /train to its end event, each followed by PyTorch's training
# loop in process on the same rows for the same epochs (bench/peers/pytorch/job_loop.py; torch's default threads,
# its best here). Settings: "default" (the configuration as shipped) and "workers1" (chainrule.jobs.workers=1).
# Writes bench/results/YYYY-MM-DD-whole-job[-TAG].md with the command, CPU, load and every round (and .json: the
# rounds as measured; bench/http/whole_job_report.py remakes the Markdown from it).
# PyTorch comes from Debian's python3-torch (bench/peers/pytorch/run.sh installs it); without it, --no-pytorch.
# --jar FILE runs that jar instead of building one (e.g. an earlier revision's, for a before/after).
# Sets no OPENBLAS_*/OMP_* variable (it records them). Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/../.."
command_line="bench/http/whole_job.sh${*:+ $*}"
jobs=7 epochs=5 settings=default,workers1 python="${CHAINRULE_PYTHON:-/usr/bin/python3}" pytorch=1 build=1
tag="" results=bench/results jar=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --jobs) jobs="$2"; shift ;;
    --epochs) epochs="$2"; shift ;;
    --settings) settings="$2"; shift ;;
    --python) python="$2"; shift ;;
    --no-pytorch) pytorch=0 ;;
    --no-build) build=0 ;;
    --jar) jar="$2"; build=0; shift ;;
    --tag) tag="-$2"; shift ;;
    --results) results="$2"; shift ;;
    *) echo "[whole-job] unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
if [[ $pytorch -eq 1 ]] && ! "$python" -c 'import torch' 2>/dev/null; then
  echo "[whole-job] $python cannot import torch: install python3-torch (bench/peers/pytorch/run.sh does)," \
       "or pass --no-pytorch" >&2
  exit 3
fi
if [[ $build -eq 1 ]]; then
  echo "[whole-job] building the jar (./mvnw -q -B package -DskipTests)"
  ./mvnw -q -B package -DskipTests
fi
if [[ -z "$jar" ]]; then
  jar="$(ls target/chainrule-*.jar | grep -v -e '-plain\.jar$' -e '-sources\.jar$' | head -n 1)"
  revision="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  [[ -n "$(git status --porcelain -- src pom.xml 2>/dev/null)" ]] && revision="$revision + uncommitted changes"
else
  revision="the jar $jar"
fi

work="$(mktemp -d -t chainrule-whole-job.XXXXXX)"
service_pid=""
stop_service() {
  if [[ -n "$service_pid" ]] && kill -0 "$service_pid" 2>/dev/null; then
    kill "$service_pid" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$service_pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$service_pid" 2>/dev/null || true
  fi
  service_pid=""
}
trap 'stop_service; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

uptime_start="$(uptime)"
started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
outputs=()
IFS=',' read -r -a setting_list <<<"$settings"
for setting in "${setting_list[@]}"; do
  case "$setting" in
    default) flags=() ;;
    workers1) flags=(--chainrule.jobs.workers=1) ;;
    *) echo "[whole-job] unknown setting $setting (default, workers1)" >&2; exit 2 ;;
  esac
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
  log="$work/service-$setting.log"
  java -jar "$jar" --server.address=127.0.0.1 --server.port="$port" --chainrule.data-dir="$work/data" \
    ${flags[@]+"${flags[@]}"} > "$log" 2>&1 &
  service_pid=$!
  for _ in $(seq 180); do
    kill -0 "$service_pid" 2>/dev/null || { echo "[whole-job] the service exited:" >&2; tail -n 40 "$log" >&2; exit 1; }
    curl -sf --max-time 2 "http://127.0.0.1:$port/actuator/health/readiness" > /dev/null && break
    sleep 1
  done
  echo "[whole-job] $setting: service ready on port $port (${flags[*]:-as shipped})"
  torch_args=()
  [[ $pytorch -eq 1 ]] && torch_args=(--pytorch "$python")
  python3 bench/http/train_overhead.py "http://127.0.0.1:$port" --jobs "$jobs" --epochs "$epochs" \
    --service-log "$log" --dataset-id-file "$work/dataset-id" --json "$work/$setting.json" --label "$setting" \
    ${torch_args[@]+"${torch_args[@]}"} | tee "$work/$setting.out"
  stop_service
  outputs+=("$work/$setting.json")
done
uptime_end="$(uptime)"

mkdir -p "$results"
out="$results/$(date -u +%Y-%m-%d)-whole-job$tag.md"
cpu="$(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(lscpu | sed -n 's/^Flags:.*\(avx512f\).*/AVX-512/p;' | head -1)"
COMMAND="$command_line" REVISION="$revision" STARTED="$started" CPU="$cpu" UPTIME_START="$uptime_start" \
UPTIME_END="$uptime_end" JAVA="$(java -version 2>&1 | head -1)" python3 bench/http/whole_job_report.py "$out" "${outputs[@]}"
python3 -c 'import json, sys; json.dump([json.load(open(p)) for p in sys.argv[2:]], open(sys.argv[1], "w"), indent=1)' \
  "${out%.md}.json" "${outputs[@]}"
echo "[whole-job] wrote $out and ${out%.md}.json"
