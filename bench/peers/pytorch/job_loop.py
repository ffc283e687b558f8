#!/usr/bin/python3
"""PyTorch's side of bench/http/whole_job.sh: a whole training run in process, repeated on request.

    /usr/bin/python3 bench/peers/pytorch/job_loop.py [--data DIR] [--threads N] [--blas-threads N]

Loads MNIST's 60000 training images once (pixels / 255, float32; the load is timed and reported once), then
answers one JSON command per stdin line with one JSON line on stdout:

- {"op": "run", "epochs": 5}: a fresh model (784-256-128-10, ReLU, ReLU, linear + CrossEntropyLoss, He init,
  seed 42), plain SGD lr 0.1, minibatch 128, `epochs` shuffled epochs: mnist_mlp.py's training loop. Replies
  {"seconds": the loop's wall time from the model's construction to the end of the last epoch, "epochs": [...]}.
- {"op": "quit"}.

The training loop is mnist_mlp.py's own (build_model, train_epoch): the same code bench/run.sh compares.
Thread settings default to torch's own (the best configuration in bench/results/2026-11-22-pytorch.md).
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mnist_mlp  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", help="folder with MNIST's IDX .gz files (default: the repository's datasets/mnist)")
    p.add_argument("--threads", type=int, help="torch.set_num_threads (intra-op); default: torch's own")
    p.add_argument("--interop", type=int, help="torch.set_num_interop_threads; default: torch's own")
    p.add_argument("--blas-threads", type=int, help="OpenBLAS threads; default: as OpenBLAS starts")
    a = p.parse_args()
    a.label = "job-loop"
    defaults, blas, blas_defaults = mnist_mlp.set_threads(a)
    started = time.perf_counter()
    x, y, _, _ = mnist_mlp.load_mnist(mnist_mlp.mnist_folder(a), 60000)
    load_s = time.perf_counter() - started
    reply({"ready": True, "rows": int(x.shape[0]), "load_seconds": load_s, "torch": torch.__version__,
           "intra_op": torch.get_num_threads(), "openblas": blas.info(), "torch_defaults": defaults,
           "openblas_threads_at_start": blas_defaults})
    for line in sys.stdin:
        command = json.loads(line)
        if command.get("op") == "quit":
            break
        if command.get("op") != "run":
            reply({"error": f"unknown op {command.get('op')!r}"})
            continue
        t0 = time.perf_counter()
        model = mnist_mlp.build_model("he", 42)
        optimiser = torch.optim.SGD(model.parameters(), lr=0.1)
        loss_fn = nn.CrossEntropyLoss()
        generator = torch.Generator().manual_seed(42)
        epochs = []
        for _ in range(int(command.get("epochs", 5))):
            seconds, cpu, loss = mnist_mlp.train_epoch(model, optimiser, loss_fn, x, y, 128, generator)
            epochs.append({"seconds": seconds, "cpu_per_wall": cpu / seconds, "loss": loss})
        reply({"seconds": time.perf_counter() - t0, "epochs": epochs, "load": os.getloadavg()[0]})


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
