"""Baselines for bench/scale.ts (bench only, not part of Strata): scikit-learn's logistic regression on the same
protocol shape, and pyarrow's Parquet writer and CSV reader. Prints one JSON object.

Usage: python3 bench/scale_baselines.py <prepared.parquet> <cohort.csv> [replicates]
  prepared.parquet: the encoded cohort with a 0/1 "target" column (bench/scale.ts writes it with DuckDB).
"""
import json
import os
import sys
import time

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import sklearn
from sklearn.linear_model import LogisticRegression

FEATURES = ["age", "sex", "cp", "trestbps", "chol", "fbs", "restecg", "thalach", "exang", "oldpeak", "slope", "ca", "thal"]


def timed(f):
    t = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t


def logreg(prepared, replicates):
    table = pq.read_table(prepared)
    x = np.column_stack([table.column(f).to_numpy().astype(np.float64) for f in FEATURES])
    y = table.column("target").to_numpy()
    n = len(y)
    rng = np.random.default_rng(1)
    test = rng.random(n) < 0.2
    fold = rng.integers(0, 5, n)

    def fit_all():
        for r in range(replicates):
            train = ~test & (fold != r % 5)
            mean, sd = x[train].mean(axis=0), x[train].std(axis=0, ddof=1)
            # Strata's objective: sum of log losses + (l2 / 2) |w|^2 with l2 = 1, i.e. sklearn's C = 1.
            model = LogisticRegression(C=1.0, solver="lbfgs", max_iter=100, tol=1e-6)
            model.fit((x[train] - mean) / sd, y[train])
            model.predict_proba((x[test] - mean) / sd)

    _, seconds = timed(fit_all)
    return {"rows": n, "replicates": replicates, "seconds": seconds}


def write_floats(rows=1_000_000, cols=20):
    rng = np.random.default_rng(1)
    table = pa.table({f"x{j}": rng.random(rows) for j in range(cols)})
    path = "/tmp/strata-bench-pyarrow.parquet"
    def once():
        cpu = time.process_time()
        seconds = timed(lambda: pq.write_table(table, path, compression="zstd", row_group_size=1 << 20))[1]
        return {"seconds": seconds, "cpuSeconds": time.process_time() - cpu}

    runs = [once() for _ in range(3)]
    size = os.path.getsize(path)
    os.remove(path)
    # Best by CPU seconds, as bench/scale-write.ts picks Strata's: the machine is shared.
    return {"rows": rows, "columns": cols, "first": runs[0], "best": min(runs, key=lambda r: r["cpuSeconds"]), "bytes": size}


def csv_to_parquet(csv):
    names = FEATURES + ["num"]
    opts = pacsv.ConvertOptions(column_types={n: pa.float64() for n in names}, null_values=["?"])
    path = "/tmp/strata-bench-pyarrow-csv.parquet"

    def run():
        t = pacsv.read_csv(csv, read_options=pacsv.ReadOptions(column_names=names), convert_options=opts)
        pq.write_table(t, path, compression="zstd")

    _, seconds = timed(run)
    os.remove(path)
    return {"seconds": seconds}


if __name__ == "__main__":
    prepared, csv = sys.argv[1], sys.argv[2]
    replicates = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    print(json.dumps({
        "versions": {"sklearn": sklearn.__version__, "pyarrow": pa.__version__, "numpy": np.__version__},
        "logreg": logreg(prepared, replicates),
        "writeFloats": write_floats(),
        "csvToParquet": csv_to_parquet(csv),
    }))
