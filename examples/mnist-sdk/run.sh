#!/usr/bin/env bash
# MNIST through the Java client (docs/clients.md, "Java client"): builds the client (sdk/java) with the repository's
# Maven wrapper, then runs MnistWalkthrough.java with it: the IDX files of datasets/mnist become a gzip CSV
# streamed to POST /datasets, a 784-128-10 network trains on it for 2 epochs while each epoch is printed, and the
# 10,000 test images are predicted to print the accuracy.
#
#   examples/mnist-sdk/run.sh [BASE_URL]              BASE_URL defaults to http://localhost:8080
#   CHAINRULE_API_KEY=... examples/mnist-sdk/run.sh   when the service has API keys (an ADMIN key: it trains)
#   MNIST_DIR=/elsewhere/mnist examples/mnist-sdk/run.sh   another folder with MNIST's four IDX .gz files
#
# Needs a JDK 17. Exits non-zero when the build fails, the job does not succeed or the accuracy is below 0.9.
set -euo pipefail

BASE="${1:-http://localhost:8080}"
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

MNIST_DIR="${MNIST_DIR:-$ROOT/datasets/mnist}"
for name in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  test -f "$MNIST_DIR/$name.gz" || { echo "mnist-sdk: $MNIST_DIR/$name.gz is missing; give MNIST_DIR" >&2; exit 1; }
done

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "== building the Java client (sdk/java)"
"$ROOT/mvnw" -B -q -f "$ROOT/sdk/java/pom.xml" package -DskipTests \
  dependency:build-classpath -Dmdep.outputFile="$WORK/classpath" -Dmdep.includeScope=runtime
CLIENT_JAR="$(ls "$ROOT"/sdk/java/target/chainrule-client-*.jar | head -n 1)"

# java runs the single source file directly (no separate compile step), with the client and Jackson on the class path
java -cp "$CLIENT_JAR:$(cat "$WORK/classpath")" "$HERE/MnistWalkthrough.java" "$BASE" "$MNIST_DIR"
