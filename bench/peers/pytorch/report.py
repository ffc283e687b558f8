#!/usr/bin/python3
"""Merges the JSON results of mnist_mlp.py runs (one per configuration and pass, as run.sh makes them) into
one Markdown results file (and one merged JSON file). Figures are pooled over passes: training is the
median (min - max) over every timed epoch of every pass, inference and GEMM over every timed chunk."""

import argparse
import json
import os
import re
import statistics
import sys

MIN_FLOP = 1_007_104  # training FLOPs per sample, minimum count (see bench/README.md)


def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def fmt(s, digits=0):
    return f"{s['median']:,.{digits}f} ({s['min']:,.{digits}f} - {s['max']:,.{digits}f})"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("results", nargs="+", help="JSON files written by mnist_mlp.py --json")
    p.add_argument("--out", required=True, help="Markdown file to write")
    p.add_argument("--json-out", help="merged JSON file to write")
    p.add_argument("--meta", help="JSON file of facts recorded by run.sh (command, load, packages, ...)")
    p.add_argument("--configs", help="JSON file: [{name, description, env_set, args}] in run order")
    return p.parse_args()


def load(paths):
    runs = []
    for path in paths:
        with open(path) as f:
            runs.append(json.load(f))
    return runs


def merge(runs, order):
    by_label = {}
    for r in runs:
        by_label.setdefault(r["label"], []).append(r)
    merged = []
    for name in order or list(by_label):
        rs = by_label.get(name)
        if not rs:
            continue
        m = {"label": name, "passes": len(rs), "runs": rs}
        m["training"] = summary([v for r in rs for v in r["training"]["values"]])
        m["cpu_per_wall"] = statistics.median(e["cpu_per_wall"] for r in rs for e in r["epochs"] if not e["warmup"])
        for b in ("b128", "b1"):
            m[b] = summary([v for r in rs for v in r["inference"][b]["values"]])
        if all(r["gemm"] for r in rs):
            m["limit"] = summary([r["gemm"]["limit_samples_per_s"] for r in rs])
            m["limit_gflops"] = summary([r["gemm"]["limit_gflops"] for r in rs])
            m["products"] = {}
            for p in rs[0]["gemm"]["products"]:
                vals = [v for r in rs for q in r["gemm"]["products"] if q["product"] == p["product"]
                        for v in q["gflops"]["values"]]
                m["products"][p["product"]] = {"what": p["what"], "shape": p["shape"], "mflop": p["mflop"],
                                               "gflops": summary(vals)}
        loads = [r["environment"]["load_start"][0] for r in rs] + [r["environment"]["load_end"][0] for r in rs]
        m["load"] = (min(loads), max(loads))
        merged.append(m)
    return merged


def env_line(env, key):
    v = env["env"].get(key)
    return "unset" if v is None else f"`{v}`"


def main():
    a = parse_args()
    runs = load(a.results)
    meta = {}
    if a.meta:
        with open(a.meta) as f:
            meta = json.load(f)
    configs = []
    if a.configs:
        with open(a.configs) as f:
            configs = json.load(f)
    order = [c["name"] for c in configs]
    merged = merge(runs, order)
    if not merged:
        sys.exit("no results")
    first = merged[0]["runs"][0]
    env0 = first["environment"]
    wl = first["workload"]
    quick = first["quick"]
    described = {c["name"]: c for c in configs}

    loads = [x for m in merged for x in m["load"]]
    meta_loads = [float(x) for x in (meta.get("load_start", "").split()[:1] + meta.get("load_end", "").split()[:1])]
    busy_max = max(loads + meta_loads)
    out = []
    w = out.append
    w(f"# PyTorch peer benchmark, {meta.get('date', first['started_utc'][:10])} ({'quick' if quick else 'full'} mode)")
    w("")
    w(f"MNIST training set ({wl['train_rows']} x 784, pixels / 255, float32), MLP 784-256-128-10 (ReLU, ReLU, linear; "
      f"`nn.CrossEntropyLoss` = softmax + cross-entropy), {'He (kaiming_normal_, zero biases)' if wl['init'] == 'he' else 'PyTorch default'} "
      f"init, minibatch {wl['batch']}, shuffled every epoch, plain `torch.optim.SGD` lr {wl['lr']}, seed {wl['seed']}. "
      "Batches are `index_select`ed from in-memory tensors (no DataLoader). Throughputs are **median (min - max)** "
      "pooled over passes: training over every timed epoch (one warm-up epoch per process first), inference and GEMMs "
      "over timed chunks.")
    w("")
    w(f"- **Command:** `{meta.get('command', '?')}`")
    w(f"- **Chainrule revision:** `{meta.get('revision', '?')}`")
    w(f"- **Started:** {meta.get('started', first['started_utc'])}; whole run {meta.get('seconds', '?')} s; "
      f"{len(merged)} configurations x {max(m['passes'] for m in merged)} passes, run interleaved "
      "(pass 1: every configuration, then pass 2, ...), one process each")
    status = ("**preliminary**: the machine was busy (1-minute load average between "
              f"{min(loads + meta_loads):.2f} and {busy_max:.2f} on {env0['logical_cpus']} cores, shared with other "
              "engineers' builds and benchmarks), so other processes took CPU time from these measurements; expect "
              "low and noisy figures (the min - max ranges show how noisy), and re-run on a quiet machine before "
              "comparing." if busy_max > env0["logical_cpus"] / 2 else
              "**preliminary**: the machine looked quiet (1-minute load average at most "
              f"{busy_max:.2f}), but it is shared; re-run before comparing.")
    w(f"- **Status:** {status}")
    w("")
    w("## Summary")
    w("")
    w("| configuration | training samples/s | inference b128 samples/s | inference b1 samples/s | "
      "torch GEMM limit samples/s | training / limit | training CPU (cores) | test accuracy | load (1 min) |")
    w("|---|---|---|---|---|---|---|---|---|")
    for m in merged:
        lim = fmt(m["limit"]) if "limit" in m else "-"
        frac = f"{m['training']['median'] / m['limit']['median']:.0%}" if "limit" in m else "-"
        accs = sorted(r["test_accuracy"] for r in m["runs"])
        acc = f"{accs[0]:.4f}" if len(accs) == 1 else f"{accs[0]:.4f} - {accs[-1]:.4f}"
        w(f"| {m['label']} | {fmt(m['training'])} | {fmt(m['b128'])} | {fmt(m['b1'])} | {lim} | {frac} | "
          f"{m['cpu_per_wall']:.2f} | {acc} | {m['load'][0]:.1f} - {m['load'][1]:.1f} |")
    w("")
    best = max(merged, key=lambda m: m["training"]["median"])
    w(f"Highest training median: **{best['label']}** ({best['training']['median']:,.0f} samples/s = "
      f"{best['training']['median'] * MIN_FLOP / 1e9:.1f} GFLOP/s at 1.007 MFLOP per sample). "
      "*Training CPU* is the process's CPU time over wall time during the timed epochs (2.0 = both cores busy, "
      "spinning included). *torch GEMM limit*: see below.")
    w("")

    w("## Configurations")
    w("")
    w("Set by run.sh per process: environment variables only where they were unset (never overriding a value "
      "the caller set), thread counts through torch's and OpenBLAS's APIs. *Kernel* is what OpenBLAS reports it runs "
      "(`openblas_get_corename` via ctypes; threadpoolctl's `architecture` agrees when listed).")
    w("")
    w("| configuration | what it is | set by run.sh | intra-op threads | inter-op threads | OpenBLAS threads | "
      "OpenBLAS kernel | threadpoolctl architecture | OPENBLAS_CORETYPE | OMP_WAIT_POLICY |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for m in merged:
        r = m["runs"][0]
        e = r["environment"]
        tp = [t for t in (e.get("threadpoolctl") or []) if t.get("internal_api") == "openblas"]
        arch = ", ".join(sorted({t.get("architecture", "?") for t in tp})) or "-"
        c = described.get(m["label"], {})
        kernels = sorted({x["environment"]["openblas"].get("corename", "?") for x in m["runs"]})
        w(f"| {m['label']} | {c.get('description', '')} | {c.get('set', '') or 'nothing'} | {e['num_threads']} | "
          f"{e['num_interop_threads']} | {e['openblas'].get('threads')} | {', '.join(kernels)} | {arch} | "
          f"{env_line(e, 'OPENBLAS_CORETYPE')} | {env_line(e, 'OMP_WAIT_POLICY')} |")
    w("")

    w("## Environment")
    w("")
    ob = env0["openblas"]
    cfg = env0["config_show"]
    blas_info = re.search(r"BLAS_INFO=([^,]+)", cfg)
    capability = re.search(r"CPU capability usage: (\S+)", cfg)
    rows = [
        ("CPU", f"{env0['cpu']} ({meta.get('cpu_detail', '')})".replace(" ()", "")),
        ("logical CPUs / affinity", f"{env0['logical_cpus']} / {env0['affinity']}"),
        ("CPU flags (SIMD)", env0["cpu_simd"]),
        ("memory", meta.get("memory", "?")),
        ("OS", env0["os"]),
        ("load average at start / end of run.sh", f"{meta.get('load_start', '?')} / {meta.get('load_end', '?')} "
                                                   "(1, 5, 15 min)"),
        ("Python", f"{env0['python']} (`{env0['python_executable']}`), numpy {env0['numpy']}"),
        ("Debian packages", meta.get("packages", "?")),
        ("torch.__version__", f"{env0['torch']} (`{env0['torch_file']}`)"),
        ("torch built with", f"BLAS_INFO={blas_info.group(1) if blas_info else '?'}, CPU capability "
                             f"{capability.group(1) if capability else '?'}, MKL-DNN {env0['mkldnn']}, MKL {env0['mkl']}, "
                             "ATen parallel backend OpenMP"),
        ("torch defaults here (no thread call)", f"get_num_threads()={env0['torch_defaults']['intra_op']}, "
                                                 f"get_num_interop_threads()={env0['torch_defaults']['interop']}"),
        ("libblas.so.3 alternative", meta.get("blas_alternative", "?")),
        ("OpenBLAS loaded", f"`{ob.get('path')}`"),
        ("OpenBLAS config", f"`{ob.get('config')}`"),
        ("OpenBLAS threading / threads at start", f"{ob.get('parallel')} / {env0['openblas_threads_at_start']}"),
        ("libraries mapped", ", ".join(f"`{os.path.basename(p)}`" for p in env0["mapped_libraries"]
                                       if not os.path.basename(p).startswith("_"))),
    ]
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS", "OMP_WAIT_POLICY",
                 "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "GOMP_SPINCOUNT"):
        rows.append((f"{name} as found", meta.get("env_as_found", {}).get(name, "?")))
    w("| what | value |")
    w("|---|---|")
    for k, v in rows:
        w(f"| {k} | {v} |")
    w("")
    w("<details><summary><code>torch.__config__.show()</code> and <code>parallel_info()</code> "
      f"(configuration {merged[0]['label']})</summary>")
    w("")
    w("```")
    w(cfg.strip())
    w("")
    w(env0["parallel_info"].strip())
    w("```")
    w("")
    w("threadpoolctl.threadpool_info():")
    w("")
    w("```")
    w(json.dumps(env0.get("threadpoolctl"), indent=1))
    w("```")
    w("</details>")
    w("")

    w("## Training")
    w("")
    w("Each process trains a fresh network: one warm-up epoch, then the timed epochs (samples / wall seconds of "
      "the whole epoch, shuffling and loss bookkeeping included).")
    w("")
    w("| configuration | pass | warm-up epoch (s) | timed epochs (s) | CPU cores (timed) | final loss | train accuracy | "
      "test accuracy | load start -> end |")
    w("|---|---|---|---|---|---|---|---|---|")
    for m in merged:
        for i, r in enumerate(m["runs"], 1):
            ep = r["epochs"]
            timed = [e for e in ep if not e["warmup"]]
            e = r["environment"]
            secs = ", ".join(f"{x['seconds']:.2f}" for x in timed)
            w(f"| {m['label']} | {i} | {ep[0]['seconds']:.2f} | {secs} | "
              f"{statistics.median(x['cpu_per_wall'] for x in timed):.2f} | {r['final_loss']:.4f} | "
              f"{r['train_accuracy']:.4f} | {r['test_accuracy']:.4f} | {e['load_start'][0]:.2f} -> {e['load_end'][0]:.2f} |")
    w("")

    w("## Inference (model(x) under torch.inference_mode(), reused input)")
    w("")
    w("| configuration | batch 128 samples/s | us/batch | batch 1 samples/s | us/sample |")
    w("|---|---|---|---|---|")
    for m in merged:
        us128 = statistics.median(r["inference"]["b128"]["us_per_call"] for r in m["runs"])
        us1 = statistics.median(r["inference"]["b1"]["us_per_call"] for r in m["runs"])
        w(f"| {m['label']} | {fmt(m['b128'])} | {us128:.1f} | {fmt(m['b1'])} | {us1:.1f} |")
    w("")

    with_gemm = [m for m in merged if "products" in m]
    if with_gemm:
        w("## torch's GEMMs at the MLP's shapes (float32, GFLOP/s)")
        w("")
        w("The eight products of one training step as autograd runs them for `nn.Linear` (weight stored out x in): "
          "forward `x W^T` (addmm, transposed operand), `dW = d^T x`, `dX = d W` (none for layer 1), each as "
          "`torch.mm(a, b, out=c)` on transposed views into a preallocated `c`, so torch passes the transposes to "
          "`sgemm` as flags. The *limit* is their FLOPs (128.9 MFLOP per batch = 1.007 MFLOP per sample) over the sum "
          "of their median times: what training would reach if a step cost nothing but its GEMMs.")
        w("")
        w("| product | what | shape | MFLOP | " + " | ".join(m["label"] for m in with_gemm) + " |")
        w("|---|---|---|---|" + "---|" * len(with_gemm))
        for name, p in with_gemm[0]["products"].items():
            w(f"| {name} | {p['what']} | {p['shape']} | {p['mflop']:.3f} | " +
              " | ".join(fmt(m["products"][name]["gflops"], 1) for m in with_gemm) + " |")
        w("| **limit** | GFLOP/s | | 128.909 | " + " | ".join(fmt(m["limit_gflops"], 1) for m in with_gemm) + " |")
        w("| **limit** | samples/s | | | " + " | ".join(fmt(m["limit"]) for m in with_gemm) + " |")
        w("")

    text = "\n".join(out) + "\n"
    with open(a.out, "w") as f:
        f.write(text)
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump({"meta": meta, "configs": configs, "runs": runs}, f, indent=1)
            f.write("\n")
    print(text)


if __name__ == "__main__":
    main()
