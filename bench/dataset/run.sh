#!/usr/bin/env bash
# Peak heap of a large dataset upload (bench/README.md, "Dataset upload"): generates a seeded CSV of about
# --megabytes MB, then
#   1. streams it through the upload path in-process (CsvDatasetReader -> DatasetFileWriter, as POST /datasets
#      does) in a JVM with -Xmx${PARSE_XMX}, and reports the peak heap seen before any GC (StreamingParseHeap.java);
#   2. starts the packaged service with -Xmx${SERVICE_XMX} and a GC log, uploads the CSV over HTTP as a raw body,
#      gzip-compressed, and as a multipart form, and reports the largest heap occupancy before any GC during each
#      upload (from the GC log), next to the same figure for the service's start.
# Writes bench/results/YYYY-MM-DD-dataset-upload.md (--results DIR, --tag NAME as in the other benchmarks).
#
#   bench/dataset/run.sh [--megabytes 200] [--parse-xmx 64m] [--service-xmx 256m] [--no-build] [--keep-work]
#
# Traffic goes only to the service this script starts on 127.0.0.1. It never sets OPENBLAS_CORETYPE or
# OMP_NUM_THREADS. Not part of CI (it writes ~0.5 GB under the temporary folder).
set -euo pipefail
cd "$(dirname "$0")/../.."
command_line="bench/dataset/run.sh${*:+ $*}"

megabytes=200
parse_xmx=64m
service_xmx=256m
build=yes
keep_work=""
results=bench/results
tag=""
while [ $# -gt 0 ]; do
  case "$1" in
    --megabytes) megabytes="$2"; shift 2 ;;
    --parse-xmx) parse_xmx="$2"; shift 2 ;;
    --service-xmx) service_xmx="$2"; shift 2 ;;
    --no-build) build=""; shift ;;
    --keep-work) keep_work=yes; shift ;;
    --results) results="$2"; shift 2 ;;
    --tag) tag="-$2"; shift 2 ;;
    *) echo "[bench-dataset] unknown argument $1" >&2; exit 2 ;;
  esac
done
for tool in java javac python3 curl gzip; do
  command -v "$tool" > /dev/null || { echo "[bench-dataset] needs $tool on the PATH" >&2; exit 2; }
done

if [ -n "$build" ]; then
  echo "[bench-dataset] building the jar (./mvnw -q -B package -DskipTests)"
  ./mvnw -q -B package -DskipTests
fi
jar="$(ls target/chainrule-*.jar | grep -v -e '-plain\.jar$' -e '-sources\.jar$' | head -n 1)"
revision="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ -n "$(git status --porcelain -- src pom.xml bench/dataset 2>/dev/null)" ]; then
  revision="$revision + uncommitted changes"
fi

work="$(mktemp -d -t chainrule-bench-dataset.XXXXXX)"
service_pid=""
cleanup() {
  if [ -n "$service_pid" ] && kill -0 "$service_pid" 2>/dev/null; then
    kill "$service_pid" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$service_pid" 2>/dev/null || break; sleep 1; done
    kill -9 "$service_pid" 2>/dev/null || true
  fi
  if [ -n "$keep_work" ]; then echo "[bench-dataset] kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "[bench-dataset] generating a ${megabytes} MB CSV in $work"
python3 bench/dataset/generate_csv.py "$work/data.csv" "$megabytes"
gzip -1 -c "$work/data.csv" > "$work/data.csv.gz"

# 1. in-process: the jar's classes and libraries, extracted; the harness compiled against them
java -Djarmode=tools -jar "$jar" extract --destination "$work/app" > /dev/null
app_jar="$(ls "$work"/app/*.jar | head -n 1)"
classpath="$app_jar:$work/app/lib/*"
mkdir -p "$work/harness"
javac -d "$work/harness" -cp "$classpath" bench/dataset/StreamingParseHeap.java
echo "[bench-dataset] 1. streaming parse in-process with -Xmx$parse_xmx (load $(cut -d' ' -f1-3 /proc/loadavg))"
parse_load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
java "-Xmx$parse_xmx" -cp "$work/harness:$classpath" StreamingParseHeap "$work/data.csv" "$work/parsed.bin" | tee "$work/parse.txt"
parse_load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

# 2. over HTTP: the packaged service with a small heap and a GC log
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
base="http://127.0.0.1:$port"
java "-Xmx$service_xmx" "-Xlog:gc:file=$work/gc.log:uptimemillis" -jar "$jar" --server.address=127.0.0.1 --server.port="$port" \
  --chainrule.data-dir="$work/data" > "$work/service.log" 2>&1 &
service_pid=$!
ready=""
for _ in $(seq 180); do
  if ! kill -0 "$service_pid" 2>/dev/null; then
    echo "[bench-dataset] the service exited before it was ready:" >&2; tail -n 40 "$work/service.log" >&2; exit 1
  fi
  if curl -sf --max-time 2 "$base/actuator/health/readiness" > /dev/null; then ready=yes; break; fi
  sleep 1
done
[ -n "$ready" ] || { echo "[bench-dataset] not ready within 180 s" >&2; tail -n 40 "$work/service.log" >&2; exit 1; }

uptime_ms() {
  curl -sf "$base/actuator/metrics/process.uptime" | python3 -c 'import json, sys; print(int(json.load(sys.stdin)["measurements"][0]["value"] * 1000))'
}
: > "$work/uploads.tsv"
upload() { # label, then curl arguments for the body
  local label="$1"; shift
  local load_before start end
  load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
  start="$(uptime_ms)"
  curl -sS --max-time 1800 -o "$work/response.json" -w '%{http_code} %{time_total} %{size_upload}' "$@" > "$work/curl.txt"
  end="$(uptime_ms)"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$start" "$end" "$(cat "$work/curl.txt")" "$load_before" "$(cut -d' ' -f1-3 /proc/loadavg)" >> "$work/uploads.tsv"
  cp "$work/response.json" "$work/response-$label.json"
  echo "[bench-dataset] 2. $label: $(cat "$work/curl.txt")"
}
ready_ms="$(uptime_ms)"
upload raw -X POST "$base/datasets?name=raw" -H 'Content-Type: text/csv' --data-binary "@$work/data.csv"
upload gzip -X POST "$base/datasets?name=gzip" -H 'Content-Type: application/octet-stream' --data-binary "@$work/data.csv.gz"
upload multipart -X POST "$base/datasets" -F "file=@$work/data.csv;type=text/csv" -F name=multipart
sleep 1

python3 bench/dataset/report.py --work "$work" --ready-ms "$ready_ms" --command "$command_line" --revision "$revision" \
  --jar "$jar" --parse-xmx "$parse_xmx" --service-xmx "$service_xmx" --parse-load "$parse_load_before -> $parse_load_after" \
  --out "$results/$(date -u +%F)-dataset-upload$tag.md"
