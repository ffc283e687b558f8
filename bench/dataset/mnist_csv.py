#!/usr/bin/env python3
"""Writes MNIST's 60,000 training images as a CSV (784 pixel columns p0..p783, 0-255, then the label): the
133 MB MNIST-shaped file of the CSV upload benchmark, made from the repository's datasets/mnist.

    python3 bench/dataset/mnist_csv.py OUT.csv [MNIST_DIR]
"""
import gzip
import os
import struct
import sys

out_path = sys.argv[1]
mnist = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "..", "..", "datasets", "mnist")
with gzip.open(os.path.join(mnist, "train-images-idx3-ubyte.gz")) as images, \
        gzip.open(os.path.join(mnist, "train-labels-idx1-ubyte.gz")) as labels, \
        open(out_path, "w", encoding="ascii", newline="\n") as out:
    _, count, rows, cols = struct.unpack(">IIII", images.read(16))
    labels.read(8)
    out.write(",".join(f"p{i}" for i in range(rows * cols)) + ",label\n")
    for _ in range(count):
        pixels = images.read(rows * cols)
        out.write(",".join(map(str, pixels)) + "," + str(labels.read(1)[0]) + "\n")
