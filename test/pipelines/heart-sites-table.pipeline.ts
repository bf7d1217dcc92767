/** The four-site table and its per-centre split alone (pipelines/heart-sites-common.ts), for the golden test. */
import { study } from "../../dsl/study.js";
import { heartSites } from "../../pipelines/heart-sites-common.js";

export default study("heart-sites-table", (s) => {
  heartSites(s);
});
