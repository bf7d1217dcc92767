import type { ContentStore } from "../artifacts/store.js";

export interface VerifyReport {
  readonly checked: number;
  readonly bad: readonly { readonly digest: string; readonly problem: string }[];
  readonly strayFiles: readonly string[];
}

/** Re-hashes every object in the store; names each one whose bytes no longer match its name. */
export const verifyStore = (store: ContentStore, onProgress?: (done: number, total: number) => void): VerifyReport => {
  const digests = store.listObjects();
  const bad: { digest: string; problem: string }[] = [];
  digests.forEach((digest, i) => {
    const problem = store.check(digest);
    if (problem) bad.push({ digest, problem: problem.message });
    onProgress?.(i + 1, digests.length);
  });
  return { checked: digests.length, bad, strayFiles: store.strayObjectFiles() };
};
