#!/usr/bin/env python3
"""PyTorch's side of the predict-path benchmark (bench/run.sh --predict, PredictPathBenchmark.java).

Builds the same network the Java side trained, from the weights it wrote (--model: a JSON description beside a raw
little-endian float32 file: mean, std, then each layer's W (in x out, row-major) and b), the way a PyTorch user
serves it: (x - mean) / std, then nn.Sequential of nn.Linear and the activations, under torch.inference_mode().
A call takes rows of a float32 numpy array (torch.from_numpy: no copy) and returns the outputs as a numpy array.

Serves commands on stdin, one JSON object a line, one JSON reply a line:
  {"op": "outputs", "batch": n}                                  -> the outputs of the first n input rows
  {"op": "calibrate", "batch": n, "millis": m, "threads": t, "blas_threads": b} -> calls that fill m milliseconds
  {"op": "chunk", "batch": n, "calls": c, "threads": t, "blas_threads": b}       -> samples/s over c calls, and
                                                                                   the process's CPU time per call
  {"op": "quit"}
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mnist_mlp import OpenBlas  # noqa: E402  (the same ctypes handle the training peer uses)

ACTIVATIONS = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "logistic": torch.nn.Sigmoid,
               "softmax": lambda: torch.nn.Softmax(dim=1), "linear": torch.nn.Identity}


def build(description, weights):
    values = np.fromfile(weights, dtype="<f4")
    at = 0

    def take(n, shape):
        nonlocal at
        out = values[at:at + n].reshape(shape)
        at += n
        return torch.from_numpy(out.copy())

    width = description["inputWidth"]
    mean = take(width, (1, width))
    std = take(width, (1, width))
    layers = []
    for layer in description["layers"]:
        linear = torch.nn.Linear(layer["in"], layer["out"])
        with torch.no_grad():
            linear.weight.copy_(take(layer["in"] * layer["out"], (layer["in"], layer["out"])).t())
            linear.bias.copy_(take(layer["out"], (layer["out"],)))
        layers += [linear, ACTIVATIONS[layer["activation"]]()]
    if at != values.size:
        raise ValueError(f"{weights}: {values.size} values, the description uses {at}")
    model = torch.nn.Sequential(*layers).eval()
    return mean, std, model


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True, help="the JSON description; its weights file is named in it")
    p.add_argument("--inputs", required=True, help="raw float32 rows, row-major, inputWidth values a row")
    a = p.parse_args()
    description = json.load(open(a.model))
    mean, std, model = build(description, os.path.join(os.path.dirname(a.model), description["weights"]))
    inputs = np.fromfile(a.inputs, dtype="<f4").reshape(-1, description["inputWidth"])
    blas = OpenBlas()
    state = {"threads": None, "blas_threads": None}

    def settle(command):
        if command.get("threads") and command["threads"] != state["threads"]:
            torch.set_num_threads(command["threads"])
            state["threads"] = command["threads"]
        if command.get("blas_threads") and command["blas_threads"] != state["blas_threads"]:
            blas.set_threads(command["blas_threads"])
            state["blas_threads"] = command["blas_threads"]

    def predict(x):
        with torch.inference_mode():
            return model((torch.from_numpy(x) - mean) / std).numpy()

    def caller(batch):
        batches = [inputs[i:i + batch] for i in range(0, len(inputs) - batch + 1, batch)]
        state["next"] = 0

        def call():
            i = state["next"]
            state["next"] = (i + 1) % len(batches)
            return predict(batches[i])
        return call

    def reply(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    reply({"ready": True, "torch": torch.__version__, "numpy": np.__version__, "openblas": blas.info(),
           "intra_op_threads": torch.get_num_threads(), "mkldnn": torch.backends.mkldnn.is_available()})
    for line in sys.stdin:
        command = json.loads(line)
        op = command["op"]
        try:
            if op == "quit":
                break
            settle(command)
            if op == "outputs":
                reply({"outputs": predict(inputs[:command["batch"]]).ravel().tolist()})
            elif op == "calibrate":
                call = caller(command["batch"])
                for _ in range(20):
                    call()
                start, calls = time.perf_counter(), 0
                while time.perf_counter() - start < command["millis"] / 10000 or calls < 3:
                    call()
                    calls += 1
                per_call = (time.perf_counter() - start) / calls
                reply({"calls": max(3, int(command["millis"] / 1000 / per_call))})
            elif op == "chunk":
                call = caller(command["batch"])
                start, cpu = time.perf_counter(), time.process_time()
                for _ in range(command["calls"]):
                    call()
                reply({"samples_per_second": command["calls"] * command["batch"] / (time.perf_counter() - start),
                       "cpu_us_per_call": (time.process_time() - cpu) * 1e6 / command["calls"],
                       "openblas_threads": blas.info().get("threads"), "intra_op_threads": torch.get_num_threads()})
            else:
                reply({"error": f"unknown op {op}"})
        except Exception as e:  # noqa: BLE001 - the Java side reports it
            reply({"error": repr(e)})


if __name__ == "__main__":
    main()
