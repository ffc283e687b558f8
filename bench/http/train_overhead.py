#!/usr/bin/env python3
"""Whole training jobs through the service, side by side with PyTorch's training loop in process.

    bench/http/train_overhead.py BASE_URL [MNIST_DIR] [--jobs N] [--epochs E] [--pytorch PYTHON]
                                 [--service-log FILE] [--dataset-id-file FILE] [--json FILE] [--label NAME]

Uploads MNIST's 60000 training images as a gzip CSV (streamed: POST /datasets; skipped when --dataset-id-file names
a dataset the service already has), defines the benchmark's MLP (784-256-128-10, ReLU, ReLU, softmax +
cross-entropy, He init, seed 42) and runs --jobs N whole jobs through POST /train with the benchmark's settings
(minibatch 128, plain SGD lr 0.1, no validation; default E = $EPOCHS or 4). Each job is timed from the client,
submit to SUCCEEDED: from just before POST /train until its "end" event arrives on GET /jobs/{id}/events (the
stream is opened right after the submit; a job that ended before it opened replays its end). With
--service-log, the job's own phase timings are read from the service's log line for it ("job ... phases: ...").

With --pytorch PYTHON (an interpreter that imports torch), bench/peers/pytorch/job_loop.py runs beside it: after
each service job, PyTorch trains a fresh model for the same epochs in process on the same rows (its training
loop; data loaded once). The two alternate, so a noisy machine loads both alike; the per-round ratios
PyTorch seconds / service seconds are printed with the medians (> 1: the service is faster).

Also prints each epoch's samples/s from the job's own epoch durations (bench/cluster/lease_cost.sh reads them).
"""
import argparse
import gzip
import http.client
import io
import json
import os
import re
import statistics
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

here = os.path.dirname(os.path.abspath(__file__))
key = os.environ.get("CHAINRULE_API_KEY")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("base")
    p.add_argument("mnist", nargs="?", default=os.path.join(here, "..", "..", "datasets", "mnist"))
    p.add_argument("--jobs", type=int, default=1, help="whole jobs to run (default 1)")
    p.add_argument("--epochs", type=int, default=int(os.environ.get("EPOCHS", "4")))
    p.add_argument("--pytorch", help="an interpreter that imports torch: run PyTorch's loop beside each job")
    p.add_argument("--service-log", help="the service's log file: read each job's phase timings from it")
    p.add_argument("--dataset-id-file", help="reuse the dataset id in this file if the service has it; "
                                             "else upload and write the id there")
    p.add_argument("--json", help="write every figure to this file as JSON")
    p.add_argument("--label", default="service", help="this run's name in the JSON")
    a = p.parse_args()
    a.base = a.base.rstrip("/")
    return a


A = parse_args()


def call(method, path, body=None, content_type="application/json"):
    data = body if isinstance(body, (bytes, type(None))) or hasattr(body, "read") else json.dumps(body).encode()
    request = urllib.request.Request(A.base + path, data=data, method=method)
    if body is not None:
        request.add_header("Content-Type", content_type)
    if key:
        request.add_header("Authorization", "Bearer " + key)
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read() or b"null")


def mnist_csv_gz():
    with gzip.open(os.path.join(A.mnist, "train-images-idx3-ubyte.gz")) as images, \
            gzip.open(os.path.join(A.mnist, "train-labels-idx1-ubyte.gz")) as labels:
        _, count, rows, cols = struct.unpack(">IIII", images.read(16))
        labels.read(8)
        out = io.BytesIO()
        with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=1) as z:
            z.write((",".join(f"p{i}" for i in range(rows * cols)) + ",label\n").encode())
            for _ in range(count):
                pixels = images.read(rows * cols)
                z.write((",".join(map(str, pixels)) + "," + str(labels.read(1)[0]) + "\n").encode())
        return count, out.getvalue()


def dataset():
    if A.dataset_id_file and os.path.exists(A.dataset_id_file):
        known = open(A.dataset_id_file).read().strip()
        try:
            found = call("GET", "/datasets/" + known)
            print(f"dataset {known} already uploaded ({found['rows']} rows)", flush=True)
            return found
        except urllib.error.HTTPError:
            pass
    started = time.time()
    _, body = mnist_csv_gz()
    made = call("POST", "/datasets?name=mnist-train&target=label", body, "text/csv")
    print(f"uploaded {made['rows']} rows ({len(body) / 1e6:.1f} MB gzip) in {time.time() - started:.1f} s", flush=True)
    if A.dataset_id_file:
        with open(A.dataset_id_file, "w") as f:
            f.write(made["id"])
    return made


def wait_for_end(job_id):
    """Blocks until the job's "end" event arrives on its event stream; falls back to polling if the stream closes
    without one (a stream that falls behind is closed without its end)."""
    url = urllib.parse.urlsplit(A.base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
    headers = {"Accept": "text/event-stream"}
    if key:
        headers["Authorization"] = "Bearer " + key
    connection.request("GET", f"/jobs/{job_id}/events", headers=headers)
    response = connection.getresponse()
    event = None
    try:
        for raw in response:
            line = raw.decode().rstrip("\r\n")
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event == "end":
                return
    finally:
        connection.close()
    while call("GET", "/jobs/" + job_id)["status"] in ("QUEUED", "RUNNING"):
        time.sleep(0.01)


PHASES = re.compile(r"job (\S+) phases: (.*)$")
OLD_LINE = re.compile(r"job (\S+) took (\d+) ms: setup (\d+) ms \(data, standardisation\), training (\d+) ms of which "
                      r"checkpoints (\d+) ms, version (\d+) ms")


def phases(job_id):
    """The service's own timings of the job, in ms, from its log line (None without --service-log)."""
    if not A.service_log:
        return None
    for _ in range(50):   # the line is written just before the job is shown as ended: it is there, or nearly
        with open(A.service_log, errors="replace") as f:
            for line in f:
                m = PHASES.search(line)
                if m and m.group(1) == job_id:
                    wall, _, cpu = m.group(2).partition(" cpu: ")   # then the worker thread's CPU ms of the steps
                    out = {k: float(v) for k, v in re.findall(r"([a-z][a-z-]*)=([0-9.]+)", wall)}
                    out.update({"cpu-" + k: float(v) for k, v in re.findall(r"([a-z][a-z-]*)=([0-9.]+)", cpu)})
                    return out
                m = OLD_LINE.search(line)
                if m and m.group(1) == job_id:
                    return dict(zip(("total", "setup", "training", "checkpoints", "version"),
                                    map(float, m.groups()[1:])))
        time.sleep(0.02)
    return None


class PyTorch:
    def __init__(self, python):
        self.process = subprocess.Popen([python, os.path.join(here, "..", "peers", "pytorch", "job_loop.py"),
                                         "--data", A.mnist], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.ready = self.ask(None)

    def ask(self, command):
        if command is not None:
            self.process.stdin.write(json.dumps(command) + "\n")
            self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            sys.exit("the PyTorch worker ended early")
        return json.loads(line)

    def close(self):
        self.process.stdin.write(json.dumps({"op": "quit"}) + "\n")
        self.process.stdin.close()
        self.process.wait(timeout=30)


def median_range(values, digits=2):
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f} - {max(values):.{digits}f})"


def main():
    data = dataset()
    model = call("POST", "/models", {"name": "mnist-mlp", "inputWidth": 784,
                                     "layers": [{"units": 256, "activation": "relu"},
                                                {"units": 128, "activation": "relu"},
                                                {"units": 10, "activation": "softmax"}],
                                     "loss": "cross_entropy", "initialiser": "he", "seed": 42})
    torch = PyTorch(A.pytorch) if A.pytorch else None
    if torch:
        print(f"PyTorch {torch.ready['torch']}: intra-op {torch.ready['intra_op']}, OpenBLAS "
              f"{torch.ready['openblas'].get('threads')} threads ({torch.ready['openblas'].get('corename')}); "
              f"its data loaded in {torch.ready['load_seconds']:.2f} s (not timed below)", flush=True)
    rounds = []
    for n in range(1, A.jobs + 1):
        load = os.getloadavg()[0]
        started = time.perf_counter()
        job = call("POST", "/train", {"modelId": model["id"], "datasetId": data["id"], "epochs": A.epochs,
                                      "batchSize": 128, "optimizer": {"type": "sgd", "learningRate": 0.1},
                                      "shuffleSeed": 42})
        wait_for_end(job["id"])
        wall = time.perf_counter() - started
        job = call("GET", "/jobs/" + job["id"])
        if job["status"] != "SUCCEEDED":
            sys.exit(f"job {job['id']} ended {job['status']}: {job.get('failureReason')}")
        row = {"round": n, "job": job["id"], "wall": wall, "elapsed": job["elapsedSeconds"], "load": load,
               "epochs": [e["durationSeconds"] for e in job["history"]],
               "loss": job["history"][-1]["trainingLoss"], "phases": phases(job["id"])}
        print(f"round {n}: job {job['id']} submit to SUCCEEDED {wall:.2f} s (the job's own start to end "
              f"{job['elapsedSeconds']:.2f} s), final loss {row['loss']:.4f}, load {load:.2f}", flush=True)
        for e in job["history"]:
            rate = data["rows"] / e["durationSeconds"]
            print(f"  epoch {e['epoch']}: {e['durationSeconds']:.2f} s = {rate:,.0f} samples/s, "
                  f"loss {e['trainingLoss']:.4f}")
        if row["phases"]:
            print("  phases (ms): " + ", ".join(f"{k} {v:.0f}" for k, v in row["phases"].items()), flush=True)
        if torch:
            t = torch.ask({"op": "run", "epochs": A.epochs})
            row["pytorch"] = t["seconds"]
            row["pytorch_epochs"] = [e["seconds"] for e in t["epochs"]]
            print(f"  PyTorch in process: {t['seconds']:.2f} s for {A.epochs} epochs, final loss "
                  f"{t['epochs'][-1]['loss']:.4f}; PyTorch / service {t['seconds'] / wall:.2f}x", flush=True)
        rounds.append(row)
    if torch:
        torch.close()

    walls = [r["wall"] for r in rounds]
    print(f"\n{A.label}: {len(rounds)} job(s) of {A.epochs} epochs x {data['rows']} rows")
    print(f"  submit to SUCCEEDED: median {median_range(walls)} s")
    print(f"  median after the first epoch: {statistics.median(data['rows'] / s for r in rounds for s in r['epochs'][1:] or r['epochs']):,.0f} samples/s")
    if all(r["phases"] for r in rounds):
        for name in rounds[0]["phases"]:
            values = [r["phases"].get(name, 0) for r in rounds]
            print(f"  {name}: median {median_range(values, 0)} ms")
    if torch:
        print(f"  PyTorch's loop in process: median {median_range([r['pytorch'] for r in rounds])} s")
        print(f"  PyTorch / service per round: median {median_range([r['pytorch'] / r['wall'] for r in rounds])}x")
    if A.json:
        with open(A.json, "w") as f:
            json.dump({"label": A.label, "epochs": A.epochs, "rows": data["rows"], "rounds": rounds,
                       "pytorch": torch.ready if torch else None}, f, indent=1)


main()
