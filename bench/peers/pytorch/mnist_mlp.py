#!/usr/bin/python3
"""PyTorch peer of the engine benchmark (bench/README.md, issue 5): the same workload, written the way a
PyTorch user who cares about speed would write it.

MNIST from its IDX gz files (pixels / 255, float32), MLP 784-256-128-10 (ReLU, ReLU, linear) with
CrossEntropyLoss (log-softmax + NLL, i.e. softmax + cross-entropy), plain SGD lr 0.1, minibatch 128,
shuffled each epoch, seed 42. Measures

- training samples/s: one warm-up epoch, then --epochs timed epochs (each one figure);
- inference samples/s at batch 128 and batch 1 under torch.inference_mode(), in timed chunks, as class
  probabilities (model(x).softmax(1)), the output the engine's and DL4J's softmax output layers give;
- test accuracy (10k) after training;
- torch's own GEMM speed at the products of one training step (its "GEMM limit"), as torch lays them out;

and prints one JSON object (also written to --json FILE) and a Markdown table. Thread settings:
--threads N (torch.set_num_threads, the intra-op OpenMP pool), --interop N, --blas-threads N (OpenBLAS's
own pool, set through threadpoolctl or OpenBLAS's C API). Environment variables such as OPENBLAS_CORETYPE
and OMP_WAIT_POLICY must be set by the caller (run.sh) before the process starts; they are recorded here,
never set.

Run with the system /usr/bin/python3 (Debian's python3-torch installs there). See run.sh / README.md.
"""

import argparse
import ctypes
import gzip
import json
import os
import platform
import re
import statistics
import struct
import sys
import time

ENV_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
            "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "OMP_PROC_BIND", "OMP_PLACES", "MKL_NUM_THREADS",
            "GOTO_NUM_THREADS", "LD_PRELOAD", "LD_LIBRARY_PATH")
# Recorded before torch (and so libgomp and OpenBLAS) is loaded: this is what they saw.
ENV_AT_START = {name: os.environ.get(name) for name in ENV_VARS}
LOAD_AT_START = os.getloadavg()

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

try:
    import threadpoolctl  # noqa: E402
except ImportError:  # optional: OpenBLAS's C API is the fallback
    threadpoolctl = None

# Floating-point work of one training sample (see bench/README.md): the eight GEMMs of a step.
LAYERS = ((784, 256), (256, 128), (128, 10))
FWD_FLOP = sum(2 * i * o for i, o in LAYERS)            # 469,504
MIN_FLOP = FWD_FLOP * 2 + (FWD_FLOP - 2 * 784 * 256)    # forward + dW + dX (no dX for layer 1): 1.007 M
CONV_FLOP = 3 * FWD_FLOP                                # the usual 3 x forward: 1.409 M


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", help="folder with MNIST's IDX .gz files (default: the repository's "
                                   "datasets/mnist, or $CHAINRULE_MNIST_DIR)")
    p.add_argument("--label", default="run", help="name of this configuration in the output")
    p.add_argument("--threads", type=int, help="torch.set_num_threads (intra-op); default: torch's own")
    p.add_argument("--interop", type=int, help="torch.set_num_interop_threads; default: torch's own")
    p.add_argument("--blas-threads", type=int, help="OpenBLAS threads; default: as OpenBLAS starts")
    p.add_argument("--epochs", type=int, help="timed epochs after the warm-up (default 5, quick 2)")
    p.add_argument("--train-rows", type=int, help="first N training rows (default all 60000, quick 12800)")
    p.add_argument("--chunks", type=int, help="timed inference/GEMM chunks (default 7, quick 3)")
    p.add_argument("--chunk-seconds", type=float, help="length of one chunk (default 0.5, quick 0.1)")
    p.add_argument("--quick", action="store_true", help="CI smoke: 12800 rows (100 batches), 1+2 epochs")
    p.add_argument("--no-gemm", action="store_true", help="skip the GEMM section")
    p.add_argument("--init", choices=("he", "default"), default="he",
                   help="he: kaiming_normal_ (fan_in, relu), zero biases, as the engine; default: torch's")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--json", help="also write the JSON result to this file")
    p.add_argument("--serve", action="store_true",
                   help="worker for bench/run.sh's side-by-side run: set up, then answer one JSON command per "
                        "stdin line ({\"op\": \"round\"}: one epoch and the inference chunks; \"finish\": "
                        "accuracy and GEMMs; \"quit\") with one JSON line on stdout")
    a = p.parse_args(argv)
    a.epochs = a.epochs or (2 if a.quick else 5)
    a.train_rows = a.train_rows or (12800 if a.quick else 60000)
    a.chunks = a.chunks or (3 if a.quick else 7)
    a.chunk_seconds = a.chunk_seconds or (0.1 if a.quick else 0.5)
    return a


# ---------------------------------------------------------------------------------------------- data

def repo_root():
    return os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))


def data_dir(arg):
    if arg:
        return arg
    if os.environ.get("CHAINRULE_MNIST_DIR"):
        return os.environ["CHAINRULE_MNIST_DIR"]
    return os.path.join(repo_root(), "datasets", "mnist")


def read_idx(path, magic):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    found, count = struct.unpack(">II", raw[:8])
    if found != magic:
        raise ValueError(f"{path}: magic {found}, expected {magic}")
    if magic == 2051:
        rows, cols = struct.unpack(">II", raw[8:16])
        return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(count, rows * cols)
    return np.frombuffer(raw, dtype=np.uint8, offset=8)


def load_mnist(folder, train_rows):
    def images(name):
        return torch.from_numpy(read_idx(os.path.join(folder, name), 2051).astype(np.float32) / 255.0)

    def labels(name):
        return torch.from_numpy(read_idx(os.path.join(folder, name), 2049).astype(np.int64))

    x, y = images("train-images-idx3-ubyte.gz"), labels("train-labels-idx1-ubyte.gz")
    xt, yt = images("t10k-images-idx3-ubyte.gz"), labels("t10k-labels-idx1-ubyte.gz")
    return x[:train_rows].contiguous(), y[:train_rows].contiguous(), xt, yt


# ------------------------------------------------------------------------------------------ OpenBLAS

def mapped_libraries():
    """Shared objects this process has mapped whose names matter for speed (BLAS, LAPACK, OpenMP, oneDNN)."""
    found = []
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                if re.search(r"(blas|lapack|gomp|iomp|omp5|dnnl|mkl|sleef|torch)[^/]*\.so", path) \
                        and path not in found:
                    found.append(path)
    except OSError:
        pass
    return found


class OpenBlas:
    """OpenBLAS's C API on the library this process already has loaded (ctypes)."""

    def __init__(self):
        self.lib, self.path = None, None
        paths = mapped_libraries()
        # the library itself first (libopenblas*.so), then anything in an openblas folder (Debian's libblas.so.3)
        for path in [p for p in paths if "openblas" in os.path.basename(p)] + [p for p in paths if "/openblas" in p]:
                try:
                    lib = ctypes.CDLL(path)
                    lib.openblas_get_corename.restype = ctypes.c_char_p
                    self.lib, self.path = lib, path
                    break
                except (OSError, AttributeError):
                    continue

    def info(self):
        if self.lib is None:
            return {"loaded": False}
        lib = self.lib
        lib.openblas_get_config.restype = ctypes.c_char_p
        parallel = {0: "sequential", 1: "pthreads", 2: "OpenMP"}.get(lib.openblas_get_parallel(), "?")
        return {"loaded": True, "path": self.path, "corename": lib.openblas_get_corename().decode(),
                "config": lib.openblas_get_config().decode().strip(), "threads": lib.openblas_get_num_threads(),
                "parallel": parallel}

    def set_threads(self, n):
        if self.lib is not None:
            self.lib.openblas_set_num_threads(int(n))


def threadpool_info():
    if threadpoolctl is None:
        return None
    try:
        return threadpoolctl.threadpool_info()
    except Exception as e:  # noqa: BLE001 - informational only
        return [{"error": repr(e)}]


# -------------------------------------------------------------------------------------------- timing

def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values),
            "values": values}


def cpu_seconds():
    t = os.times()
    return t.user + t.system


def timed_chunks(fn, chunks, chunk_seconds, samples_per_call):
    """Warms fn up, picks a call count so that a chunk lasts about chunk_seconds, times `chunks` chunks.
    Returns samples/s per chunk and microseconds per call (median)."""
    t0 = time.perf_counter()
    calls = 0
    while time.perf_counter() - t0 < min(0.2, chunk_seconds):
        fn()
        calls += 1
    per_call = (time.perf_counter() - t0) / calls
    n = max(1, int(chunk_seconds / per_call))
    rates, us = [], []
    for _ in range(chunks):
        s = time.perf_counter()
        for _ in range(n):
            fn()
        e = time.perf_counter() - s
        rates.append(n * samples_per_call / e)
        us.append(e / n * 1e6)
    out = summary(rates)
    out["us_per_call"] = statistics.median(us)
    out["calls_per_chunk"] = n
    return out


# ----------------------------------------------------------------------------------------- the model

def build_model(init, seed):
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    if init == "he":
        for m in model:
            if isinstance(m, nn.Linear):
                nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
                nn.init.zeros_(m.bias)
    return model


def train_epoch(model, optimiser, loss_fn, x, y, batch, generator):
    """One shuffled epoch over in-memory tensors (no DataLoader: collating 128 single samples per batch is
    the slow way). Returns (seconds, process CPU seconds, mean loss)."""
    model.train()
    n = x.shape[0]
    loss_sum = torch.zeros((), dtype=torch.float64)
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    perm = torch.randperm(n, generator=generator)
    for start in range(0, n, batch):
        idx = perm[start:start + batch]
        xb, yb = x.index_select(0, idx), y.index_select(0, idx)
        optimiser.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimiser.step()
        loss_sum += loss.detach() * idx.shape[0]
    seconds = time.perf_counter() - t0
    return seconds, cpu_seconds() - cpu0, float(loss_sum) / n


def accuracy(model, x, y):
    model.eval()
    with torch.inference_mode():
        return float((model(x).argmax(1) == y).double().mean())


def gemm_section(batch, chunks, chunk_seconds):
    """The eight GEMMs of one training step as autograd runs them for nn.Linear (weight W is out x in):
    forward x W^T (addmm's transposed operand), dW = delta^T x, dX = delta W (none for layer 1), timed
    with torch.mm into preallocated outputs. The limit is their FLOPs over the sum of their times."""
    g = torch.Generator().manual_seed(7)
    rows = []
    acts = [torch.rand(batch, 784, generator=g)] + [torch.rand(batch, o, generator=g) for _, o in LAYERS]
    weights = [torch.randn(o, i, generator=g) * 0.05 for i, o in LAYERS]
    deltas = [torch.randn(batch, o, generator=g) for _, o in LAYERS]
    for li, (i, o) in enumerate(LAYERS):
        a, w, d = acts[li], weights[li], deltas[li]
        x = ("x", "h1", "h2")[li]
        rows.append((f"fwd{li + 1}", f"{x} W{li + 1}^T", f"{batch}x{i} * {i}x{o} (B^T)", a, w.t(),
                     torch.empty(batch, o)))
        rows.append((f"dW{li + 1}", f"d{li + 1}^T {x}", f"{o}x{batch} * {batch}x{i} (A^T)", d.t(), a,
                     torch.empty(o, i)))
        if li > 0:
            rows.append((f"dX{li + 1}", f"d{li + 1} W{li + 1}", f"{batch}x{o} * {o}x{i}", d, w,
                         torch.empty(batch, i)))
    out, total_flop, total_us = [], 0, 0.0
    for name, what, shape, a, b, c in rows:
        m, k = a.shape
        n = b.shape[1]
        flop = 2 * m * k * n
        r = timed_chunks(lambda a=a, b=b, c=c: torch.mm(a, b, out=c), chunks, chunk_seconds, 1)
        gflops = [flop / (1e9 / rate) for rate in r["values"]]  # rate = calls/s
        out.append({"product": name, "what": what, "shape": shape, "mflop": flop / 1e6,
                    "gflops": summary(gflops), "us_per_call": r["us_per_call"]})
        total_flop += flop
        total_us += r["us_per_call"]
    return {"products": out, "flop_per_batch": total_flop, "us_per_batch": total_us,
            "limit_gflops": total_flop / total_us / 1e3, "limit_samples_per_s": batch / (total_us / 1e6)}


# ------------------------------------------------------------------------------------------------ run

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
        name = re.search(r"^model name\s*:\s*(.*)$", text, re.M)
        flags = re.search(r"^flags\s*:\s*(.*)$", text, re.M)
        simd = sorted(f for f in (flags.group(1).split() if flags else [])
                      if re.match(r"(avx|amx|fma)", f) and f in ("avx", "avx2", "fma", "avx512f", "avx512_bf16",
                                                                   "avx512_fp16", "avx512_vnni", "amx_tile"))
        return (name.group(1) if name else platform.processor()), " ".join(simd)
    except OSError:
        return platform.processor(), ""


def mnist_folder(a):
    folder = data_dir(a.data)
    if not os.path.isfile(os.path.join(folder, "train-images-idx3-ubyte.gz")):
        sys.exit(f"no MNIST at {folder} (expected train-images-idx3-ubyte.gz); pass --data DIR")
    return folder


def set_threads(a):
    """Applies --interop, --threads and --blas-threads; returns torch's defaults, the OpenBLAS handle and its
    thread count before."""
    defaults = {"intra_op": torch.get_num_threads(), "interop": torch.get_num_interop_threads()}
    if a.interop is not None:
        torch.set_num_interop_threads(a.interop)   # must come before any inter-op work
    if a.threads is not None:
        torch.set_num_threads(a.threads)
    blas = OpenBlas()
    blas_defaults = blas.info().get("threads")
    if a.blas_threads is not None:
        if threadpoolctl is not None:
            a._limits = threadpoolctl.threadpool_limits(limits=a.blas_threads, user_api="blas")  # kept alive
        else:
            blas.set_threads(a.blas_threads)
    return defaults, blas, blas_defaults


def run(a):
    folder = mnist_folder(a)
    started = time.time()
    defaults, blas, blas_defaults = set_threads(a)

    t = time.perf_counter()
    x, y, xt, yt = load_mnist(folder, a.train_rows)
    load_s = time.perf_counter() - t

    model = build_model(a.init, a.seed)
    loss_fn = nn.CrossEntropyLoss()
    optimiser = torch.optim.SGD(model.parameters(), lr=a.lr)
    gen = torch.Generator().manual_seed(a.seed)

    epochs = []
    for e in range(a.epochs + 1):
        seconds, cpu, loss = train_epoch(model, optimiser, loss_fn, x, y, a.batch, gen)
        epochs.append({"epoch": e, "warmup": e == 0, "seconds": seconds, "samples_per_s": x.shape[0] / seconds,
                       "cpu_seconds": cpu, "cpu_per_wall": cpu / seconds, "loss": loss})
        print(f"[pytorch {a.label}] epoch {e}{' (warm-up)' if e == 0 else ''}: {seconds:.2f} s, "
              f"{x.shape[0] / seconds:,.0f} samples/s, CPU {cpu / seconds:.2f} cores, loss {loss:.4f}",
              file=sys.stderr, flush=True)
    timed = [ep["samples_per_s"] for ep in epochs if not ep["warmup"]]
    training = summary(timed)
    training["cpu_per_wall"] = statistics.median(ep["cpu_per_wall"] for ep in epochs if not ep["warmup"])
    test_acc = accuracy(model, xt, yt)
    train_acc = accuracy(model, x, y)

    model.eval()
    inference = {}
    with torch.inference_mode():
        for b in (128, 1):
            xb = xt[:b].contiguous()
            inference[f"b{b}"] = timed_chunks(lambda xb=xb: model(xb).softmax(1), a.chunks, a.chunk_seconds, b)
    gemm = None if a.no_gemm else gemm_section(a.batch, a.chunks, a.chunk_seconds)

    result = {
        "peer": "pytorch", "label": a.label, "quick": a.quick,
        "command": " ".join([os.path.basename(sys.executable)] + sys.argv),
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "seconds": time.time() - started, "mnist_load_s": load_s, "data": os.path.abspath(folder),
        "workload": {"train_rows": int(x.shape[0]), "test_rows": int(xt.shape[0]), "batch": a.batch, "lr": a.lr,
                     "init": a.init, "seed": a.seed, "timed_epochs": a.epochs,
                     "flop_per_sample_min": MIN_FLOP, "flop_per_sample_conventional": CONV_FLOP},
        "training": training, "epochs": epochs,
        "final_loss": epochs[-1]["loss"], "train_accuracy": train_acc, "test_accuracy": test_acc,
        "inference": inference, "gemm": gemm,
        "environment": environment(a, defaults, blas, blas_defaults),
    }
    return result


def environment(a, defaults, blas, blas_defaults):
    cpu_name, simd = cpu_model()
    return {
            "load_start": LOAD_AT_START, "load_end": os.getloadavg(), "env": ENV_AT_START,
            "python": sys.version.split()[0], "python_executable": sys.executable, "numpy": np.__version__,
            "torch": torch.__version__, "torch_file": torch.__file__,
            "torch_defaults": defaults,
            "threads_requested": {"intra_op": a.threads, "interop": a.interop, "blas": a.blas_threads},
            "num_threads": torch.get_num_threads(), "num_interop_threads": torch.get_num_interop_threads(),
            "mkldnn": torch.backends.mkldnn.is_available(), "mkl": torch.backends.mkl.is_available(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability()
            if hasattr(torch.backends, "cpu") and hasattr(torch.backends.cpu, "get_cpu_capability") else None,
            "openblas": blas.info(), "openblas_threads_at_start": blas_defaults,
            "threadpoolctl": threadpool_info(), "mapped_libraries": mapped_libraries(),
            "config_show": torch.__config__.show(), "parallel_info": torch.__config__.parallel_info(),
            "cpu": cpu_name, "cpu_simd": simd, "logical_cpus": os.cpu_count(),
            "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
            "os": f"{platform.system()} {platform.release()} {platform.machine()}",
    }


def serve(a):
    """The side-by-side worker: everything set up once, then one command per stdin line, so the caller can run
    this peer's epochs back to back with the other systems' in the same rounds."""
    folder = mnist_folder(a)
    defaults, blas, blas_defaults = set_threads(a)
    x, y, xt, yt = load_mnist(folder, a.train_rows)
    model = build_model(a.init, a.seed)
    loss_fn = nn.CrossEntropyLoss()
    optimiser = torch.optim.SGD(model.parameters(), lr=a.lr)
    gen = torch.Generator().manual_seed(a.seed)
    inputs = {b: xt[:b].contiguous() for b in (128, 1)}
    calls = {}

    def reply(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    reply({"ready": True, "train_rows": int(x.shape[0]), "environment": environment(a, defaults, blas, blas_defaults)})
    for line in sys.stdin:
        command = json.loads(line)
        op = command.get("op")
        if op == "round":
            seconds, cpu, loss = train_epoch(model, optimiser, loss_fn, x, y, a.batch, gen)
            out = {"seconds": seconds, "samples_per_s": x.shape[0] / seconds, "cpu_per_wall": cpu / seconds,
                   "loss": loss}
            model.eval()
            with torch.inference_mode():
                for b, xb in inputs.items():
                    fn = (lambda xb=xb: model(xb).softmax(1))  # probabilities, as the other systems give
                    if b not in calls:   # the first round warms up and sizes the chunks
                        calls[b] = timed_chunks(fn, 1, a.chunk_seconds, b)["calls_per_chunk"]
                    s = time.perf_counter()
                    for _ in range(calls[b]):
                        fn()
                    out[f"b{b}"] = calls[b] * b / (time.perf_counter() - s)
            reply(out)
        elif op == "finish":
            reply({"test_accuracy": accuracy(model, xt, yt), "train_accuracy": accuracy(model, x, y),
                   "gemm": None if a.no_gemm else gemm_section(a.batch, a.chunks, a.chunk_seconds),
                   "openblas": blas.info(), "num_threads": torch.get_num_threads(), "load": os.getloadavg()})
        elif op == "quit":
            break
        else:
            reply({"error": f"unknown op {op!r}"})


def fmt(s, digits=0):
    return f"{s['median']:,.{digits}f} ({s['min']:,.{digits}f} - {s['max']:,.{digits}f})"


def markdown(r):
    env = r["environment"]
    ob = env["openblas"]
    lines = [f"PyTorch {env['torch']} `{r['label']}`: intra-op {env['num_threads']}, inter-op "
             f"{env['num_interop_threads']}, OpenBLAS {ob.get('threads')} threads, kernel {ob.get('corename')}, "
             f"OPENBLAS_CORETYPE={env['env']['OPENBLAS_CORETYPE'] or 'unset'}, "
             f"OMP_WAIT_POLICY={env['env']['OMP_WAIT_POLICY'] or 'unset'}, "
             f"load {env['load_start'][0]:.2f} -> {env['load_end'][0]:.2f}", "",
             "| measure | median (min - max) |", "|---|---|",
             f"| training samples/s ({r['training']['n']} epochs of {r['workload']['train_rows']}) | "
             f"{fmt(r['training'])} |",
             f"| inference b128 samples/s | {fmt(r['inference']['b128'])} |",
             f"| inference b1 samples/s | {fmt(r['inference']['b1'])} |"]
    if r["gemm"]:
        lines.append(f"| GEMM limit samples/s (torch.mm, 8 products) | {r['gemm']['limit_samples_per_s']:,.0f} "
                     f"({r['gemm']['limit_gflops']:.1f} GFLOP/s) |")
    lines.append(f"| test accuracy / final loss | {r['test_accuracy']:.4f} / {r['final_loss']:.4f} |")
    return "\n".join(lines)


def main(argv=None):
    a = parse_args(argv)
    if a.serve:
        serve(a)
        return
    r = run(a)
    text = json.dumps(r, indent=1)
    if a.json:
        with open(a.json, "w") as f:
            f.write(text + "\n")
    print(text)
    print()
    print(markdown(r))


if __name__ == "__main__":
    main()
