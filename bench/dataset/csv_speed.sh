#!/usr/bin/env bash
# CSV upload against pandas.read_csv, side by side on the same file (bench/README.md, "CSV upload speed"):
#   1. the service's upload: the packaged service on 127.0.0.1, POST /datasets with the CSV as a raw body (curl),
#      from request to 201 (the parse, the float32 file, the blob store and the row included);
#   2. the parse alone in process: CsvDatasetReader -> DatasetFileWriter, as the upload runs them (ParseSpeed.java);
#   3. pandas.read_csv on the same file: its default (C engine, int64/float64 columns) and dtype=float32;
# each --rounds times (medians), rounds interleaved so that a change of load hits all alike. Prints the CPU
# (lscpu) and the load (uptime) before and after, and writes bench/results/YYYY-MM-DD-csv-upload.md.
#
#   bench/dataset/csv_speed.sh [--rounds 5] [--file mnist|floats] [--no-build] [--jar PATH] [--tag NAME]
#
# --jar runs another build of the service (e.g. an earlier revision's, for a before/after), implying --no-build.
#
# mnist: MNIST's 60,000 training images as a CSV (bench/dataset/mnist_csv.py, 110 MB of integers 0-255);
# floats: generate_csv.py's seeded float CSV (133 MB, 32 float features of 6 significant digits).
# pandas comes from Debian's python3-pandas (/usr/bin/python3). Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/../.."
command_line="bench/dataset/csv_speed.sh${*:+ $*}"
rounds=5
file=mnist
build=yes
tag=""
jar=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --file) file="$2"; shift 2 ;;
    --no-build) build=""; shift ;;
    --jar) jar="$2"; build=""; shift 2 ;;
    --tag) tag="-$2"; shift 2 ;;
    *) echo "[bench-csv] unknown argument $1" >&2; exit 2 ;;
  esac
done
pandas_python=/usr/bin/python3
"$pandas_python" -c 'import pandas' 2>/dev/null || { echo "[bench-csv] needs pandas: apt-get install -y python3-pandas" >&2; exit 2; }

if [ -n "$build" ]; then
  echo "[bench-csv] building the jar (./mvnw -q -B package -DskipTests)"
  ./mvnw -q -B package -DskipTests
fi
if [ -z "$jar" ]; then
  jar="$(ls target/chainrule-*.jar | grep -v -e '-plain\.jar$' -e '-sources\.jar$' | head -n 1)"
  revision="$(git rev-parse --short HEAD)"
  if [ -n "$(git status --porcelain -- src pom.xml bench/dataset)" ]; then revision="$revision + uncommitted changes"; fi
else
  revision="jar $jar"
fi
work="$(mktemp -d -t chainrule-bench-csv.XXXXXX)"
service_pid=""
cleanup() {
  if [ -n "$service_pid" ] && kill -0 "$service_pid" 2>/dev/null; then
    kill "$service_pid" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$service_pid" 2>/dev/null || break; sleep 1; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

case "$file" in
  mnist) python3 bench/dataset/mnist_csv.py "$work/data.csv" ;;
  floats) python3 bench/dataset/generate_csv.py "$work/data.csv" 133 ;;
  *) echo "[bench-csv] --file mnist or floats" >&2; exit 2 ;;
esac
java -Djarmode=tools -jar "$jar" extract --destination "$work/app" > /dev/null
classpath="$(ls "$work"/app/*.jar | head -n 1):$work/app/lib/*"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
base="http://127.0.0.1:$port"
java -jar "$jar" --server.address=127.0.0.1 --server.port="$port" --chainrule.data-dir="$work/data" > "$work/service.log" 2>&1 &
service_pid=$!
for _ in $(seq 180); do
  curl -sf --max-time 2 "$base/actuator/health/readiness" > /dev/null && break
  kill -0 "$service_pid" 2>/dev/null || { tail -n 40 "$work/service.log" >&2; exit 1; }
  sleep 1
done

{
  echo "started=$(date -u +%FT%TZ)"
  echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1), $(nproc) cores"
  echo "uptime_before=$(uptime)"
} > "$work/meta.txt"
cat "$work/meta.txt"
: > "$work/http.txt"; : > "$work/parse.txt"; : > "$work/pandas.txt"
for r in $(seq "$rounds"); do
  # 1. HTTP upload (the dataset is deleted again so the data directory stays small)
  out="$(curl -sS --max-time 600 -o "$work/response.json" -w '%{http_code} %{time_total}' -X POST "$base/datasets?name=bench" \
    -H 'Content-Type: text/csv' --data-binary "@$work/data.csv")"
  [ "${out%% *}" = 201 ] || { echo "[bench-csv] upload answered $out: $(cat "$work/response.json")" >&2; exit 1; }
  id="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/response.json")"
  curl -sf -X DELETE "$base/datasets/$id" > /dev/null
  echo "${out#* } $(cut -d' ' -f1 /proc/loadavg)" >> "$work/http.txt"
  # 2. the parse alone, one fresh JVM per round after two warm-up parses (the service's JIT is warm too)
  java -cp "$classpath" bench/dataset/ParseSpeed.java "$work/data.csv" "$work/parsed.bin" 3 \
    | sed -n 's/^round 3: \([0-9.]*\) s wall, \([0-9.]*\) s cpu/\1 \2/p' >> "$work/parse.txt"
  # 3. pandas
  "$pandas_python" - "$work/data.csv" >> "$work/pandas.txt" <<'PY'
import sys, time
import numpy as np
import pandas as pd
for label, kwargs in (("default", {}), ("float32", {"dtype": np.float32})):
    wall, cpu = time.perf_counter(), time.process_time()
    frame = pd.read_csv(sys.argv[1], **kwargs)
    print(label, f"{time.perf_counter() - wall:.3f}", f"{time.process_time() - cpu:.3f}", frame.shape[0])
PY
  echo "[bench-csv] round $r: http $(tail -n 1 "$work/http.txt"), parse $(tail -n 1 "$work/parse.txt"), pandas $(tail -n 2 "$work/pandas.txt" | tr '\n' ' ')"
done
echo "uptime_after=$(uptime)" >> "$work/meta.txt"
tail -n 1 "$work/meta.txt"

python3 - "$work" "$command_line" "$revision" "$file" "bench/results/$(date -u +%F)-csv-upload$tag.md" <<'PY'
import os, statistics, sys
work, command, revision, kind, out = sys.argv[1:]
meta = dict(l.rstrip("\n").split("=", 1) for l in open(os.path.join(work, "meta.txt")))
http = [l.split() for l in open(os.path.join(work, "http.txt"))]
parse = [l.split() for l in open(os.path.join(work, "parse.txt"))]
pandas = [l.split() for l in open(os.path.join(work, "pandas.txt"))]
size = os.path.getsize(os.path.join(work, "data.csv"))
med = lambda xs: statistics.median(float(x) for x in xs)
h = med(r[0] for r in http)
pw, pc = med(r[0] for r in parse), med(r[1] for r in parse)
dw = med(r[1] for r in pandas if r[0] == "default"); dc = med(r[2] for r in pandas if r[0] == "default")
fw = med(r[1] for r in pandas if r[0] == "float32"); fc = med(r[2] for r in pandas if r[0] == "float32")
best = min(dw, fw)
lines = [
    f"# CSV upload against pandas.read_csv, {meta['started'][:10]}", "",
    f"- **Command:** `{command}` (revision `{revision}`), {len(http)} rounds, medians; rounds interleaved",
    f"- **File:** {kind}, {size / 1e6:.1f} MB ({size:,} bytes)",
    f"- **CPU:** {meta['cpu']}",
    f"- **Load:** before `{meta['uptime_before'].strip()}`; after `{meta['uptime_after'].strip()}` (a shared machine: wall times are "
    "preliminary, CPU times are disturbed less)", "",
    "| | wall s (median) | MB/s | CPU s (median) | vs pandas' best wall |",
    "|---|---:|---:|---:|---:|",
    f"| service: POST /datasets over HTTP (curl, raw body, to 201) | {h:.2f} | {size / 1e6 / h:.0f} | - | {best / h:.2f}x |",
    f"| service's parse alone, in process (CsvDatasetReader -> DatasetFileWriter) | {pw:.2f} | {size / 1e6 / pw:.0f} | {pc:.2f} | {best / pw:.2f}x |",
    f"| pandas.read_csv (default: C engine, 64-bit columns) | {dw:.2f} | {size / 1e6 / dw:.0f} | {dc:.2f} | {best / dw:.2f}x |",
    f"| pandas.read_csv(dtype=float32) | {fw:.2f} | {size / 1e6 / fw:.0f} | {fc:.2f} | {best / fw:.2f}x |",
    "", "Per round (wall s): HTTP " + ", ".join(r[0] for r in http) + "; parse " + ", ".join(r[0] for r in parse)
    + "; pandas default " + ", ".join(r[1] for r in pandas if r[0] == "default")
    + "; pandas float32 " + ", ".join(r[1] for r in pandas if r[0] == "float32") + ".",
    "", "Load average (1 min) at each HTTP round: " + ", ".join(r[1] for r in http) + ".", ""]
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as f:
    f.write("\n".join(lines))
print("\n".join(lines))
print(f"[bench-csv] wrote {out}")
PY
