#!/usr/bin/env bash
# The cost of leases and per-epoch event rows on one job's training throughput: the same MNIST job
# (bench/http/train_overhead.py: 784-256-128-10, minibatch 128, SGD) through POST /train on two builds of the
# service, alternated round by round on the same machine, each on a fresh data directory with one worker.
#
#   bench/cluster/lease_cost.sh BEFORE_JAR AFTER_JAR [ROUNDS]
#
# BEFORE_JAR is a build without leases (e.g. `git worktree add /tmp/before 36e3b19 && (cd /tmp/before &&
# ./mvnw -q package -DskipTests)`), AFTER_JAR this one. With CHAINRULE_TEST_POSTGRES_URL/USER/PASSWORD set (as
# .ci/postgres.sh prints them) both run on PostgreSQL in a fresh schema each, else on the embedded H2.
# Prints each round's median samples/s per epoch and the median ratio AFTER/BEFORE.
set -euo pipefail
cd "$(dirname "$0")/../.."
BEFORE="$1"; AFTER="$2"; ROUNDS="${3:-3}"
EPOCHS="${EPOCHS:-4}"
export EPOCHS
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); cores: $(nproc)"
echo "before: $BEFORE"; echo "after:  $AFTER"; echo "epochs per job: $EPOCHS; rounds: $ROUNDS"

run_one() { # jar label -> prints median samples/s of the job's epochs after the first
  local jar="$1" port data log pid db=()
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
  data="$(mktemp -d)"; log="$data.log"
  if [ -n "${CHAINRULE_TEST_POSTGRES_URL:-}" ]; then
    local schema="bench_$(date +%s%N)"
    db=("--spring.datasource.url=${CHAINRULE_TEST_POSTGRES_URL}?currentSchema=$schema"
        "--spring.datasource.username=${CHAINRULE_TEST_POSTGRES_USER}" "--spring.datasource.password=${CHAINRULE_TEST_POSTGRES_PASSWORD}"
        "--spring.flyway.default-schema=$schema" "--spring.flyway.create-schemas=true")
  fi
  java -jar "$jar" --server.address=127.0.0.1 --server.port="$port" --chainrule.data-dir="$data" \
    --chainrule.jobs.workers=1 "${db[@]}" > "$log" 2>&1 &
  pid=$!
  for _ in $(seq 120); do curl -sf "http://127.0.0.1:$port/actuator/health/readiness" > /dev/null && break; sleep 1; done
  python3 bench/http/train_overhead.py "http://127.0.0.1:$port" > "$data.out" 2>&1 || { cat "$data.out" >&2; kill "$pid"; exit 1; }
  kill "$pid"; wait "$pid" 2>/dev/null || true
  python3 - "$data.out" <<'PY'
import re, statistics, sys
rates = [float(m.replace(",", "")) for m in re.findall(r"epoch \d+: [0-9.]+ s = ([0-9,]+) samples/s", open(sys.argv[1]).read())]
print(f"{statistics.median(rates[1:] if len(rates) > 1 else rates):.0f}")
PY
  rm -rf "$data" "$data.log" "$data.out"
}

ratios=()
for round in $(seq "$ROUNDS"); do
  b="$(run_one "$BEFORE")"; a="$(run_one "$AFTER")"
  ratio="$(python3 -c "print(f'{$a / $b:.3f}')")"
  ratios+=("$ratio")
  echo "round $round: before $b samples/s, after $a samples/s, after/before $ratio"
done
python3 -c "import statistics,sys; print(f'median after/before: {statistics.median(map(float, sys.argv[1:])):.3f}')" "${ratios[@]}"
