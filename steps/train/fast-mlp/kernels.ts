/**
 * The fast MLP engine's WebAssembly kernels (assembly/kernels.ts) and the arena their arrays live in.
 *
 * One instance per thread (a step's worker thread trains one replicate at a time). The arena is a bump allocator in
 * the instance's memory: a training run takes a mark, allocates its weights, activations and data, and releases
 * the mark when it ends, so nothing is ever freed piecemeal and memory grows to the largest run only.
 */
import { KERNELS_WASM_BASE64 } from "./kernels-wasm.js";

type Ptr = number;

export interface Kernels {
  readonly gemm: (a: Ptr, ai: number, at: number, b: Ptr, c: Ptr, bias: Ptr, rows: number, t: number, m: number) => void;
  readonly transpose: (x: Ptr, out: Ptr, rows: number, cols: number) => void;
  readonly columnSums: (x: Ptr, out: Ptr, rows: number, cols: number) => void;
  readonly gatherRows: (src: Ptr, idx: Ptr, dst: Ptr, count: number, width: number) => void;
  readonly batchNormTrain: (z: Ptr, xhat: Ptr, invStd: Ptr, gamma: Ptr, beta: Ptr, mean: Ptr, variance: Ptr, rows: number, u: number, epsilon: number, decay: number) => void;
  readonly batchNormInfer: (z: Ptr, gamma: Ptr, beta: Ptr, mean: Ptr, variance: Ptr, rows: number, u: number, epsilon: number) => void;
  readonly batchNormBackward: (dOut: Ptr, xhat: Ptr, invStd: Ptr, gamma: Ptr, dz: Ptr, dGamma: Ptr, dBeta: Ptr, rows: number, u: number) => void;
  readonly addInPlace: (z: Ptr, t: Ptr, count: number) => void;
  readonly reluDropout: (s: Ptr, h: Ptr, mask: Ptr, count: number) => void;
  readonly reluDropoutBackward: (dh: Ptr, s: Ptr, mask: Ptr, ds: Ptr, count: number) => void;
  readonly sigmoid: (z: Ptr, count: number) => void;
  /** `w` is per-row sample weights, or 0 for the unweighted loss. */
  readonly sigmoidLogLossGrad: (z: Ptr, y: Ptr, w: Ptr, dz: Ptr, rows: number, epsilon: number) => void;
  readonly softmax: (z: Ptr, rows: number, g: number) => void;
  readonly softmaxCrossEntropyGrad: (z: Ptr, cls: Ptr, dz: Ptr, rows: number, g: number) => void;
  readonly adam: (theta: Ptr, grad: Ptr, m: Ptr, v: Ptr, count: number, lr: number, beta1: number, beta2: number, c1: number, c2: number, oneMinusAcc1: number, oneMinusAcc2: number, epsilon: number) => void;
}

const PAGE = 65536;

/** The parts of the WebAssembly API used here (the project's lib settings do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: object };
}
const wasm = (globalThis as unknown as { readonly WebAssembly: WasmApi }).WebAssembly;

/** A bump allocator of float32 / int32 arrays in the kernels' memory; pointers are byte offsets, 16-byte aligned. */
export class Arena {
  private top: number;

  constructor(
    private readonly memory: WasmMemory,
    base: number,
  ) {
    this.top = align(base);
  }

  /** Room for `count` 4-byte values; zero-filled. */
  alloc(count: number): Ptr {
    const ptr = this.reserve(count);
    new Uint8Array(this.memory.buffer, ptr, 4 * count).fill(0);
    return ptr;
  }

  /** Allocates and copies `values` in. */
  floats(values: ArrayLike<number>): Ptr {
    const ptr = this.reserve(values.length);
    this.f32(ptr, values.length).set(values);
    return ptr;
  }

  private reserve(count: number): Ptr {
    const ptr = this.top;
    const end = align(ptr + 4 * count);
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.top = end;
    return ptr;
  }

  /** A view of `count` float32 values at `ptr` (valid until the next allocation, which may grow the memory). */
  f32(ptr: Ptr, count: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, count);
  }

  /** A view of `count` int32 values at `ptr` (valid until the next allocation). */
  i32(ptr: Ptr, count: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, count);
  }

  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = mark;
  }
}

const align = (n: number): number => (n + 15) & ~15;

let instance: { kernels: Kernels; arena: Arena } | undefined;

/** The kernels and the arena of this thread, instantiated on first use (synchronously: the module is 4 KB). */
export const fastKernels = (): { readonly kernels: Kernels; readonly arena: Arena } => {
  if (instance === undefined) {
    const module = new wasm.Module(Buffer.from(KERNELS_WASM_BASE64, "base64"));
    const exports = new wasm.Instance(module, { env: { abort: kernelAbort } }).exports as unknown as Kernels & {
      memory: WasmMemory;
      heapBase: () => number;
    };
    instance = { kernels: exports, arena: new Arena(exports.memory, exports.heapBase()) };
  }
  return instance;
};

const kernelAbort = (): never => {
  throw new Error("fast MLP kernel aborted (a bug in steps/train/fast-mlp/assembly/kernels.ts)");
};

/**
 * Runs `fn` with the arena's allocations released afterwards (also on error): a training run's whole working set.
 * Results must be copied out of the arena before `fn` returns.
 */
export const withArena = <T>(fn: (arena: Arena, kernels: Kernels) => T): T => {
  const { kernels, arena } = fastKernels();
  const mark = arena.mark();
  try {
    return fn(arena, kernels);
  } finally {
    arena.release(mark);
  }
};
