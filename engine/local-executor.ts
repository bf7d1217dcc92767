import * as os from "node:os";
import { Deferred, Effect, Semaphore } from "effect";
import { dependantModules, nodeDependencies, type PlanNode, type StudyPlan } from "../dsl/plan.js";
import { runNode, type EngineContext, type NodeEvents, type NodeFailure, type NodeResult } from "./node-runner.js";

export interface LocalRunOptions {
  /** How many nodes may execute at once; defaults to the number of cores. */
  readonly concurrency?: number;
  readonly useCache?: boolean;
  readonly events: NodeEvents & { finished(result: NodeResult): void };
}

export const defaultConcurrency = (): number => Math.max(1, os.availableParallelism());

/**
 * Runs a plan on this machine: every node waits for the nodes it reads from, then takes one of `concurrency`
 * permits and runs. The first failure interrupts the rest (structured concurrency); finished nodes stay in the
 * store, so the next run resumes from them.
 */
export const runPlanLocally = (
  ctx: EngineContext,
  plan: StudyPlan,
  options: LocalRunOptions,
): Effect.Effect<readonly NodeResult[], NodeFailure> =>
  Effect.gen(function* () {
    const permits = yield* Semaphore.make(options.concurrency ?? defaultConcurrency());
    const done = new Map<string, Deferred.Deferred<NodeResult, NodeFailure>>();
    for (const node of plan.nodes) done.set(node.id, yield* Deferred.make<NodeResult, NodeFailure>());
    const finished = new Map<string, NodeResult>();
    // A node that runs (not cached) will be followed by the nodes that read from it: their step modules are
    // imported by the pool's idle threads meanwhile.
    const started = (node: PlanNode) => {
      options.events.started(node);
      ctx.pool.warm(ctx.root, dependantModules(plan, node.id));
    };
    const events = { ...options.events, started };

    const runOne = (index: number) =>
      Effect.gen(function* () {
        const node = plan.nodes[index]!;
        for (const dep of nodeDependencies(node)) yield* Deferred.await(done.get(dep)!);
        const upstream = (id: string, output: string) => finished.get(id)!.outputs[output]!.digest;
        const result = yield* Semaphore.withPermit(permits, runNode(ctx, node, upstream, { useCache: options.useCache ?? true, events }));
        finished.set(node.id, result);
        options.events.finished(result);
        yield* Deferred.succeed(done.get(node.id)!, result);
        return result;
      }).pipe(Effect.onError((cause) => Deferred.failCause(done.get(plan.nodes[index]!.id)!, cause)));

    return yield* Effect.forEach(plan.nodes.map((_, i) => i), runOne, { concurrency: "unbounded" });
  });
