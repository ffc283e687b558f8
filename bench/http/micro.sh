#!/usr/bin/env bash
# The steps of one predict request timed one by one (bench/http/PredictPathMicro.java), with the service's own
# classes: builds the jar, unpacks its BOOT-INF into a temporary folder, writes the same request bodies as
# bench/http/run.sh, and writes bench/results/YYYY-MM-DD-http-micro[-$BENCH_TAG].md. No HTTP, no network.
#
#   bench/http/micro.sh [ROUND_MS [ROUNDS]]     defaults 300 ms x 7 rounds per step (under a minute)
set -euo pipefail
cd "$(dirname "$0")/../.."
round_ms="${1:-300}"
rounds="${2:-7}"
echo "[bench-http-micro] building the jar (./mvnw -q -B package -DskipTests)"
./mvnw -q -B package -DskipTests
jar="$(ls target/chainrule-*.jar | grep -v -e '-plain\.jar$' -e '-sources\.jar$' | head -n 1)"
work="$(mktemp -d -t chainrule-bench-http-micro.XXXXXX)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && unzip -q "$OLDPWD/$jar" 'BOOT-INF/*')
python3 - "$work" <<'PY'
import json, os, sys
sys.path.insert(0, "bench/http")
import bench
data = bench.default_data_dir()
test = bench.read_idx(os.path.join(data, "t10k-images-idx3-ubyte.gz"), 128)
for name, rows in (("predict-1.json", test[:1]), ("predict-128.json", test)):
    with open(os.path.join(sys.argv[1], name), "w") as f:
        json.dump({"instances": [bench.pixels(r) for r in rows]}, f, separators=(",", ":"))
PY
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
table="$(java -Xmx2g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dlogging.level.root=warn \
  -cp "$work/BOOT-INF/classes:$work/BOOT-INF/lib/*" bench/http/PredictPathMicro.java "$work" "$round_ms" "$rounds" \
  2> "$work/stderr.log" | grep -E '^(\||Rounds: )')" || { tail -n 30 "$work/stderr.log" >&2; exit 1; }  # ND4J logs to stdout
load_end="$(cut -d' ' -f1-3 /proc/loadavg)"
out="bench/results/$(date +%F)-http-micro${BENCH_TAG:+-$BENCH_TAG}.md"
{
  echo "# Predict path, step by step, $(date +%F) (bench/http/micro.sh)"
  echo
  echo "One predict request's steps outside HTTP, each timed alone on one thread with the service's own classes"
  echo "(\`$jar\`, revision \`$(git rev-parse --short HEAD)\`), the same MNIST-shaped model (784-256-128-10, standardised"
  echo "inputs) and the same request bodies as \`bench/http/run.sh\`; the compute step is PredictionService's, written out in"
  echo "\`bench/http/PredictPathMicro.java\` and checked to give TrainedModel.predict's numbers first (within 1e-5: one row takes"
  echo "the sparse first layer, which sums in another order)."
  echo
  echo "- **Command:** \`bench/http/micro.sh${*:+ $*}\`; started $started"
  echo "- **Load average:** $load_start at the start, $load_end at the end (1, 5, 15 min; 2 shared cores): **preliminary**"
  echo "- **Java:** $(java -version 2>&1 | sed -n 2p); JVM flags \`-Xmx2g\`"
  echo
  echo "$table"
} > "$out"
cat "$out"
echo "[bench-http-micro] wrote $out"
