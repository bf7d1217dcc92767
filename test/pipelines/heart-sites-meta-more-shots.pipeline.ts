/** The reduced heart-sites-meta study with one more shot count (k = 20): only its cells, the summary and the report are new. */
import { study } from "../../dsl/study.js";
import { heartSitesMeta } from "../../pipelines/heart-sites-meta.js";
import { SMALL } from "./heart-sites-meta-small.pipeline.js";

export default study("heart-sites-meta-more-shots", (s) => {
  heartSitesMeta(s, { ...SMALL, shots: [...SMALL.shots, 20] });
});
