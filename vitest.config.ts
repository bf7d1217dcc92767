import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Integration tests spawn CLI processes and worker threads; two files at a time fits a 2-core machine.
    maxWorkers: 2,
    pool: "forks",
  },
});
