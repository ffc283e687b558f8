#!/usr/bin/env bash
# Builds the benchmarks and runs them; see bench/README.md.
#
#   bench/run.sh                 Chainrule's engine, DL4J and PyTorch side by side, 3 timed rounds (a few minutes on
#                                2 cores): bench/results/YYYY-MM-DD-peers.md
#   bench/run.sh --quick         the same as a CI smoke run (small data, well under 3 minutes with the builds):
#                                ...-peers-quick.md
#   bench/run.sh --engine        the engine in detail (GEMMs, hot-loop breakdown, allocations, thread settings) with
#                                the DL4J peer: ...-engine.md and ...-dl4j.md (--engine --quick: their quick forms)
#   bench/run.sh --concurrency   only the concurrent-training jobs: ...-engine-concurrency.md
#   bench/run.sh --memory        train MNIST in a JVM with -Xmx1g, record the peak resident set: ...-memory.md
#                                (--epochs N, --optimiser sgd|adam)
#   bench/run.sh --kernels       the GEMM limit under each OPENBLAS_CORETYPE, one fresh JVM each: ...-kernels.md
#                                (--coretypes SKYLAKEX,HASWELL,...: which ones besides "unset")
#   bench/run.sh --predict       the service's predict path (engine.model.Predictor) beside ONNX Runtime for Java and
#                                PyTorch at batch 1 and 128, 7 timed rounds (about 2 minutes): ...-predict-path.md
#                                (--rounds N, --chunk-ms M, --python PATH)
#   bench/run.sh --micro [JMH options]  the micro benchmarks (GEMMs, forward, one training batch, the predict path,
#                                a job's setup) under JMH with -prof gc and ND4J's objects per op; e.g. --micro -p blasThreads=1 GemmMicro. Prints
#                                JMH's tables and writes ...-micro.txt (its result file); --micro --quick: one short
#                                iteration of each (JobSetupMicro on 10,000 rows)
#   bench/run.sh --threads       the thread policy: one job alone, two at once, predictions' latency while a job
#                                trains, shared cores against 1 thread per job: ...-thread-policy.md (--rows N, --epochs N)
#
# Side-by-side options: --rounds N (timed rounds, default 3), --peers dl4j,pytorch|dl4j|pytorch|none, --python PATH
# (an interpreter that imports torch; default /usr/bin/python3, Debian's python3-torch), --coretype NAME (full runs
# only: exports OPENBLAS_CORETYPE=NAME to every system, and only when it is unset). Every mode takes --data DIR
# (MNIST's IDX files; default the repository's datasets/mnist, or $CHAINRULE_MNIST_DIR), --tag NAME
# (appended to the results file name) and --results DIR. Apart from --coretype, nothing here sets or changes
# OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE or OMP_NUM_THREADS; the results record them as found.
set -euo pipefail
cd "$(dirname "$0")/.."
command_line="bench/run.sh${*:+ $*}"

for variable in OPENBLAS_CORETYPE OPENBLAS_L2_SIZE OMP_NUM_THREADS; do
  echo "[bench] ${variable}=${!variable-<unset>}"
done

data_dir="${CHAINRULE_MNIST_DIR:-datasets/mnist}"
main=dev.chainrule.bench.PeerComparison
heap=(-Xms2g -Xmx4g)
quick=0
coretype=""
args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --engine) main=dev.chainrule.bench.EngineBenchmark ;;
    --concurrency) main=dev.chainrule.bench.EngineBenchmark; args+=("$1") ;;
    --memory) main=dev.chainrule.bench.MemoryFootprint; heap=(-Xmx1g) ;;
    --kernels) main=dev.chainrule.bench.KernelComparison; heap=(-Xmx1g) ;;
    --micro) main=org.openjdk.jmh.Main; heap=(-Xmx2g) ;;
    --predict) main=dev.chainrule.bench.PredictPathBenchmark; heap=(-Xms1g -Xmx2g) ;;
    --threads) main=dev.chainrule.bench.ThreadPolicyBench ;;
    --coretype) coretype="$2"; shift ;;
    --quick) quick=1; args+=("$1") ;;
    --data) data_dir="$2"; args+=("$1" "$2"); shift ;;
    *) args+=("$1") ;;
  esac
  shift
done
if [[ -n "$coretype" ]]; then
  if [[ $quick -eq 1 ]]; then
    echo "[bench] --coretype is for full runs; a quick run leaves the environment as it is" >&2; exit 2
  elif [[ -n "${OPENBLAS_CORETYPE+x}" ]]; then
    echo "[bench] OPENBLAS_CORETYPE is already set (${OPENBLAS_CORETYPE}); leaving it, not setting $coretype" >&2
  else
    export OPENBLAS_CORETYPE="$coretype"
    echo "[bench] OPENBLAS_CORETYPE=$coretype for every system of this run (it was unset)"
  fi
fi
if [[ ! -f "$data_dir/train-images-idx3-ubyte.gz" ]]; then
  echo "[bench] no MNIST at $data_dir (expected train-images-idx3-ubyte.gz there);" \
       "pass --data DIR or set CHAINRULE_MNIST_DIR" >&2
  exit 2
fi

# The service's classes as a plain jar (not the Spring Boot fat jar) into the local Maven repository, then the
# benchmark against it. The plain jar is made under target/bench-engine/ and installed from there, so that
# target/chainrule-*.jar, the executable jar README starts with java -jar, is left as it is (an install with the
# repackage skipped would overwrite it with the plain one). javacpp.platform is also in .mvn/maven.config;
# passing it keeps the bench build to Linux x86-64 natives wherever Maven is started from.
platform=(-Djavacpp.platform=linux-x86_64)
version="$(sed -n '/<artifactId>chainrule<\/artifactId>/{n;s/.*<version>\(.*\)<\/version>.*/\1/p;q}' pom.xml)"
echo "[bench] building the engine ${version} (plain jar) and the benchmark"
./mvnw -q -B compile "${platform[@]}"
engine_jar="target/bench-engine/chainrule-${version}.jar"
mkdir -p target/bench-engine
rm -f "$engine_jar"
jar --create --file "$engine_jar" -C target/classes .
./mvnw -q -B install:install-file -Dfile="$engine_jar" -DpomFile=pom.xml "${platform[@]}"
rm -rf bench/target/lib  # the dependencies are copied afresh: a stale jar (an older OpenBLAS) would shadow the new one
./mvnw -q -B -f bench/pom.xml package -Dchainrule.version="$version" "${platform[@]}"

revision="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git status --porcelain -- src pom.xml bench/src bench/pom.xml 2>/dev/null)" ]]; then
  revision="$revision + uncommitted changes"
fi

if [[ "$main" == org.openjdk.jmh.Main ]]; then
  # JMH forks each benchmark's JVM with this JVM's flags; the rest of the command line is JMH's (--quick: a smoke run)
  jmh=(); [[ $quick -eq 1 ]] && jmh=(-wi 1 -i 1 -w 200ms -r 200ms -p blasThreads=1 -p datasetRows=10000)
  for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in --quick) ;; --data) i=$((i + 1)) ;; *) jmh+=("${args[i]}") ;; esac
  done
  exec java "${heap[@]}" --add-modules jdk.incubator.foreign --enable-native-access=ALL-UNNAMED \
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dchainrule.mnist="$data_dir" -cp "bench/target/classes:bench/target/lib/*" \
    org.openjdk.jmh.Main -prof gc -prof dev.chainrule.bench.Nd4jObjectsProfiler -rf text -rff "bench/results/$(date +%F)-micro$([[ $quick -eq 1 ]] && echo -quick).txt" "${jmh[@]}"
fi
exec java "${heap[@]}" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "bench/target/classes:bench/target/lib/*" \
  "$main" --command "$command_line" --revision "$revision" "${args[@]}"
