#!/usr/bin/env python3
"""Writes bench/http/whole_job.sh's Markdown from its runs' JSON (train_overhead.py --json); the run's command, revision,
CPU and load come from the environment (COMMAND, REVISION, STARTED, CPU, UPTIME_START, UPTIME_END, JAVA).

    bench/http/whole_job_report.py OUT.md RUN.json...
"""
import json, os, statistics, sys
e = os.environ
runs = []
for path in sys.argv[2:]:   # one run per file, or the list whole_job.sh keeps beside its Markdown
    found = json.load(open(path))
    runs += found if isinstance(found, list) else [found]
def mr(values, digits=2):
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f} - {max(values):.{digits}f})"
lines = [f"# Whole training jobs through the service vs PyTorch's loop in process ({e['STARTED'][:10]})", "",
         "MNIST's 60000 training images uploaded once as CSV; each job: 784-256-128-10 (ReLU, ReLU, softmax + "
         f"cross-entropy, He init, seed 42), {runs[0]['epochs']} epochs, minibatch 128, SGD lr 0.1, standardised "
         "inputs (the default), no validation. Service: submit (POST /train) to its end event on "
         "GET /jobs/{id}/events, from the client. PyTorch: a fresh model trained for the same epochs on the same rows "
         "in process (bench/peers/pytorch/job_loop.py, its data loaded once), right after each job.", "",
         f"- **Command:** `{e['COMMAND']}`", f"- **Revision:** `{e['REVISION']}`, started {e['STARTED']}",
         f"- **CPU:** {e['CPU']}; {e['JAVA']}",
         f"- **Load:** `{e['UPTIME_START'].strip()}` at the start, `{e['UPTIME_END'].strip()}` at the end", ""]
lines += ["| setting | jobs | service submit to SUCCEEDED, s | PyTorch loop, s | PyTorch / service (per round) |",
          "|---|---|---|---|---|"]
for r in runs:
    walls = [x["wall"] for x in r["rounds"]]
    torch = [x["pytorch"] for x in r["rounds"] if "pytorch" in x]
    ratios = [x["pytorch"] / x["wall"] for x in r["rounds"] if "pytorch" in x]
    lines.append(f"| {r['label']} | {len(walls)} | {mr(walls)} | {mr(torch) if torch else 'n/a'} | "
                 f"{mr(ratios) + 'x' if ratios else 'n/a'} |")
lines += ["", "Median (min - max). The ratio is PyTorch's seconds over the service's in the same round: > 1 means "
          "the service's whole job is faster than PyTorch's training loop alone.", ""]
for r in runs:
    names = [n for n in dict.fromkeys(k for x in r["rounds"] if x["phases"] for k in x["phases"])
             if not n.startswith("cpu-")]
    lines += [f"## {r['label']}: where each job's time went", "",
              "From the job's log line (`job ... phases: ...`): wall milliseconds of each phase, and for the steps "
              "the worker thread runs alone its own CPU milliseconds (which other processes on a loaded machine "
              "inflate far less than the wall times). *queued*: submit to claim; *epochs*: the epochs without the "
              "epoch records and checkpoints written between them.", ""]
    if names:
        lines += ["| phase | median ms | worker CPU ms, median | " + " | ".join(f"round {x['round']}" for x in r["rounds"]) + " |",
                  "|---|---|---|" + "---|" * len(r["rounds"])]
        for n in names + ["submit to SUCCEEDED (client)"]:
            if n.startswith("submit"):
                values = [x["wall"] * 1000 for x in r["rounds"]]
                cpu = []
            else:
                values = [(x["phases"] or {}).get(n, 0) for x in r["rounds"]]
                cpu = [(x["phases"] or {})["cpu-" + n] for x in r["rounds"] if "cpu-" + n in (x["phases"] or {})]
            cpu_cell = f"{statistics.median(cpu):.0f}" if cpu else ""
            lines.append(f"| {n} | {statistics.median(values):.0f} | {cpu_cell} | "
                         + " | ".join(f"{v:.0f}" for v in values) + " |")
        lines.append("| load (1 min) at submit | | | " + " | ".join(f"{x['load']:.2f}" for x in r["rounds"]) + " |")
        if any("pytorch" in x for x in r["rounds"]):
            lines.append("| PyTorch's loop, ms | " + f"{statistics.median(x['pytorch'] * 1000 for x in r['rounds']):.0f} | | "
                         + " | ".join(f"{x['pytorch'] * 1000:.0f}" for x in r["rounds"]) + " |")
    lines += ["", "Epoch seconds per round: " + "; ".join(
        " ".join(f"{s:.2f}" for s in x["epochs"]) for x in r["rounds"]), ""]
    if r["pytorch"]:
        t = r["pytorch"]
        lines += [f"PyTorch {t['torch']}: intra-op {t['intra_op']} thread(s), OpenBLAS {t['openblas'].get('threads')} "
                  f"thread(s), kernel {t['openblas'].get('corename')}; its epoch seconds per round: " + "; ".join(
                      " ".join(f"{s:.2f}" for s in x["pytorch_epochs"]) for x in r["rounds"]), ""]
open(sys.argv[1], "w").write("\n".join(lines))
print("\n".join(lines))
