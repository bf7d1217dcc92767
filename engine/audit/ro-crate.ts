import * as fs from "node:fs";
import * as path from "node:path";
import { canonicalJson } from "../../artifacts/canonical-json.js";
import type { ContentStore } from "../../artifacts/store.js";
import { UsageError } from "../../dsl/errors.js";
import { artifactCodec, type HandleKind } from "../../dsl/handles.js";
import { inputRefs, isNodeInput, type StudyPlan } from "../../dsl/plan.js";
import type { RunManifest } from "../manifest.js";
import { isFolderSource } from "../source-input.js";

/**
 * A Workflow Run RO-Crate (RO-Crate 1.1) of one Strata run, following the Provenance Run Crate 0.5 profile:
 *
 *   root Dataset ──conformsTo──▶ process / workflow / provenance run crate 0.5, Workflow RO-Crate 1.0
 *       └─mainEntity─▶ the plan: File + SoftwareSourceCode + ComputationalWorkflow + HowTo
 *                         ├─hasPart─▶ one SoftwareApplication per step kind (tool), with FormalParameters
 *                         └─step────▶ one HowToStep per node (workExample: its tool, position: plan order)
 *   OrganizeAction (the engine run) ─instrument▶ Strata, ─object▶ ControlActions, ─result▶ the study CreateAction
 *   ControlAction per node ─instrument▶ HowToStep, ─object▶ the node's CreateAction
 *   CreateAction per node ─instrument▶ tool, ─object▶ input Files + params/seed PropertyValues, ─result▶ output Files
 *
 * Every File's @id and sha256 are its store digest; the crate folder holds each file under that name.
 */

export const RO_CRATE_CONTEXT = ["https://w3id.org/ro/crate/1.1/context", "https://w3id.org/ro/terms/workflow-run/context"] as const;
export const PROFILES = {
  process: "https://w3id.org/ro/wfrun/process/0.5",
  workflow: "https://w3id.org/ro/wfrun/workflow/0.5",
  provenance: "https://w3id.org/ro/wfrun/provenance/0.5",
  workflowRoCrate: "https://w3id.org/workflowhub/workflow-ro-crate/1.0",
} as const;

type Entity = { "@id": string; "@type": string | string[]; [k: string]: unknown };
const ref = (id: string) => ({ "@id": id });
const refs = (ids: Iterable<string>) => [...new Set(ids)].map(ref);
const COMPLETED = ref("http://schema.org/CompletedActionStatus");
/** Strata itself: the instrument of the engine run and the agent that performed every node's action. */
const ENGINE_ID = "#strata-engine";

const enc = (s: string) => encodeURIComponent(s);
const toolId = (kind: string) => `#tool/${enc(kind)}`;
const stepId = (node: string) => `#step/${enc(node)}`;
const runId = (node: string) => `#run/${enc(node)}`;
const controlId = (node: string) => `#control/${enc(node)}`;

const REPORT_MEDIA_TYPES: Readonly<Record<string, string>> = { html: "text/html", md: "text/markdown" };

const outputFormat = (kind: HandleKind, output: string): string => {
  const codec = artifactCodec(kind);
  if (codec === "parquet") return "application/vnd.apache.parquet";
  if (codec === "json") return "application/json";
  // A report output is named by its file's extension (dsl/handles.ts).
  return REPORT_MEDIA_TYPES[output] ?? "text/plain";
};

const sourceFormat = (file: string): string => {
  if (isFolderSource(file)) return "application/json"; // the folder's "strata-folder/1" listing
  const ext = path.extname(file).toLowerCase();
  return ({ ".csv": "text/csv", ".tsv": "text/tab-separated-values", ".json": "application/json", ".parquet": "application/vnd.apache.parquet", ".txt": "text/plain" } as Record<string, string>)[ext] ?? "application/octet-stream";
};

export interface CrateInput {
  readonly manifestDigest: string;
  readonly manifest: RunManifest;
  readonly plan: StudyPlan;
  /** Size in bytes of a stored object. */
  readonly size: (digest: string) => number;
  readonly engine: { readonly name: string; readonly version: string };
  /** The study's license, an SPDX id (its package.json `license`); undefined when it declares none. */
  readonly license?: string | undefined;
}

/**
 * The root dataset's license (RO-Crate 1.1 requires one): the study's own SPDX id, linked to its SPDX page, or,
 * when the study declares none, npm's "UNLICENSED": no license is granted, which is what an undeclared one means.
 */
const licenseOf = (license: string | undefined): { value: unknown; entities: Entity[] } => {
  if (license === undefined || license === "UNLICENSED" || !/^[A-Za-z0-9.+-]+$/.test(license)) return { value: license ?? "UNLICENSED", entities: [] };
  const id = `https://spdx.org/licenses/${license}`;
  return { value: ref(id), entities: [{ "@id": id, "@type": "CreativeWork", name: license, identifier: license }] };
};

/** The `license` of the study's package.json (its project root), or undefined when it declares none. */
export const studyLicense = (root: string): string | undefined => {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { license?: unknown };
    return typeof pkg.license === "string" ? pkg.license : undefined;
  } catch {
    return undefined;
  }
};

/** An npm package as a crate entity; an installed Strata's version carries its content digest ("0.1.0 sha256:…"). */
const npmPackage = (name: string, recorded: string): Entity => {
  const [version = recorded, content] = recorded.split(" ");
  return { "@id": `https://www.npmjs.com/package/${name}/v/${version}`, "@type": "SoftwareApplication", name, softwareVersion: version, ...(content ? { identifier: content } : {}) };
};

const endTime = (startedAt: string, seconds: number): string => new Date(new Date(startedAt).getTime() + Math.round(seconds * 1000)).toISOString();

/** Builds ro-crate-metadata.json as a plain object. Deterministic: same run, same crate. */
export const buildRunCrate = ({ manifestDigest, manifest: m, plan, size, engine, license }: CrateInput): { "@context": readonly string[]; "@graph": Entity[] } => {
  const files = new Map<string, Entity>();
  const file = (digest: string, props: Record<string, unknown>): void => {
    const prev = files.get(digest);
    if (prev) {
      const examples = [...((prev["exampleOfWork"] as { "@id": string }[]) ?? []), ...((props["exampleOfWork"] as { "@id": string }[]) ?? [])];
      prev["exampleOfWork"] = refs(examples.map((e) => e["@id"]));
      return;
    }
    files.set(digest, { "@id": digest, "@type": "File", sha256: digest, contentSize: String(size(digest)), ...props });
  };

  const planNodes = new Map(plan.nodes.map((n) => [n.id, n]));
  const consumed = new Set<string>();
  for (const n of plan.nodes) for (const input of Object.values(n.inputs)) for (const r of inputRefs(input)) if (isNodeInput(r)) consumed.add(`${r.node}\u0000${r.output}`);

  // Tools: one per step kind, with formal parameters for its inputs, outputs, params and seed.
  const tools = new Map<string, Entity>();
  const params: Entity[] = [];
  const packages = new Map<string, Entity>();
  const formal = (id: string, name: string, additionalType: string, extra: Record<string, unknown> = {}) => {
    if (!params.some((p) => p["@id"] === id)) params.push({ "@id": id, "@type": "FormalParameter", name, additionalType, ...extra });
    return ref(id);
  };
  for (const n of m.nodes) {
    if (tools.has(n.step)) continue;
    const pn = planNodes.get(n.id);
    const t = toolId(n.step);
    const inputNames = Object.keys(n.components.inputs).sort();
    const outputNames = Object.keys(pn?.outputs ?? n.outputs).sort();
    const requirements = Object.entries(n.code.packages).map(([name, version]) => npmPackage(name, version));
    for (const p of requirements) packages.set(p["@id"], p);
    tools.set(n.step, {
      "@id": t,
      "@type": "SoftwareApplication",
      name: n.step,
      description: `Strata step ${n.step}, defined in ${n.module}; its version is the digest of the module's import closure and package versions.`,
      softwareVersion: n.components.codeDigest,
      input: [
        ...inputNames.map((i) => formal(`${t}/input/${enc(i)}`, i, "File")),
        formal(`${t}/param/params`, "params", "PropertyValue", { description: "the step's params as canonical JSON" }),
        formal(`${t}/param/seed`, "seed", "Integer"),
      ],
      output: outputNames.map((o) => formal(`${t}/output/${enc(o)}`, o, "File")),
      softwareRequirements: refs(requirements.map((p) => p["@id"])),
    });
  }

  const workflowInputs: { "@id": string }[] = [];
  const workflowOutputs: { "@id": string }[] = [];
  const steps: Entity[] = [];
  const controls: Entity[] = [];
  const runs: Entity[] = [];
  const values: Entity[] = [];
  const studySources: string[] = [];
  const studyResults: string[] = [];

  m.nodes.forEach((n, position) => {
    const t = toolId(n.step);
    const inputFiles: string[] = [];
    for (const [name, v] of Object.entries(n.components.inputs)) {
      const source = n.sources[name];
      for (const d of typeof v === "string" ? [v] : v) {
        inputFiles.push(d);
        if (source && source.digest === d) {
          const wfParam = formal(`#plan/input/${enc(source.path)}`, source.path, "File", { description: `raw file read by node ${n.id}` });
          if (!workflowInputs.some((w) => w["@id"] === wfParam["@id"])) workflowInputs.push(wfParam);
          file(d, { name: path.posix.basename(source.path), alternateName: source.path, encodingFormat: sourceFormat(source.path), description: isFolderSource(source.path) ? `listing (strata-folder/1) of the files in raw input folder ${source.path}` : `raw input file ${source.path}`, exampleOfWork: [wfParam, ref(`${t}/input/${enc(name)}`)] });
          studySources.push(d);
        } else {
          file(d, { exampleOfWork: [ref(`${t}/input/${enc(name)}`)] });
        }
      }
    }
    const outputFiles: string[] = [];
    for (const [name, o] of Object.entries(n.outputs).sort(([a], [b]) => (a < b ? -1 : 1))) {
      outputFiles.push(o.digest);
      const examples = [ref(`${t}/output/${enc(name)}`)];
      if (!consumed.has(`${n.id}\u0000${name}`)) {
        const wfOut = formal(`#plan/output/${enc(n.id)}/${enc(name)}`, `${n.id}.${name}`, "File");
        workflowOutputs.push(wfOut);
        examples.push(wfOut);
        studyResults.push(o.digest);
      }
      file(o.digest, {
        name: `${n.id}.${name}`,
        encodingFormat: outputFormat(o.kind, name),
        description: `${o.kind} output "${name}" of node ${n.id} (${n.step})${o.logicalDigest ? `; logical digest ${o.logicalDigest}` : ""}`,
        exampleOfWork: examples,
      });
    }
    const pv = `#params/${enc(n.id)}`;
    const sv = `#seed/${enc(n.id)}`;
    values.push({ "@id": pv, "@type": "PropertyValue", name: "params", value: canonicalJson(n.components.params), exampleOfWork: ref(`${t}/param/params`) });
    values.push({ "@id": sv, "@type": "PropertyValue", name: "seed", value: String(n.components.seed), exampleOfWork: ref(`${t}/param/seed`) });
    steps.push({ "@id": stepId(n.id), "@type": "HowToStep", name: n.id, position, workExample: ref(t) });
    runs.push({
      "@id": runId(n.id),
      "@type": "CreateAction",
      name: `Run of node ${n.id} (${n.step})`,
      description: n.cached
        ? `Served from the cache under key ${n.key}: the outputs of an earlier execution with the same code, params, inputs, environment and seed.`
        : `Executed under cache key ${n.key} in ${n.seconds.toFixed(3)} s.`,
      instrument: ref(t),
      agent: ref(ENGINE_ID),
      object: [...refs(inputFiles), ref(pv), ref(sv)],
      result: refs(outputFiles),
      // Manifests written before nodes recorded their start give the run's start instead.
      startTime: n.startedAt ?? m.startedAt,
      endTime: endTime(n.startedAt ?? m.startedAt, n.seconds),
      actionStatus: COMPLETED,
    });
    controls.push({ "@id": controlId(n.id), "@type": "ControlAction", name: `orchestrate ${n.id}`, instrument: ref(stepId(n.id)), object: ref(runId(n.id)), actionStatus: COMPLETED });
  });

  const env = Object.entries(m.environment.components).map(([k, v]) => `${k}=${v}`).join(", ");
  const ended = endTime(m.startedAt, m.seconds);
  const crateLicense = licenseOf(license);
  const graph: Entity[] = [
    { "@id": "ro-crate-metadata.json", "@type": "CreativeWork", about: ref("./"), conformsTo: [ref("https://w3id.org/ro/crate/1.1"), ref(PROFILES.workflowRoCrate)] },
    {
      "@id": "./",
      "@type": "Dataset",
      name: `Strata run of study ${m.study}`,
      description: `Provenance of one run of the Strata study ${m.study} (${m.pipeline}): the plan, every node execution, and every input and output file, each named by its sha256 digest. Run manifest ${manifestDigest}.`,
      datePublished: m.startedAt,
      license: crateLicense.value,
      conformsTo: [ref(PROFILES.process), ref(PROFILES.workflow), ref(PROFILES.provenance), ref(PROFILES.workflowRoCrate)],
      mainEntity: ref(m.planDigest),
      hasPart: refs([m.planDigest, manifestDigest, ...files.keys()]),
      mentions: refs(["#study-run", "#engine-run", ...runs.map((r) => r["@id"])]),
    },
    ...crateLicense.entities,
    { "@id": PROFILES.process, "@type": "CreativeWork", name: "Process Run Crate", version: "0.5" },
    { "@id": PROFILES.workflow, "@type": "CreativeWork", name: "Workflow Run Crate", version: "0.5" },
    { "@id": PROFILES.provenance, "@type": "CreativeWork", name: "Provenance Run Crate", version: "0.5" },
    { "@id": PROFILES.workflowRoCrate, "@type": "CreativeWork", name: "Workflow RO-Crate", version: "1.0" },
    {
      "@id": m.planDigest,
      "@type": ["File", "SoftwareSourceCode", "ComputationalWorkflow", "HowTo"],
      name: `${m.study} (Strata study plan)`,
      description: `The plan of study ${m.study}, declared in ${m.pipeline}: its nodes in topological order, with their step, params, inputs and seed.`,
      sha256: m.planDigest,
      contentSize: String(size(m.planDigest)),
      encodingFormat: "application/json",
      programmingLanguage: ref("#strata-plan"),
      hasPart: refs([...tools.values()].map((t) => t["@id"])),
      step: refs(steps.map((s) => s["@id"])),
      input: workflowInputs,
      output: workflowOutputs,
    },
    { "@id": "#strata-plan", "@type": "ComputerLanguage", name: "Strata study plan", alternateName: "strata-plan/1", version: "1" },
    { "@id": manifestDigest, "@type": "File", name: "Strata run manifest", description: "Every cache-key component, hit or miss, output digest, seed and timing of this run.", sha256: manifestDigest, contentSize: String(size(manifestDigest)), encodingFormat: "application/json", about: ref("#study-run") },
    ...tools.values(),
    ...params,
    ...packages.values(),
    ...steps,
    { "@id": ENGINE_ID, "@type": "SoftwareApplication", name: engine.name, softwareVersion: engine.version },
    {
      "@id": "#engine-run",
      "@type": "OrganizeAction",
      name: `Run of ${engine.name} ${engine.version} (${m.executor} executor)`,
      instrument: ref(ENGINE_ID),
      agent: ref(ENGINE_ID),
      object: refs(controls.map((c) => c["@id"])),
      result: ref("#study-run"),
      startTime: m.startedAt,
      endTime: ended,
      actionStatus: COMPLETED,
    },
    {
      "@id": "#study-run",
      "@type": "CreateAction",
      name: `Run of study ${m.study}`,
      description: `Environment (keyed): ${env}. Host (recorded, not keyed): ${m.host.hostname}, ${m.host.platform}, Node ${m.host.node}.`,
      instrument: ref(m.planDigest),
      object: refs(studySources),
      result: refs(studyResults),
      startTime: m.startedAt,
      endTime: ended,
      actionStatus: COMPLETED,
    },
    ...controls,
    ...runs,
    ...values,
    ...files.values(),
  ];
  return { "@context": RO_CRATE_CONTEXT, "@graph": graph };
};

/** Digests of every File entity of a crate (the payload that has to sit beside ro-crate-metadata.json). */
export const crateFiles = (crate: { "@graph": readonly Entity[] }): string[] =>
  crate["@graph"].filter((e) => (Array.isArray(e["@type"]) ? e["@type"] : [e["@type"]]).includes("File")).map((e) => e["@id"]);

/**
 * Writes DIR/ro-crate-metadata.json and, beside it, every file the crate names (under its digest), each read
 * through the store's digest check.
 */
export const writeRunCrate = (
  store: ContentStore,
  manifestDigest: string,
  manifest: RunManifest,
  dir: string,
  engine: CrateInput["engine"],
  license?: string,
): { dir: string; metadata: string; files: number } => {
  if (store.check(manifest.planDigest) !== undefined) {
    throw new UsageError({ problem: `strata export --ro-crate: the plan ${manifest.planDigest} of this run is not (intact) in ${store.root}; the crate needs it as its workflow` });
  }
  const plan = JSON.parse(new TextDecoder().decode(store.get(manifest.planDigest))) as StudyPlan;
  const target = path.resolve(dir);
  fs.mkdirSync(target, { recursive: true });
  const read = new Map<string, Uint8Array>();
  const bytes = (d: string): Uint8Array => {
    let b = read.get(d);
    if (!b) read.set(d, (b = store.get(d)));
    return b;
  };
  const crate = buildRunCrate({ manifestDigest, manifest, plan, size: (d) => bytes(d).length, engine, license });
  const digests = crateFiles(crate);
  for (const d of digests) fs.writeFileSync(path.join(target, d), bytes(d));
  const metadata = path.join(target, "ro-crate-metadata.json");
  fs.writeFileSync(metadata, JSON.stringify(crate, null, 2) + "\n");
  return { dir: target, metadata, files: digests.length };
};
