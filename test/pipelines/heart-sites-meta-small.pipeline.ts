/** pipelines/heart-sites-meta.ts reduced for tests: k 0 and 10, three seeds, Reptile and MAML, 100 meta-iterations. */
import { study } from "../../dsl/study.js";
import { heartSitesMeta } from "../../pipelines/heart-sites-meta.js";

export const SMALL = { shots: [0, 10], seeds: [1, 2, 3], methods: ["reptile", "maml"], iterations: 100 } as const;

export default study("heart-sites-meta-small", (s) => {
  heartSitesMeta(s, SMALL);
});
