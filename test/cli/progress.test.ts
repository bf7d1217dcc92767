import { describe, expect, it } from "vitest";
import { progressText } from "../../cli/progress.js";

describe("CLI progress lines", () => {
  const start = { done: 0, seconds: 100 };

  it("add the rate in the step's units per second and the time left at that rate", () => {
    expect(progressText(250, 1000, 110, start)).toBe("250/1000 (25%), 25.0/s, ETA 30s");
    expect(progressText(100, 1000, 120, start)).toBe("100/1000 (10%), 5.00/s, ETA 3m 00s");
    expect(progressText(50_000, 1_000_000, 102, start)).toBe("50000/1000000 (5%), 25,000/s, ETA 38s");
    expect(progressText(1, 10_000, 101, start)).toBe("1/10000 (0%), 1.00/s, ETA 2h 46m");
  });

  it("measure from the first progress event, so a step's setup does not distort the rate", () => {
    expect(progressText(1, 1000, 50, { done: 1, seconds: 50 })).toBe("1/1000 (0%)");
    expect(progressText(101, 1000, 60, { done: 1, seconds: 50 })).toBe("101/1000 (10%), 10.0/s, ETA 1m 30s");
  });

  it("print no ETA once every unit is done", () => {
    expect(progressText(1000, 1000, 108, start)).toBe("1000/1000 (100%), 125/s");
  });
});
