import { canonicalJson } from "../../artifacts/canonical-json.js";
import type { PlanNode, StudyPlan } from "../../dsl/plan.js";

export interface PlanDifference {
  /** The node the difference is in; undefined for study-level differences. */
  readonly node?: string;
  readonly field: string;
  readonly before: string;
  readonly after: string;
}

const show = (v: unknown): string => (v === undefined ? "absent" : typeof v === "string" ? v : canonicalJson(v));

/** {a: {b: 1}} -> {"a.b": 1}; arrays stay whole, so a changed list shows as one field. */
const flatten = (value: unknown, prefix: string, out: Record<string, unknown>): Record<string, unknown> => {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    out[prefix] = value;
    return out;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) out[prefix] = value;
  for (const [k, v] of entries) flatten(v, `${prefix}.${k}`, out);
  return out;
};

const diffFields = (node: string, before: Record<string, unknown>, after: Record<string, unknown>): PlanDifference[] =>
  [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .sort()
    .filter((f) => canonicalJson(before[f] ?? null) !== canonicalJson(after[f] ?? null) || (f in before) !== (f in after))
    .map((field) => ({ node, field, before: show(before[field]), after: show(after[field]) }));

const nodeFields = (n: PlanNode): Record<string, unknown> => {
  const out: Record<string, unknown> = { step: n.step, module: n.module, seed: n.seed };
  flatten(n.params, "params", out);
  for (const [name, input] of Object.entries(n.inputs)) out[`inputs.${name}`] = input;
  for (const [name, kind] of Object.entries(n.outputs)) out[`outputs.${name}`] = kind;
  return out;
};

/**
 * What changed between a locked plan and the current one, node by node and field by field (params are flattened
 * so a changed param names its path, e.g. params.scale). Empty when the plans are equal.
 */
export const diffPlans = (before: StudyPlan, after: StudyPlan): PlanDifference[] => {
  const out: PlanDifference[] = [];
  if (before.study !== after.study) out.push({ field: "study name", before: before.study, after: after.study });
  const old = new Map(before.nodes.map((n) => [n.id, n]));
  const now = new Map(after.nodes.map((n) => [n.id, n]));
  for (const n of before.nodes) if (!now.has(n.id)) out.push({ node: n.id, field: "node", before: `${n.id} (${n.step})`, after: "removed" });
  for (const n of after.nodes) {
    const o = old.get(n.id);
    if (!o) out.push({ node: n.id, field: "node", before: "absent", after: `added ${n.id} (${n.step})` });
    else out.push(...diffFields(n.id, nodeFields(o), nodeFields(n)));
  }
  const order = (p: StudyPlan) => p.nodes.map((n) => n.id).filter((id) => old.has(id) && now.has(id));
  if (out.length === 0 && canonicalJson(order(before)) !== canonicalJson(order(after))) {
    out.push({ field: "node order", before: order(before).join(", "), after: order(after).join(", ") });
  }
  return out;
};

export const renderPlanDifference = (d: PlanDifference): string =>
  `${d.node !== undefined ? `node ${d.node}: ` : ""}${d.field}: ${d.before} → ${d.after}`;
