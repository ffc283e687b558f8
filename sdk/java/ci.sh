#!/usr/bin/env bash
# Builds the Java client (sdk/java) and runs its tests against the real service: they start the packaged jar
# (target/chainrule-*.jar at the repository's root) on a free loopback port with a temporary data directory, and
# stop it at the end. Called by .ci/run; also fine by hand from anywhere.
#
#   sdk/java/ci.sh                         packages the service first when target/ has no jar
#   CHAINRULE_JAR=/path/to/chainrule.jar sdk/java/ci.sh   tests against that jar instead
#   sdk/java/ci.sh BASE_URL                then also runs examples/mnist-sdk/run.sh against the service at
#                                          BASE_URL (with CHAINRULE_API_KEY, an ADMIN key, if it has keys)
#
# Exits non-zero when the build or a test fails. OPENBLAS_* are passed on to the service as the environment has them.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"

JAR="${CHAINRULE_JAR:-}"
if [ -z "$JAR" ]; then
  JAR="$(ls target/chainrule-*.jar 2>/dev/null | grep -v -- '-plain\.jar$' | head -n 1 || true)"
  if [ -z "$JAR" ]; then
    echo "== packaging the service (no target/chainrule-*.jar yet)"
    ./mvnw -B -q package -DskipTests
    JAR="$(ls target/chainrule-*.jar | grep -v -- '-plain\.jar$' | head -n 1)"
  fi
fi
JAR="$(cd "$(dirname "$JAR")" && pwd)/$(basename "$JAR")"

echo "== Java client: build and test against $JAR"
./mvnw -B -f sdk/java/pom.xml verify -Dchainrule.jar="$JAR"

if [ -n "${1:-}" ]; then
  echo "== MNIST through the Java client against $1 (examples/mnist-sdk/run.sh)"
  bash examples/mnist-sdk/run.sh "$1"
fi
