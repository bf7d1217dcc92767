// Prints the sha256 of the multi-row-group table's streamed Parquet bytes, for a determinism check across processes.
import { sha256Hex } from "../../artifacts/digest.js";
import { multiRowGroupColumns, streamedParquet } from "../support/row-group-table.js";

process.stdout.write(`${sha256Hex(await streamedParquet(multiRowGroupColumns()))}\n`);
