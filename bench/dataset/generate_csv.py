"""Writes a numeric CSV of about the asked size for the dataset upload benchmark: a header, then rows of
float features (6 significant digits, like a typical export) and an integer class id 0..9 as the last column.
Seeded, so every run uploads the same bytes.

    python3 bench/dataset/generate_csv.py OUT.csv [MEGABYTES=200] [FEATURES=32]
"""
import random
import sys

out_path = sys.argv[1]
megabytes = float(sys.argv[2]) if len(sys.argv) > 2 else 200.0
features = int(sys.argv[3]) if len(sys.argv) > 3 else 32
target_bytes = int(megabytes * 1_000_000)
rng = random.Random(20261122)
written = 0
with open(out_path, "w", encoding="ascii", newline="\n") as out:
    header = ",".join(f"f{j}" for j in range(features)) + ",label\n"
    out.write(header)
    written += len(header)
    lines = []
    while written < target_bytes:
        row = ",".join(f"{rng.gauss(0.0, 10.0):.6g}" for _ in range(features)) + f",{rng.randrange(10)}\n"
        lines.append(row)
        written += len(row)
        if len(lines) == 10_000:
            out.write("".join(lines))
            lines.clear()
    out.write("".join(lines))
