import { fileURLToPath } from "node:url";
import { Schema } from "effect";
import { UsageError } from "../dsl/errors.js";
import { inputRefs, isChannelInput, isSourceInput, type PlanInputRef } from "../dsl/plan.js";
import { toProjectPath } from "../engine/project.js";
import { planAsYaml } from "../engine/yaml-study.js";
import { commonOptions, parseCommand } from "./args.js";
import { builtInSteps } from "./built-in-steps.js";
import { loadPipeline, loadTimeoutHelp, LoadTimeoutFlags, loadTimeoutOptions } from "./load-pipeline.js";

export const planHelp = `Usage: strata plan <pipeline.ts | study.yaml> [--yaml | --json] [--load-timeout S]

Loads a study and prints its plan: the plan digest and every node with its step and inputs. Nothing runs.

Options:
  --yaml             print the study as a YAML study instead: \`strata run\` accepts it and builds the same plan
                     (same plan digest); only studies made of built-in steps can be written
  --json             print { study, pipeline, planDigest, plan }
${loadTimeoutHelp(19)}
  -h, --help         this help
`;

const Flags = Schema.Struct({ yaml: Schema.Boolean, json: Schema.Boolean, help: Schema.Boolean, ...LoadTimeoutFlags });

const describeRef = (ref: PlanInputRef): string =>
  isSourceInput(ref) ? `source ${ref.source}` : isChannelInput(ref) ? `channel ${ref.channel}` : `${ref.node}.${ref.output}`;

export const planCommand = async (argv: readonly string[]): Promise<number> => {
  const { flags, positionals } = parseCommand("plan", argv, { help: commonOptions.help, json: commonOptions.json, yaml: { type: "boolean", default: false }, ...loadTimeoutOptions }, Flags);
  if (flags.help) return void process.stdout.write(planHelp), 0;
  if (positionals.length !== 1) throw new UsageError({ problem: `strata plan: expected one pipeline file, got ${positionals.length}. Run \`strata plan --help\`.` });
  if (flags.yaml && flags.json) throw new UsageError({ problem: "strata plan: give --yaml or --json, not both" });
  const study = await loadPipeline(positionals[0]!, flags);
  const out = process.stdout;
  if (flags.yaml) {
    const yaml = planAsYaml(study.plan, await builtInSteps(), (step) => toProjectPath(study.root, fileURLToPath(step.definition.module)), study.pipeline);
    out.write(`# The YAML form of ${study.pipeline} (\`strata plan ${study.pipeline} --yaml\`); plan ${study.planDigest}\n${yaml}`);
    return 0;
  }
  if (flags.json) return void out.write(JSON.stringify({ study: study.plan.study, pipeline: study.pipeline, planDigest: study.planDigest, plan: study.plan }) + "\n"), 0;
  out.write(`study  ${study.plan.study} (${study.pipeline})\nplan   ${study.planDigest}\nnodes  ${study.plan.nodes.length}\n\n`);
  const width = Math.max(...study.plan.nodes.map((n) => n.id.length));
  for (const node of study.plan.nodes) {
    const inputs = Object.entries(node.inputs).map(([slot, input]) => `${slot} ← ${inputRefs(input).map(describeRef).join(", ")}`);
    out.write(`  ${node.id.padEnd(width)}  ${node.step}${node.seed === 0 ? "" : ` (seed ${node.seed})`}\n${inputs.map((i) => `  ${" ".repeat(width)}    ${i}\n`).join("")}`);
  }
  return 0;
};
