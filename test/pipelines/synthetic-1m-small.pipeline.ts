/** pipelines/synthetic-1m.ts's builder at test size: 4,000 planted patients, the same nodes and params otherwise. */
import { study } from "../../dsl/study.js";
import { buildSynthetic1m } from "../../pipelines/synthetic-1m.js";

export default study("synthetic-1m-small", (s) => buildSynthetic1m(s, 4_000));
