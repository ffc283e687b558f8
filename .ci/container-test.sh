#!/usr/bin/env bash
# The container image, tested for real: build it from the Dockerfile with podman, run it with a named volume on
# /data, published on 127.0.0.1 only, and do a curl round trip through it (health UP, define a model, train it
# on iris, predict); then remove the container, start a new one from the same image on the same volume, and
# check that the model, its version and its job are still there and that it predicts exactly the same.
#
#   .ci/container-test.sh        (as root; installs podman on first use, via ../shared/container/stand-in-images.sh)
#
# No container registry is reachable from CI machines: stand-in-images.sh builds a local stand-in for the
# Dockerfile's base images and tags it with their names, so `podman build --pull=never` finds them.
# Settings (environment): READY_TIMEOUT (s, default 180), TRAIN_TIMEOUT (s, default 300).
# On failure the last line names the step that failed, after the container's log. Containers and the volume
# are removed on exit; the image chainrule:ci stays (the next build reuses its layers).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
READY_TIMEOUT="${READY_TIMEOUT:-180}"
TRAIN_TIMEOUT="${TRAIN_TIMEOUT:-300}"
IMAGE=chainrule:ci
RUN_ID="$$-$(date +%s)"
VOLUME="chainrule-ci-data-$RUN_ID"
CONTAINER=""
CONTAINERS=()
STEP="start"
WORK="$(mktemp -d)"

# The only thing taken from outside the repository: the CI machine's stand-in for the base images, in
# ../shared/container beside the repository (a worktree nested deeper finds it further up).
STAND_IN=""
for candidate in ../shared ../../shared ../../../shared; do
  if [ -f "$candidate/container/stand-in-images.sh" ]; then
    STAND_IN="$(cd "$candidate/container" && pwd)/stand-in-images.sh"; break
  fi
done
[ -n "$STAND_IN" ] || { echo "container-test: ../shared/container/stand-in-images.sh not found beside $ROOT" >&2; exit 1; }
IRIS="$ROOT/datasets/iris/iris.csv"
test -f "$IRIS" || { echo "container-test: $IRIS is missing" >&2; exit 1; }

step() {
  STEP="$1"
  echo "== $STEP"
}

seconds_since() {
  python3 -c 'import sys, time; print(f"{time.time() - float(sys.argv[1]):.1f}")' "$1"
}

fail() {
  echo "container-test: $*" >&2
  exit 1
}

cleanup() {
  local status=$?
  if [ "$status" -ne 0 ]; then
    if [ -n "$CONTAINER" ] && podman container exists "$CONTAINER" 2>/dev/null; then
      echo "-- the log of container $CONTAINER (last 80 lines):" >&2
      podman logs --tail 80 "$CONTAINER" >&2 2>&1 || true
    fi
    echo "container-test: FAILED at step: $STEP" >&2
  fi
  for c in ${CONTAINERS[@]+"${CONTAINERS[@]}"}; do
    podman rm -f -t 10 "$c" >/dev/null 2>&1 || true
  done
  podman volume rm -f "$VOLUME" >/dev/null 2>&1 || true
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT

# call METHOD PATH EXPECTED_STATUS [JSON_BODY_FILE]: the response body lands in $WORK/response.json
call() {
  local method="$1" path="$2" expected="$3" body="${4:-}" status
  local args=(-sS -o "$WORK/response.json" -w '%{http_code}' --max-time 60 -X "$method"
              -H "Authorization: Bearer $KEY")
  if [ -n "$body" ]; then
    args+=(-H 'Content-Type: application/json' --data-binary "@$body")
  fi
  status="$(curl "${args[@]}" "$BASE$path")" || fail "$method $path: no answer from $BASE"
  if [ "$status" != "$expected" ]; then
    echo "container-test: $method $path answered $status, expected $expected:" >&2
    cat "$WORK/response.json" >&2
    echo >&2
    exit 1
  fi
}

# field NAME: one top-level field of the last response
field() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$WORK/response.json" "$1"
}

# status_of: the "status" of the JSON on stdin (empty when it is not JSON, e.g. while the server starts)
status_of() {
  python3 -c 'import json, sys
try: print(json.load(sys.stdin)["status"])
except Exception: pass'
}

# start_container NAME: runs the image on the volume, published on 127.0.0.1:$PORT, with an admin key
start_container() {
  CONTAINER="$1"
  CONTAINERS+=("$CONTAINER")
  podman run -d --name "$CONTAINER" -p "127.0.0.1:$PORT:8080" -v "$VOLUME:/data" \
    -e CHAINRULE_SECURITY_API_KEYS_0_KEY="$KEY" -e CHAINRULE_SECURITY_API_KEYS_0_ROLE=ADMIN \
    "$IMAGE" > /dev/null
}

# wait_ready: until /actuator/health/readiness is UP; fails if the container exits or READY_TIMEOUT passes
wait_ready() {
  local started="$1" deadline=$((SECONDS + READY_TIMEOUT))
  while [ "$SECONDS" -lt "$deadline" ]; do
    [ "$(podman inspect -f '{{.State.Running}}' "$CONTAINER")" = true ] \
      || fail "container $CONTAINER exited before it was ready (exit code $(podman inspect -f '{{.State.ExitCode}}' "$CONTAINER"))"
    if [ "$(curl -s --max-time 2 "$BASE/actuator/health/readiness" 2>/dev/null | status_of)" = UP ]; then
      echo "ready after $(seconds_since "$started") s (from podman run)"
      return 0
    fi
    sleep 0.5
  done
  fail "container $CONTAINER was not ready within $READY_TIMEOUT s"
}

step "environment"
echo "cores: $(nproc); load: $(cut -d' ' -f1-3 /proc/loadavg); OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE-<unset>}"

step "stand-in base images (../shared/container/stand-in-images.sh)"
conf_line="$("$STAND_IN" Dockerfile | tail -n 1)"
case "$conf_line" in
  "export CONTAINERS_CONF="*) export CONTAINERS_CONF="${conf_line#export CONTAINERS_CONF=}" ;;
  *) fail "stand-in-images.sh printed no CONTAINERS_CONF line (got: $conf_line)" ;;
esac
podman --version

step "build the image (podman build --pull=never -t $IMAGE .)"
build_started="$(date +%s.%N)"
podman build --pull=never -t "$IMAGE" . > "$WORK/build.log" 2>&1 || {
  tail -n 60 "$WORK/build.log" >&2
  fail "podman build failed (the end of its log is above)"
}
echo "built in $(seconds_since "$build_started") s; image size: $(podman image inspect -f '{{.Size}}' "$IMAGE" \
  | python3 -c 'import sys; print(f"{int(sys.stdin.read()) / 1e6:.0f} MB")')"
user="$(podman image inspect -f "{{.Config.User}}" "$IMAGE")"
case "$user" in ""|root|root:*|0|0:*) fail "the image runs as root (USER is \"$user\")" ;; esac

step "run it: volume $VOLUME on /data, 127.0.0.1 only"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
BASE="http://127.0.0.1:$PORT"
KEY="$(python3 -c 'import secrets; print(secrets.token_hex(24))')"
podman volume create "$VOLUME" > /dev/null
run_started="$(date +%s.%N)"
start_container "chainrule-ci-$RUN_ID-a"
echo "container $CONTAINER at $BASE"

step "wait for readiness (at most $READY_TIMEOUT s)"
wait_ready "$run_started"

step "round trip: health UP"
health="$(curl -sS --max-time 10 "$BASE/actuator/health")"
[ "$(status_of <<< "$health")" = UP ] || fail "GET /actuator/health answered $health"
echo "$health"
status="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$BASE/models")"
[ "$status" = 401 ] || fail "GET /models without a key answered $status, expected 401 (the key came from -e)"

step "round trip: define a model"
cat > "$WORK/model.json" <<'EOF'
{"name": "iris", "inputWidth": 4,
 "layers": [{"units": 16, "activation": "relu"}, {"units": 3, "activation": "softmax"}],
 "loss": "cross_entropy", "seed": 42}
EOF
call POST /models 201 "$WORK/model.json"
MODEL="$(field id)"
echo "model $MODEL"

step "round trip: train on iris (150 rows inline)"
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
train_started="$(date +%s.%N)"
deadline=$((SECONDS + TRAIN_TIMEOUT))
while :; do
  call GET "/jobs/$JOB" 200
  job_status="$(field status)"
  case "$job_status" in
    SUCCEEDED) break ;;
    FAILED|CANCELLED) cat "$WORK/response.json" >&2; echo >&2; fail "job $JOB ended $job_status" ;;
  esac
  [ "$SECONDS" -lt "$deadline" ] || fail "job $JOB still $job_status after $TRAIN_TIMEOUT s"
  sleep 0.5
done
VERSION="$(field version)"
echo "job $JOB SUCCEEDED in $(seconds_since "$train_started") s: version $VERSION, final metrics $(field finalMetrics)"

step "round trip: predict the 150 rows"
python3 - "$IRIS" > "$WORK/all.json" <<'EOF'
import csv, json, sys
with open(sys.argv[1]) as f:
    rows = list(csv.reader(f))[1:]
print(json.dumps({"instances": [[float(v) for v in r[:4]] for r in rows]}))
EOF
call POST "/models/$MODEL/predict" 200 "$WORK/all.json"
cp "$WORK/response.json" "$WORK/predicted-before.json"
python3 - "$IRIS" "$WORK/predicted-before.json" "$VERSION" <<'EOF'
import csv, json, sys
with open(sys.argv[1]) as f:
    labels = [int(r[4]) for r in list(csv.reader(f))[1:]]
response = json.load(open(sys.argv[2]))
assert response["version"] == int(sys.argv[3]), f"predicted with version {response['version']}, expected {sys.argv[3]}"
predicted = [p["classIndex"] for p in response["predictions"]]
assert len(predicted) == len(labels), f"{len(predicted)} predictions for {len(labels)} rows"
correct = sum(p == y for p, y in zip(predicted, labels))
print(f"accuracy {correct / len(labels):.4f} ({correct} of {len(labels)} rows)")
assert correct / len(labels) >= 0.9, "accuracy below 0.9"
EOF
echo "the data volume holds:"
podman exec "$CONTAINER" sh -c 'cd /data && find . -maxdepth 2 | sort | head -n 30'

step "restart: stop and remove the container, run a new one on the same volume"
stop_started="$(date +%s.%N)"
podman stop -t 60 "$CONTAINER" > /dev/null
echo "stopped in $(seconds_since "$stop_started") s (exit code $(podman inspect -f '{{.State.ExitCode}}' "$CONTAINER"))"
podman rm "$CONTAINER" > /dev/null
run_started="$(date +%s.%N)"
start_container "chainrule-ci-$RUN_ID-b"
wait_ready "$run_started"

step "restart: the model and its version are still there (GET /models/$MODEL)"
call GET "/models/$MODEL" 200
python3 - "$WORK/response.json" "$VERSION" <<'EOF'
import json, sys
model = json.load(open(sys.argv[1]))
versions = [v["version"] for v in model.get("versions", [])]
assert int(sys.argv[2]) in versions, f"version {sys.argv[2]} missing after the restart: versions {versions}"
print(f"model {model['id']} ({model['name']}): versions {versions}, {model['trainingState']}")
EOF

step "restart: predict answers exactly as before"
call POST "/models/$MODEL/predict" 200 "$WORK/all.json"
python3 - "$WORK/predicted-before.json" "$WORK/response.json" <<'EOF'
import json, sys
before, after = (json.load(open(p)) for p in sys.argv[1:3])
assert after["version"] == before["version"], f"version {after['version']} after, {before['version']} before"
diff = [i for i, (b, a) in enumerate(zip(before["predictions"], after["predictions"])) if b != a]
assert len(after["predictions"]) == len(before["predictions"]) and not diff, \
    f"{len(diff)} of {len(before['predictions'])} predictions differ after the restart (first: row {diff[:1]})"
print(f"all {len(after['predictions'])} predictions identical")
EOF

step "restart: the job is still there and SUCCEEDED (GET /jobs/$JOB)"
call GET "/jobs/$JOB" 200
[ "$(field status)" = SUCCEEDED ] || fail "job $JOB is $(field status) after the restart"

STEP="done"
echo "container-test: OK"
