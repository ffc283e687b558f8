#!/usr/bin/env python3
"""Training through the service against the engine in process: the service's overhead as a ratio.

    bench/http/train_overhead.py BASE_URL [MNIST_DIR]

Uploads MNIST's 60000 training images as a gzip CSV (streamed: POST /datasets), defines the benchmark's MLP
(784-256-128-10, ReLU, ReLU, softmax + cross-entropy, He init, seed 42) and trains it through POST /train with
the benchmark's settings (minibatch 128, plain SGD lr 0.1, no validation), then prints each epoch's samples/s
from the job's own epoch durations. Compare them with bench/run.sh's in-process figure at the same thread setting
(the service with chainrule.jobs.workers=1 trains with 2 OpenBLAS threads, like "omp1-blas2").
"""
import gzip
import io
import json
import os
import statistics
import struct
import sys
import time
import urllib.request

base = sys.argv[1].rstrip("/")
mnist = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "..", "datasets", "mnist")
key = os.environ.get("CHAINRULE_API_KEY")


def call(method, path, body=None, content_type="application/json"):
    data = body if isinstance(body, (bytes, type(None))) or hasattr(body, "read") else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if body is not None:
        request.add_header("Content-Type", content_type)
    if key:
        request.add_header("Authorization", "Bearer " + key)
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read() or b"null")


def mnist_csv_gz():
    with gzip.open(os.path.join(mnist, "train-images-idx3-ubyte.gz")) as images, \
            gzip.open(os.path.join(mnist, "train-labels-idx1-ubyte.gz")) as labels:
        _, count, rows, cols = struct.unpack(">IIII", images.read(16))
        labels.read(8)
        out = io.BytesIO()
        with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=1) as z:
            z.write((",".join(f"p{i}" for i in range(rows * cols)) + ",label\n").encode())
            for _ in range(count):
                pixels = images.read(rows * cols)
                z.write((",".join(map(str, pixels)) + "," + str(labels.read(1)[0]) + "\n").encode())
        return count, out.getvalue()


started = time.time()
count, body = mnist_csv_gz()
dataset = call("POST", "/datasets?name=mnist-train&target=label", body, "text/csv")
print(f"uploaded {dataset['rows']} rows ({len(body) / 1e6:.1f} MB gzip) in {time.time() - started:.1f} s", flush=True)
model = call("POST", "/models", {"name": "mnist-mlp", "inputWidth": 784,
                                 "layers": [{"units": 256, "activation": "relu"}, {"units": 128, "activation": "relu"},
                                            {"units": 10, "activation": "softmax"}],
                                 "loss": "cross_entropy", "initialiser": "he", "seed": 42})
epochs = int(os.environ.get("EPOCHS", "4"))
job = call("POST", "/train", {"modelId": model["id"], "datasetId": dataset["id"], "epochs": epochs, "batchSize": 128,
                              "optimizer": {"type": "sgd", "learningRate": 0.1}, "shuffleSeed": 42})
while job["status"] in ("QUEUED", "RUNNING"):
    time.sleep(0.5)
    job = call("GET", "/jobs/" + job["id"])
print("job", job["status"], "final", job.get("finalMetrics"))
rates = []
for e in job["history"]:
    rate = dataset["rows"] / e["durationSeconds"]
    rates.append(rate)
    print(f"  epoch {e['epoch']}: {e['durationSeconds']:.2f} s = {rate:,.0f} samples/s, loss {e['trainingLoss']:.4f}")
after_first = rates[1:] or rates
total = dataset["rows"] * len(job["history"]) / job["elapsedSeconds"]
print(f"whole job: {job['elapsedSeconds']:.2f} s from start to end = {total:,.0f} samples/s "
      f"(checkpoints, the version's file and the records included)")
print(f"median after the first epoch: {statistics.median(after_first):,.0f} samples/s "
      f"(min {min(after_first):,.0f}, max {max(after_first):,.0f})")
