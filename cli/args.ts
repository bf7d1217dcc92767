import { parseArgs, type ParseArgsConfig } from "node:util";
import { Schema } from "effect";
import { UsageError } from "../dsl/errors.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Shared flags of every command. */
export const commonOptions = {
  store: { type: "string" },
  json: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const satisfies Options;

/**
 * parseArgs reads "-1" after a flag as another option ("argument is ambiguous"): a number after a flag that takes a
 * value is joined to it (--concurrency=-1), so the flag's schema can say what is wrong with it.
 */
const withNegativeValues = (argv: readonly string[], options: Options): string[] => {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const takesValue = arg.startsWith("--") && !arg.includes("=") && options[arg.slice(2)]?.type === "string";
    if (takesValue && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
};

/**
 * Parses argv strictly (unknown flags and missing values are usage errors naming the flag), then decodes the
 * flag record with a Schema so numbers and enums are checked at the boundary.
 */
export const parseCommand = <A>(
  command: string,
  argv: readonly string[],
  options: Options,
  schema: Schema.Codec<A, unknown, never, never>,
): { flags: A; positionals: string[] } => {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: withNegativeValues(argv, options), options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (e) {
    throw new UsageError({ problem: `strata ${command}: ${e instanceof Error ? e.message.split(". ")[0] : String(e)}. Run \`strata ${command} --help\`.` });
  }
  try {
    return { flags: Schema.decodeUnknownSync(schema)(parsed.values, { onExcessProperty: "ignore" }), positionals: parsed.positionals };
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    const at = /at \["([^"]+)"\]/.exec(text)?.[1];
    const given = at !== undefined && typeof parsed.values[at] === "string" ? `, got ${JSON.stringify(parsed.values[at])}` : "";
    throw new UsageError({ problem: `strata ${command}: ${at ? `--${at}: ` : ""}${text.split("\n")[0]}${given}. Run \`strata ${command} --help\`.` });
  }
};

/** A flag holding a positive integer, given as a string on the command line. */
export const PositiveIntFlag = Schema.FiniteFromString.check(Schema.isInt(), Schema.isGreaterThan(0));

/** A flag holding a positive number of seconds, given as a string on the command line. */
export const SecondsFlag = Schema.FiniteFromString.check(Schema.isGreaterThan(0));
