import { describe, expect, it } from "vitest";
import { progressText } from "../../cli/progress.js";

describe("CLI progress lines", () => {
  it("add the rate in the step's units per second and the time left at that rate", () => {
    expect(progressText(250, 1000, 10)).toBe("250/1000 (25%), 25.0/s, ETA 30s");
    expect(progressText(100, 1000, 20)).toBe("100/1000 (10%), 5.00/s, ETA 3m 00s");
    expect(progressText(50_000, 1_000_000, 2)).toBe("50000/1000000 (5%), 25,000/s, ETA 38s");
    expect(progressText(1, 10_000, 1)).toBe("1/10000 (0%), 1.00/s, ETA 2h 46m");
  });

  it("print no rate before any unit is done, and no ETA once all are", () => {
    expect(progressText(0, 1000, 5)).toBe("0/1000 (0%)");
    expect(progressText(1000, 1000, 8)).toBe("1000/1000 (100%), 125/s");
  });
});
