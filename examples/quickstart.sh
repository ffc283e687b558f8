#!/usr/bin/env bash
# From nothing to a prediction on iris, over the HTTP API (README.md, "Using the API"):
# define a model, train it on the 150 rows of datasets/iris/iris.csv sent inline, follow the job's
# progress as Server-Sent Events, predict, ask for input gradients, and measure the accuracy on all 150 rows.
#
#   examples/quickstart.sh [BASE_URL]          BASE_URL defaults to http://localhost:8080
#   CHAINRULE_API_KEY=... examples/quickstart.sh   when the service has API keys (an ADMIN key: it trains)
#   IRIS_CSV=/elsewhere/iris.csv examples/quickstart.sh   another copy of the iris CSV (same columns)
#
# Needs bash, curl and python3. Exits non-zero on any unexpected HTTP status, on a job that does not succeed,
# or when the accuracy on the 150 rows is below 0.9.
set -euo pipefail

BASE="${1:-http://localhost:8080}"
BASE="${BASE%/}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
IRIS="${IRIS_CSV:-$ROOT/datasets/iris/iris.csv}"
MIN_ACCURACY=0.9

test -f "$IRIS" || { echo "quickstart: $IRIS is missing (the repository carries it in datasets/iris/)" >&2; exit 1; }
command -v curl >/dev/null || { echo "quickstart: needs curl" >&2; exit 1; }
command -v python3 >/dev/null || { echo "quickstart: needs python3" >&2; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

AUTH=()
if [ -n "${CHAINRULE_API_KEY:-}" ]; then
  AUTH=(-H "Authorization: Bearer $CHAINRULE_API_KEY")
fi

# call METHOD PATH EXPECTED_STATUS [JSON_BODY_FILE]: the response body lands in $WORK/response.json
call() {
  local method="$1" path="$2" expected="$3" body="${4:-}" status
  local args=(-sS -o "$WORK/response.json" -w '%{http_code}' --max-time 60 -X "$method" ${AUTH[@]+"${AUTH[@]}"})
  if [ -n "$body" ]; then
    args+=(-H 'Content-Type: application/json' --data-binary "@$body")
  fi
  status="$(curl "${args[@]}" "$BASE$path")" || { echo "quickstart: $method $path failed: is the service at $BASE?" >&2; exit 1; }
  if [ "$status" != "$expected" ]; then
    echo "quickstart: $method $path answered $status, expected $expected:" >&2
    cat "$WORK/response.json" >&2
    echo >&2
    exit 1
  fi
}

# field NAME: one top-level field of the last response
field() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$WORK/response.json" "$1"
}

echo "== 1. define a model: 4 inputs, 16 ReLU units, 3-way softmax, cross-entropy"
cat > "$WORK/model.json" <<'EOF'
{"name": "iris", "inputWidth": 4,
 "layers": [{"units": 16, "activation": "relu"}, {"units": 3, "activation": "softmax"}],
 "loss": "cross_entropy", "seed": 42}
EOF
call POST /models 201 "$WORK/model.json"
MODEL="$(field id)"
echo "model $MODEL ($(field parameterCount) parameters)"

echo "== 2. train it on the 150 iris rows, sent inline, 20% held out for validation"
python3 - "$IRIS" "$MODEL" > "$WORK/train.json" <<'EOF'
import csv, json, sys
with open(sys.argv[1]) as f:
    rows = list(csv.reader(f))[1:]
print(json.dumps({
    "modelId": sys.argv[2],
    "data": {"features": [[float(v) for v in r[:4]] for r in rows], "targets": [int(r[4]) for r in rows]},
    "validationSplit": 0.2, "epochs": 30, "batchSize": 16,
    "optimizer": {"type": "adam", "learningRate": 0.01}}))
EOF
call POST /train 202 "$WORK/train.json"
JOB="$(field id)"
echo "job $JOB: $(field status)"

echo "== 3. follow it: curl -N $BASE/jobs/$JOB/events"
# Server-Sent Events: one "epoch" event per finished epoch, then "end" with the whole job; the stream then closes
cat > "$WORK/follow.py" <<'EOF'
import json, sys
event = None
for line in sys.stdin:
    line = line.rstrip("\n")
    if line.startswith("event:"):
        event = line[len("event:"):].strip()
    elif line.startswith("data:") and event == "epoch":
        e = json.loads(line[len("data:"):])
        print(f"  epoch {e['epoch']:3d}  loss {e['trainingLoss']:.4f}  validation loss {e['validationLoss']:.4f}"
              f"  validation accuracy {e['validationMetrics']['accuracy']:.3f}", flush=True)
    elif line.startswith("data:") and event == "end":
        job = json.loads(line[len("data:"):])
        print(f"  end: {job['status']}, version {job.get('version')}, final metrics {job['finalMetrics']}", flush=True)
EOF
curl -sS -N --fail --max-time 600 ${AUTH[@]+"${AUTH[@]}"} "$BASE/jobs/$JOB/events" | python3 "$WORK/follow.py" \
  || { echo "quickstart: following job $JOB failed" >&2; exit 1; }
call GET "/jobs/$JOB" 200
STATUS="$(field status)"
if [ "$STATUS" != "SUCCEEDED" ]; then
  echo "quickstart: job $JOB ended $STATUS: $(field failureReason 2>/dev/null || true)" >&2
  exit 1
fi

echo "== 4. predict two flowers (a setosa and a virginica from the data set)"
cat > "$WORK/predict.json" <<'EOF'
{"instances": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]}
EOF
call POST "/models/$MODEL/predict" 200 "$WORK/predict.json"
python3 - "$WORK/response.json" <<'EOF'
import json, sys
names = ["setosa", "versicolor", "virginica"]
response = json.load(open(sys.argv[1]))
for p in response["predictions"]:
    print(f"  class {p['classIndex']} ({names[p['classIndex']]}), probabilities "
          + ", ".join(f"{q:.4f}" for q in p["probabilities"]))
EOF

echo "== 5. input gradients: which measurements move each flower's loss, and which way"
cat > "$WORK/gradients.json" <<'EOF'
{"instances": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]], "targets": [0, 2]}
EOF
call POST "/models/$MODEL/input-gradients" 200 "$WORK/gradients.json"
python3 - "$WORK/response.json" <<'EOF'
import json, sys
for g in json.load(open(sys.argv[1]))["gradients"]:
    print("  dJ/dx = [" + ", ".join(f"{v:+.3e}" for v in g) + "]")
EOF

echo "== 6. accuracy on all 150 rows"
python3 - "$IRIS" > "$WORK/all.json" <<'EOF'
import csv, json, sys
with open(sys.argv[1]) as f:
    rows = list(csv.reader(f))[1:]
print(json.dumps({"instances": [[float(v) for v in r[:4]] for r in rows]}))
EOF
call POST "/models/$MODEL/predict" 200 "$WORK/all.json"
python3 - "$IRIS" "$WORK/response.json" "$MIN_ACCURACY" <<'EOF'
import csv, json, sys
with open(sys.argv[1]) as f:
    labels = [int(r[4]) for r in list(csv.reader(f))[1:]]
predicted = [p["classIndex"] for p in json.load(open(sys.argv[2]))["predictions"]]
assert len(predicted) == len(labels), f"{len(predicted)} predictions for {len(labels)} rows"
correct = sum(p == y for p, y in zip(predicted, labels))
accuracy = correct / len(labels)
print(f"  accuracy: {accuracy:.4f} ({correct} of {len(labels)} rows)")
if accuracy < float(sys.argv[3]):
    print(f"quickstart: accuracy {accuracy:.4f} is below {sys.argv[3]}", file=sys.stderr)
    sys.exit(1)
EOF
echo "quickstart: OK (model $MODEL)"
