"""pyarrow's Parquet write of the tables bench/write-options.ts made, per codec (bench only, not part of Strata).
Writes to memory, row groups of 2^20 rows, best of three by CPU seconds (the machine is shared). Prints one JSON object.

Usage: python3 bench/write_options_baseline.py <randomFloats.parquet> <cohort.parquet> <distinctStructured.parquet>
"""
import json
import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq

CODECS = ["zstd", "lz4", "snappy", "none"]


def write_seconds(table, codec):
    def once():
        sink = pa.BufferOutputStream()
        t, c = time.perf_counter(), time.process_time()
        pq.write_table(table, sink, compression=codec, row_group_size=1 << 20)
        return {"seconds": time.perf_counter() - t, "cpuSeconds": time.process_time() - c, "bytes": sink.getvalue().size}

    return min((once() for _ in range(3)), key=lambda r: r["cpuSeconds"])


if __name__ == "__main__":
    out = {"pyarrow": pa.__version__}
    for name, path in zip(["randomFloats", "cohort", "distinctStructured"], sys.argv[1:4]):
        table = pq.read_table(path)
        out[name] = {codec: write_seconds(table, codec) for codec in CODECS}
    print(json.dumps(out))
