/** pipelines/rare-weighted.ts with one more rung on the utility-weight ladder (test/pipelines/rare-weighted.test.ts). */
import { study } from "../../dsl/study.js";
import { UTILITY_STRENGTHS, rareWeighted } from "../../pipelines/rare-weighted.js";

export default study("rare-weighted", (s) => rareWeighted(s, [...UTILITY_STRENGTHS, 2]));
