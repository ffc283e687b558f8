#!/usr/bin/env bash
# Builds what the engine benchmark needs and runs it; see bench/README.md.
#
#   bench/run.sh            full run (about 5-10 minutes on 2 cores), writes bench/results/YYYY-MM-DD-engine.md
#   bench/run.sh --quick    CI smoke (well under 2 minutes), writes bench/results/YYYY-MM-DD-engine-quick.md
#   bench/run.sh --concurrency   only the concurrent-training jobs (N = 1 and 2 jobs at once per thread setting),
#                                writes bench/results/YYYY-MM-DD-engine-concurrency.md
#
# Other arguments go to the benchmark: --data DIR (MNIST's IDX files; default ../shared/data/mnist from the
# repo root, or $CHAINRULE_MNIST_DIR), --tag NAME (appended to the results file name), --results DIR,
# --peers dl4j|none (default dl4j: DL4J's MultiLayerNetwork back to back with the engine, YYYY-MM-DD-dl4j.md).
# The benchmark records OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE and OMP_NUM_THREADS as it finds them; this script
# never sets or changes them.
set -euo pipefail
cd "$(dirname "$0")/.."
command_line="bench/run.sh${*:+ $*}"

for variable in OPENBLAS_CORETYPE OPENBLAS_L2_SIZE OMP_NUM_THREADS; do
  echo "[bench] ${variable}=${!variable-<unset>}"
done

data_dir="${CHAINRULE_MNIST_DIR:-../shared/data/mnist}"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [[ "${args[$i]}" == "--data" && $((i + 1)) -lt ${#args[@]} ]]; then data_dir="${args[$((i + 1))]}"; fi
done
if [[ ! -f "$data_dir/train-images-idx3-ubyte.gz" ]]; then
  echo "[bench] no MNIST at $data_dir (expected train-images-idx3-ubyte.gz there);" \
       "pass --data DIR or set CHAINRULE_MNIST_DIR" >&2
  exit 2
fi

# The service's plain jar (its classes, not the Spring Boot fat jar) into the local Maven repository, then
# the benchmark against it. javacpp.platform is also in .mvn/maven.config; passing it keeps the bench build
# to Linux x86-64 natives wherever Maven is started from.
platform=(-Djavacpp.platform=linux-x86_64)
version="$(sed -n '/<artifactId>chainrule<\/artifactId>/{n;s/.*<version>\(.*\)<\/version>.*/\1/p;q}' pom.xml)"
echo "[bench] building the engine ${version} (plain jar) and the benchmark"
./mvnw -q -B install -Dmaven.test.skip=true -Dspring-boot.repackage.skip=true "${platform[@]}"
./mvnw -q -B -f bench/pom.xml package -Dmaven.test.skip=true -Dchainrule.version="$version" "${platform[@]}"

revision="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git status --porcelain -- src pom.xml bench/src bench/pom.xml 2>/dev/null)" ]]; then
  revision="$revision + uncommitted changes"
fi

# --add-modules jdk.incubator.foreign lets the benchmark ask OpenBLAS which kernel it runs (see OpenBlasProbe).
exec java -Xms2g -Xmx4g \
  --add-modules jdk.incubator.foreign --enable-native-access=ALL-UNNAMED \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "bench/target/classes:bench/target/lib/*" \
  dev.chainrule.bench.EngineBenchmark --command "$command_line" --revision "$revision" "$@"
