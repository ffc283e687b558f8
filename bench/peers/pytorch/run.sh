#!/usr/bin/env bash
# PyTorch peer of the engine benchmark (issue 5); see bench/README.md, "PyTorch peer".
#
#   bench/peers/pytorch/run.sh            full run (about 10-20 minutes on a busy 2-core machine)
#                                         -> bench/results/YYYY-MM-DD-pytorch.md (+ .json)
#   bench/peers/pytorch/run.sh --quick    smoke (< 60 s once torch is installed): 100 batches per epoch,
#                                         leaves the environment as it is -> YYYY-MM-DD-pytorch-quick.md
#
# Options: --data DIR (MNIST's IDX .gz files; default datasets/mnist from the repo root, or
# $CHAINRULE_MNIST_DIR), --passes N (full: 2), --tag NAME (appended to the results file name),
# --results DIR (default bench/results). $CHAINRULE_PYTHON picks the interpreter (default /usr/bin/python3,
# where Debian's python3-torch installs; a pyenv python3 earlier on the PATH does not see it).
#
# Installs python3-torch from Debian (apt) when the interpreter cannot import torch. The full run's fixed-kernel
# configurations set OPENBLAS_CORETYPE=SKYLAKEX (on AVX-512 CPUs only) and OMP_WAIT_POLICY=PASSIVE only where
# they are unset, and only in the environment of the benchmark process they start; the quick mode sets
# neither. Nothing here is for tests or CI's .ci/run.
set -euo pipefail
cd "$(dirname "$0")/../../.."
here=bench/peers/pytorch
command_line="$here/run.sh${*:+ $*}"
py="${CHAINRULE_PYTHON:-/usr/bin/python3}"

quick=0 passes=2 tag="" results=bench/results data_given=0
data="${CHAINRULE_MNIST_DIR:-datasets/mnist}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1 ;;
    --data) data="$2"; data_given=1; shift ;;
    --passes) passes="$2"; shift ;;
    --tag) tag="-$2"; shift ;;
    --results) results="$2"; shift ;;
    *) echo "[pytorch] unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
if [[ ! -f "$data/train-images-idx3-ubyte.gz" ]]; then
  echo "[pytorch] no MNIST at $data (expected train-images-idx3-ubyte.gz there); pass --data DIR or set" \
       "CHAINRULE_MNIST_DIR" >&2
  exit 2
fi

# --- PyTorch from Debian. python3-torch only Recommends an optimised BLAS: with --no-install-recommends
# libtorch would get the reference BLAS (libblas3). Naming libopenblas0-pthread gives the BLAS a default
# `apt-get install python3-torch` picks, without the compilers and headers python3-torch also recommends.
packages=()
"$py" -c 'import torch' 2>/dev/null || packages+=(python3-torch libopenblas0-pthread)
"$py" -c 'import threadpoolctl' 2>/dev/null || packages+=(python3-threadpoolctl)
if [[ ${#packages[@]} -gt 0 ]]; then
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo=(sudo); else sudo=(false); fi
  fi
  echo "[pytorch] installing ${packages[*]} (apt)"
  if ! { "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 update -q \
         && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q \
              --no-install-recommends "${packages[@]}"; } >&2; then
    echo "[pytorch] could not install ${packages[*]} with apt (root or passwordless sudo needed)" >&2
  fi
  if ! "$py" -c 'import torch'; then
    echo "[pytorch] $py still cannot import torch" >&2
    exit 3
  fi
fi

for variable in OPENBLAS_CORETYPE OPENBLAS_L2_SIZE OMP_NUM_THREADS OMP_WAIT_POLICY OPENBLAS_NUM_THREADS; do
  echo "[pytorch] ${variable}=${!variable-<unset>}"
done

# --- configurations: name | description | environment to set where unset | mnist_mlp.py arguments
# The kernel is fixed with SKYLAKEX only on CPUs with AVX-512 (elsewhere that kernel would fault).
coretype=""
if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then coretype=SKYLAKEX; fi
configs=()
if [[ $quick -eq 1 ]]; then
  configs+=("installed-defaults|as installed, torch's default thread counts||")
  configs+=("omp1-blas2|as installed, 1 intra-op (OpenMP) + 2 OpenBLAS threads||--threads 1 --blas-threads 2")
else
  configs+=("installed-defaults|as installed, torch's default thread counts||")
  configs+=("installed-2t|as installed, torch.set_num_threads(2)||--threads 2")
  configs+=("best-omp1-blas2|kernel fixed, 1 intra-op (OpenMP) + 2 OpenBLAS threads (the issue's best)|OPENBLAS_CORETYPE=$coretype|--threads 1 --blas-threads 2")
  configs+=("fixed-omp1-blas1|kernel fixed, 1 intra-op + 1 OpenBLAS thread|OPENBLAS_CORETYPE=$coretype|--threads 1 --blas-threads 1")
  configs+=("fixed-2t|kernel fixed, torch.set_num_threads(2)|OPENBLAS_CORETYPE=$coretype|--threads 2")
  configs+=("fixed-2t-passive|kernel fixed, 2 threads, OpenMP threads sleep when idle|OPENBLAS_CORETYPE=$coretype OMP_WAIT_POLICY=PASSIVE|--threads 2")
  configs+=("fixed-2t-blas1|kernel fixed, 2 intra-op (OpenMP) threads + 1 OpenBLAS thread|OPENBLAS_CORETYPE=$coretype|--threads 2 --blas-threads 1")
fi

stamp="$(date -u +%Y-%m-%d)"
suffix="$([[ $quick -eq 1 ]] && echo -quick || true)"
mkdir -p "$results"
out_md="$results/$stamp-pytorch$suffix$tag.md"
out_json="$results/$stamp-pytorch$suffix$tag.json"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
load_start="$(cut -d' ' -f1-3 /proc/loadavg)"
started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
t0=$SECONDS
echo "[pytorch] load average at start: $load_start"

# Python's JSON for the report: the configurations as run, with what was actually set.
config_rows=()
run_args=(--data "$data")
[[ $quick -eq 1 ]] && run_args+=(--quick)
for ((pass = 1; pass <= (quick ? 1 : passes); pass++)); do
  for config in "${configs[@]}"; do
    IFS='|' read -r name description wanted args <<<"$config"
    set_env=() set_text=()
    for assignment in $wanted; do
      variable="${assignment%%=*}" value="${assignment#*=}"
      [[ -n "$value" ]] || continue                          # e.g. no AVX-512: kernel left to OpenBLAS
      if [[ -z "${!variable+x}" ]]; then set_env+=("$assignment"); set_text+=("\`$assignment\`")
      else echo "[pytorch] $name: $variable is already set (${!variable}); leaving it" >&2; fi
    done
    [[ -n "$args" ]] && set_text+=("\`$args\`")
    if [[ $pass -eq 1 ]]; then
      config_rows+=("$(NAME="$name" DESC="$description" SET="${set_text[*]:-}" "$py" -c \
        'import json, os; print(json.dumps({"name": os.environ["NAME"], "description": os.environ["DESC"], "set": os.environ["SET"]}))')")
    fi
    echo "[pytorch] pass $pass: $name ${set_env[*]:-} $args" >&2
    # shellcheck disable=SC2086  # args is a list of words
    env "${set_env[@]}" "$py" "$here/mnist_mlp.py" "${run_args[@]}" --label "$name" $args \
      --json "$work/$name-$pass.json" >/dev/null
  done
done

load_end="$(cut -d' ' -f1-3 /proc/loadavg)"
printf '[%s]\n' "$(IFS=,; echo "${config_rows[*]}")" >"$work/configs.json"
revision="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
[[ -n "$(git status --porcelain -- "$here" 2>/dev/null)" ]] && revision="$revision + uncommitted changes in $here"
packages_text="$(dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Version}\n' python3-torch libtorch1.13 \
  libopenblas0-pthread libopenblas0-openmp libopenblas0-serial libblas3 python3-threadpoolctl 2>/dev/null \
  | awk '$1 == "ii" {print $2 " " $3}' | paste -sd, - | sed 's/,/, /g' || true)"
blas_alternative="$(update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | sed -n 's/^Value: //p' || true)"
cpu_detail="$(lscpu 2>/dev/null | sed -n 's/^Model: *\(.*\)/model \1/p; s/^Thread(s) per core: *\(.*\)/\1 thread(s) per core/p; s/^Hypervisor vendor: *\(.*\)/\1 guest/p' | paste -sd, - | sed 's/,/, /g' || true)"
memory="$(free -h 2>/dev/null | awk '/^Mem:/ {print $2}' || true)"
[[ $data_given -eq 1 ]] || command_line="$command_line (data: $data)"
COMMAND="$command_line" REVISION="$revision" STARTED="$started" SECONDS_RUN="$((SECONDS - t0))" \
LOAD_START="$load_start" LOAD_END="$load_end" PACKAGES="$packages_text" BLAS_ALT="${blas_alternative:-none}" \
CPU_DETAIL="$cpu_detail" MEMORY="$memory" DATE="$stamp" "$py" - "$work/meta.json" <<'EOF'
import json, os, sys
names = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS", "OMP_WAIT_POLICY", "OPENBLAS_NUM_THREADS",
         "MKL_NUM_THREADS", "GOMP_SPINCOUNT")
e = os.environ
meta = {"command": e["COMMAND"], "revision": e["REVISION"], "started": e["STARTED"], "seconds": e["SECONDS_RUN"],
        "load_start": e["LOAD_START"], "load_end": e["LOAD_END"], "packages": e["PACKAGES"],
        "blas_alternative": e["BLAS_ALT"], "cpu_detail": e["CPU_DETAIL"], "memory": e["MEMORY"], "date": e["DATE"],
        "env_as_found": {n: (f"`{e[n]}`" if n in e else "unset") for n in names}}
json.dump(meta, open(sys.argv[1], "w"), indent=1)
EOF
"$py" "$here/report.py" --out "$out_md" --json-out "$out_json" --meta "$work/meta.json" \
  --configs "$work/configs.json" "$work"/*-[0-9]*.json
echo "[pytorch] load average at end: $load_end; wrote $out_md and $out_json in $((SECONDS - t0)) s" >&2
