import * as v8 from "node:v8";
import { Worker } from "node:worker_threads";
import { DataError, UsageError } from "../dsl/errors.js";
import type { OutputRecord, StepEvents, StepTask, StepTaskResult } from "./step-host.js";
import type { WorkerMessage, WorkerRequest } from "./step-worker-loop.js";
import { appendTrace, traceFile, traceLine } from "./step-trace.js";
import { fromWireError } from "./wire-errors.js";

interface Pending {
  readonly taskId: number;
  readonly task: StepTask;
  readonly events: StepEvents;
  readonly resolve: (result: StepTaskResult) => void;
  readonly reject: (e: Error) => void;
  readonly signal: AbortSignal | undefined;
  readonly queued: number;
}

interface Slot {
  readonly id: number;
  readonly worker: Worker;
  current: Pending | undefined;
  started: number;
  /** The step module this thread is importing ahead of its task (see warm), if any. */
  warming: string | undefined;
  /** Step modules this thread has imported: a task of one of them skips the import. */
  readonly loaded: Set<string>;
}

interface WarmModule {
  readonly root: string;
  readonly module: string;
}

const WORKER_ENTRY = new URL("./step-worker.mjs", import.meta.url);

/**
 * A pool of worker threads that run steps, so CPU work never blocks the thread that schedules, reports progress
 * or (on Temporal) heartbeats. All its threads start with the first task and are reused; aborting a task terminates its worker.
 */
export class StepPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private nextSlotId = 1;
  private closed = false;
  private readonly trace = traceFile();
  private readonly toWarm: WarmModule[] = [];

  private readonly heapMb: number | undefined = stepHeapMb();

  constructor(readonly size: number) {
    if (size < 1) throw new Error("a step pool needs at least one worker");
  }

  run(task: StepTask, events: StepEvents, signal?: AbortSignal): Promise<StepTaskResult> {
    if (this.closed) return Promise.reject(new Error("step pool is closed"));
    return new Promise((resolve, reject) => {
      const pending: Pending = { taskId: this.nextId++, task, events, resolve, reject, signal, queued: Date.now() };
      if (signal?.aborted) return reject(abortError());
      signal?.addEventListener("abort", () => this.abort(pending), { once: true });
      this.queue.push(pending);
      this.dispatch();
    });
  }

  /** Runs a phase that ends with the node's outputs ("whole", "combine", or "plan" of a step without units). */
  async outputs(task: StepTask, events: StepEvents, signal?: AbortSignal): Promise<Record<string, OutputRecord>> {
    const result = await this.run(task, events, signal);
    if (result.kind !== "outputs") throw new Error(`step ${task.step} answered its ${task.phase.kind} phase with ${result.kind}, not outputs`);
    return result.outputs;
  }

  /**
   * Starts every thread now rather than with the first task: for a long-lived process (a Temporal worker), whose
   * first task should not wait for a thread's start-up.
   */
  start(): void {
    while (this.slots.length < this.size) this.spawn();
  }

  /**
   * Step modules that tasks will need soon (the nodes that read from one that runs). A thread with no task imports
   * them one at a time, so the import (transpiling and evaluating a step's module graph: up to a few hundred ms)
   * happens while the thread would wait, not when the node's task arrives; tasks go to a thread that has their
   * module already. Starts no thread: a run whose nodes are all cached imports nothing.
   */
  warm(root: string, modules: readonly string[]): void {
    for (const module of modules) if (!this.toWarm.some((w) => w.module === module)) this.toWarm.push({ root, module });
    this.warmIdleThreads();
  }

  /** Tells every worker thread that node `nodeKey` is finished, so none keeps its prepared state (step-host.ts). */
  release(nodeKey: string): void {
    for (const slot of this.slots) slot.worker.postMessage({ release: nodeKey } satisfies WorkerRequest);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error("step pool closed before the task started"));
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private dispatch(): void {
    // Every thread starts with the first task, not when a task first finds them all busy: a thread's start-up
    // (the preloaded packages, the TypeScript hooks: about a second) then overlaps the serial nodes at the start of
    // a study instead of delaying the first node that could use two threads.
    if (this.queue.length > 0) while (this.slots.length < this.size) this.spawn();
    while (this.queue.length > 0) {
      const slot = this.freeSlotFor(this.queue[0]!.task.module);
      if (!slot) break;
      const next = this.queue.shift()!;
      slot.current = next;
      slot.started = Date.now();
      slot.worker.postMessage({ taskId: next.taskId, task: next.task } satisfies WorkerRequest);
    }
    this.warmIdleThreads();
  }

  /**
   * A thread without a task: one that has run tasks before, then one that has the module, then one not importing
   * another module. A thread's first task pays for its first use of the code (compiling, parquet-wasm, the heap's
   * growth: seconds at 10^6 rows), more than a step module's import, so a chain of nodes stays on one thread and a
   * thread that has only warmed modules takes tasks when the others are busy (a node's units, parallel nodes).
   */
  private freeSlotFor(module: string): Slot | undefined {
    const free = this.slots.filter((s) => s.current === undefined);
    const rank = (s: Slot) => (s.started > 0 ? 0 : 4) + (s.loaded.has(module) ? 0 : 2) + (s.warming === undefined ? 0 : 1);
    return free.sort((a, b) => rank(a) - rank(b) || a.id - b.id)[0];
  }

  /** Gives each thread with nothing to do the next module to warm that it has not imported. Tasks go first. */
  private warmIdleThreads(): void {
    if (this.queue.length > 0) return;
    for (const slot of this.slots) {
      if (slot.current !== undefined || slot.warming !== undefined) continue;
      const next = this.toWarm.find((w) => !slot.loaded.has(w.module));
      if (next === undefined) continue;
      slot.warming = next.module;
      slot.worker.postMessage({ warm: next } satisfies WorkerRequest);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_ENTRY, this.heapMb === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: this.heapMb } });
    const slot: Slot = { id: this.nextSlotId++, worker, current: undefined, started: 0, warming: undefined, loaded: new Set() };
    worker.on("message", (m: WorkerMessage) => this.onMessage(slot, m));
    worker.on("error", (e) => this.retire(slot, e instanceof Error ? e : new Error(String(e))));
    worker.on("exit", (code) => this.retire(slot, new Error(`step worker exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  private onMessage(slot: Slot, m: WorkerMessage): void {
    if (m.type === "warmed") {
      slot.warming = undefined;
      slot.loaded.add(m.module);
      return this.dispatch();
    }
    const p = slot.current;
    if (!p || p.taskId !== m.taskId) return;
    switch (m.type) {
      case "log":
        return p.events.log(m.message);
      case "progress":
        return p.events.progress(m.done, m.total);
      case "done":
        this.finished(slot, p, true);
        p.resolve(m.result);
        return this.dispatch();
      case "failed":
        this.finished(slot, p, false);
        p.reject(fromWireError(m.error));
        return this.dispatch();
    }
  }

  private finished(slot: Slot, p: Pending, ok: boolean): void {
    slot.current = undefined;
    slot.loaded.add(p.task.module);
    if (this.trace !== undefined) appendTrace(this.trace, traceLine(p.task, slot.id, p.queued, slot.started, ok));
  }

  /** A worker that died or was terminated: fail its task, drop it, and let a fresh one take the queue. */
  private retire(slot: Slot, error: Error): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    this.slots.splice(i, 1);
    const p = slot.current;
    slot.current = undefined;
    p?.reject((error as NodeJS.ErrnoException).code === "ERR_WORKER_OUT_OF_MEMORY" ? outOfMemory(p.task, this.heapMb) : error);
    if (!this.closed) this.dispatch();
  }

  private abort(p: Pending): void {
    const queued = this.queue.indexOf(p);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      return p.reject(abortError());
    }
    const slot = this.slots.find((s) => s.current === p);
    if (!slot) return;
    slot.current = undefined;
    p.reject(abortError());
    this.slots.splice(this.slots.indexOf(slot), 1);
    void slot.worker.terminate();
    this.dispatch();
  }
}

const abortError = (): Error => Object.assign(new Error("step cancelled"), { name: "AbortError" });

/**
 * STRATA_STEP_HEAP_MB: the JavaScript heap of each step thread, in MB (unset: Node's default, or what
 * NODE_OPTIONS=--max-old-space-size gives every thread). Typed arrays live outside it, so it bounds a thread's
 * objects, not all its memory.
 */
const stepHeapMb = (): number | undefined => {
  const raw = process.env.STRATA_STEP_HEAP_MB;
  if (raw === undefined || raw === "") return undefined;
  const mb = Number(raw);
  if (!Number.isInteger(mb) || mb < 16) throw new UsageError({ problem: `STRATA_STEP_HEAP_MB=${raw}: expected a whole number of MB, at least 16 (the JavaScript heap of each step thread), or leave it unset` });
  return mb;
};

/** A step that exhausted its thread's heap (exit 1): which node, how much it had, and what to do. */
const outOfMemory = (task: StepTask, heapMb: number | undefined): DataError => {
  const limitMb = heapMb ?? Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20);
  const more = Math.max(4096, 2 * limitMb);
  return new DataError({
    node: task.nodeId,
    step: task.step,
    problem: `ran out of memory: its step thread used the whole JavaScript heap (about ${limitMb} MB). Give each step thread more with STRATA_STEP_HEAP_MB=${more} (or NODE_OPTIONS=--max-old-space-size=${more}) if the machine has the memory; otherwise run fewer threads at once (--concurrency 1: each thread running a unit holds its own copy of the node's data) or run the study on less data`,
  });
};
