import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

type Entity = { "@id": string; "@type": string | string[]; [k: string]: unknown };
type Ref = { "@id": string };

const types = (e: Entity): string[] => (Array.isArray(e["@type"]) ? e["@type"] : [e["@type"]]);
const list = (v: unknown): Ref[] => (v === undefined ? [] : Array.isArray(v) ? (v as Ref[]) : [v as Ref]);

/**
 * Checks an ro-crate-metadata.json the way a consumer would, without network access (so no remote context
 * expansion): JSON-LD shape (@context with the RO-Crate 1.1 and workflow-run contexts, a flat @graph, unique
 * @ids, every {"@id"} reference resolving to an entity in the graph or to an absolute IRI), the RO-Crate 1.1
 * root and descriptor, and the MUSTs of the Process, Workflow and Provenance Run Crate 0.5 profiles. Also checks
 * that each File's payload sits in the crate folder under its @id and hashes to its sha256. Returns the problems.
 */
export const checkRunCrate = (dir: string): { problems: string[]; graph: Map<string, Entity> } => {
  const problems: string[] = [];
  const doc = JSON.parse(fs.readFileSync(path.join(dir, "ro-crate-metadata.json"), "utf8")) as { "@context": unknown; "@graph": Entity[] };
  const ctx = doc["@context"];
  if (!Array.isArray(ctx) || ctx[0] !== "https://w3id.org/ro/crate/1.1/context" || !ctx.includes("https://w3id.org/ro/terms/workflow-run/context")) {
    problems.push("@context must list the RO-Crate 1.1 context and the workflow-run context (which defines sha256)");
  }
  if (!Array.isArray(doc["@graph"])) return { problems: [...problems, "@graph is not an array"], graph: new Map() };
  const graph = new Map<string, Entity>();
  for (const e of doc["@graph"]) {
    if (typeof e["@id"] !== "string" || e["@type"] === undefined) problems.push(`entity without @id or @type: ${JSON.stringify(e).slice(0, 80)}`);
    if (graph.has(e["@id"])) problems.push(`duplicate @id ${e["@id"]}`);
    graph.set(e["@id"], e);
  }
  // Every reference resolves (flattened JSON-LD: nested objects are references only).
  const visit = (v: unknown, where: string): void => {
    if (Array.isArray(v)) return v.forEach((x) => visit(x, where));
    if (v === null || typeof v !== "object") return;
    const o = v as Record<string, unknown>;
    if (typeof o["@id"] === "string" && Object.keys(o).length === 1) {
      const id = o["@id"] as string;
      if (!graph.has(id) && !/^[a-z][a-z0-9+.-]*:/i.test(id)) problems.push(`${where} refers to ${id}, which is not in the graph`);
      return;
    }
    problems.push(`${where} nests an object that is not a reference`);
  };
  for (const e of graph.values()) for (const [k, v] of Object.entries(e)) if (!k.startsWith("@")) visit(v, `${e["@id"]}.${k}`);

  const get = (id: string | undefined, what: string): Entity | undefined => {
    const e = id === undefined ? undefined : graph.get(id);
    if (!e) problems.push(`missing ${what} (${id})`);
    return e;
  };
  const descriptor = get("ro-crate-metadata.json", "metadata descriptor");
  if (descriptor && list(descriptor["about"])[0]?.["@id"] !== "./") problems.push("descriptor must be about ./");
  if (descriptor && !list(descriptor["conformsTo"]).some((r) => r["@id"] === "https://w3id.org/ro/crate/1.1")) problems.push("descriptor must conform to RO-Crate 1.1");
  const root = get("./", "root data entity");
  if (!root) return { problems, graph };
  if (!types(root).includes("Dataset")) problems.push("root must be a Dataset");
  for (const k of ["name", "description", "datePublished"]) if (typeof root[k] !== "string") problems.push(`root needs ${k}`);
  // RO-Crate 1.1: a license, as text or a contextual entity.
  if (typeof root["license"] !== "string" && list(root["license"]).length !== 1) problems.push("root needs a license");
  const conforms = list(root["conformsTo"]).map((r) => r["@id"]);
  for (const p of ["https://w3id.org/ro/wfrun/process/0.5", "https://w3id.org/ro/wfrun/workflow/0.5", "https://w3id.org/ro/wfrun/provenance/0.5"]) {
    if (!conforms.includes(p)) problems.push(`root conformsTo lacks ${p}`);
    else if (!types(graph.get(p) ?? ({ "@type": "" } as Entity)).includes("CreativeWork")) problems.push(`${p} must be a CreativeWork entity`);
  }

  // Workflow Run Crate: mainEntity is the ComputationalWorkflow, run by a CreateAction.
  const wf = get(list(root["mainEntity"])[0]?.["@id"], "mainEntity workflow");
  if (wf) {
    for (const t of ["File", "SoftwareSourceCode", "ComputationalWorkflow", "HowTo"]) if (!types(wf).includes(t)) problems.push(`workflow @type lacks ${t}`);
    const tools = list(wf["hasPart"]);
    if (tools.length === 0) problems.push("workflow hasPart must list its tools");
    for (const t of tools) {
      const tool = graph.get(t["@id"]);
      if (tool && !types(tool).some((x) => ["SoftwareApplication", "SoftwareSourceCode", "ComputationalWorkflow"].includes(x))) problems.push(`tool ${t["@id"]} has the wrong type`);
    }
    for (const s of list(wf["step"])) {
      const step = graph.get(s["@id"]);
      if (!step || !types(step).includes("HowToStep")) problems.push(`workflow step ${s["@id"]} is not a HowToStep`);
      else if (!tools.some((t) => t["@id"] === list(step["workExample"])[0]?.["@id"])) problems.push(`HowToStep ${s["@id"]} workExample is not one of the workflow's tools`);
    }
  }
  const actions = [...graph.values()].filter((e) => types(e).includes("CreateAction"));
  const wfRuns = actions.filter((a) => list(a["instrument"])[0]?.["@id"] === wf?.["@id"]);
  if (wfRuns.length !== 1) problems.push(`expected one CreateAction with the workflow as instrument, found ${wfRuns.length}`);
  for (const a of actions) {
    if (list(a["instrument"]).length !== 1) problems.push(`CreateAction ${a["@id"]} needs one instrument`);
    const start = Date.parse(String(a["startTime"]));
    const end = Date.parse(String(a["endTime"]));
    if (!(start <= end)) problems.push(`CreateAction ${a["@id"]} needs a startTime no later than its endTime`);
    if (String(a["@id"]).startsWith("#run/") && !graph.has(list(a["agent"])[0]?.["@id"] ?? "")) problems.push(`node run ${a["@id"]} needs an agent in the graph`);
    if (!list(root["mentions"]).some((r) => r["@id"] === a["@id"])) problems.push(`CreateAction ${a["@id"]} is not in root mentions`);
  }
  // Provenance Run Crate: ControlAction -> HowToStep + CreateAction; OrganizeAction -> engine, ControlActions, wf run.
  const controls = [...graph.values()].filter((e) => types(e).includes("ControlAction"));
  for (const c of controls) {
    const step = graph.get(list(c["instrument"])[0]?.["@id"] ?? "");
    const run = graph.get(list(c["object"])[0]?.["@id"] ?? "");
    if (!step || !types(step).includes("HowToStep")) problems.push(`ControlAction ${c["@id"]} instrument is not a HowToStep`);
    if (!run || !types(run).includes("CreateAction")) problems.push(`ControlAction ${c["@id"]} object is not a CreateAction`);
  }
  const organize = [...graph.values()].filter((e) => types(e).includes("OrganizeAction"));
  if (organize.length !== 1) problems.push(`expected one OrganizeAction, found ${organize.length}`);
  for (const o of organize) {
    if (!graph.get(list(o["instrument"])[0]?.["@id"] ?? "")) problems.push("OrganizeAction needs the engine as instrument");
    if (list(o["result"])[0]?.["@id"] !== wfRuns[0]?.["@id"]) problems.push("OrganizeAction result must be the workflow run");
    const objs = list(o["object"]).map((r) => r["@id"]).sort();
    if (JSON.stringify(objs) !== JSON.stringify(controls.map((c) => c["@id"]).sort())) problems.push("OrganizeAction object must list every ControlAction");
  }
  // Files: @id = sha256 = digest of the payload beside the metadata.
  for (const f of [...graph.values()].filter((e) => types(e).includes("File"))) {
    if (f["sha256"] !== f["@id"]) problems.push(`File ${f["@id"]} has sha256 ${String(f["sha256"])}`);
    const payload = path.join(dir, f["@id"]);
    if (!fs.existsSync(payload)) problems.push(`File ${f["@id"]} has no payload in the crate`);
    else if (createHash("sha256").update(fs.readFileSync(payload)).digest("hex") !== f["@id"]) problems.push(`payload ${f["@id"]} does not hash to its name`);
  }
  return { problems, graph };
};

export const nodeRuns = (graph: Map<string, Entity>): Entity[] =>
  [...graph.values()].filter((e) => types(e).includes("CreateAction") && String(e["@id"]).startsWith("#run/"));

export const refIds = list;
