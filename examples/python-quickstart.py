#!/usr/bin/env python3
"""Iris from nothing to a prediction with the Python client (sdk/python): upload, define, train, follow, predict.

    pip install sdk/python                      # once; numpy, pandas and tqdm are optional
    python3 examples/python-quickstart.py [BASE_URL] [IRIS_CSV]

BASE_URL defaults to $CHAINRULE_URL, else http://localhost:8080; an API key is read from $CHAINRULE_API_KEY.
IRIS_CSV defaults to the repository's copy of iris (datasets/iris/iris.csv).
"""
import os
import sys
from pathlib import Path

import chainrule

ROOT = Path(__file__).resolve().parent.parent
SPECIES = ["setosa", "versicolor", "virginica"]


def default_iris() -> Path:
    return ROOT / "datasets" / "iris" / "iris.csv"


def main() -> None:
    base_url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("CHAINRULE_URL", chainrule.DEFAULT_URL)
    iris_csv = Path(sys.argv[2]) if len(sys.argv) > 2 else default_iris()

    with chainrule.Client(base_url) as client:
        print(f"service {client.base_url}: {client.health()}")

        # 1. The data: the CSV is streamed up (gzip-compressed on the way), its last column is the target.
        dataset = client.upload_dataset(iris_csv, name="iris")
        print(f"dataset {dataset.name}: {dataset.rows} rows, features {dataset.feature_columns},"
              f" classes {dataset.class_counts}")

        # 2. The network: 4 inputs -> 16 ReLU -> 3-way softmax.
        model = client.create_model(4, [(16, "relu"), (3, "softmax")], "cross_entropy", name="iris", seed=42)
        print(f"model {model.name}: {model.parameter_count} parameters, {model.training_state}")

        # 3. Train on the dataset with a fifth held out, and follow the job epoch by epoch.
        job = client.train(model, dataset=dataset, validation_split=0.2, epochs=40, batch_size=16,
                           learning_rate=0.01)

        def report(epoch: chainrule.Epoch) -> None:
            if epoch.epoch % 10 == 0:
                print(f"  epoch {epoch.epoch:3d}  loss {epoch.training_loss:.4f}"
                      f"  validation loss {epoch.validation_loss:.4f}"
                      f"  accuracy {epoch.validation_metrics['accuracy']:.3f}")

        job = client.wait(job, on_epoch=report, raise_on_failure=True)
        print(f"job {job.status}: version {job.version}, validation accuracy {job.final_metrics['accuracy']:.3f}")

        # 4. Predict three flowers it has not seen.
        flowers = [[5.0, 3.4, 1.5, 0.2], [6.4, 2.9, 4.3, 1.3], [7.7, 3.0, 6.1, 2.3]]
        for flower, p in zip(flowers, client.predict(model, flowers)):
            print(f"  {flower} -> {SPECIES[p.class_index]:<10}"
                  f" (p = {', '.join(f'{q:.3f}' for q in p.probabilities)})")


if __name__ == "__main__":
    main()
