/**
 * A small Dockerfile reader for the packaging tests: enough of the Dockerfile syntax to check
 * stages, users and entrypoints — line continuations, comments, parser directives, `ARG`
 * defaults before the first `FROM` substituted into `FROM`, exec-form (JSON) arguments.
 */

export interface Instruction {
  /** Upper-cased keyword, e.g. `RUN`. */
  readonly keyword: string;
  /** The raw argument text, continuations joined with a space. */
  readonly args: string;
  /** 1-based line of the keyword. */
  readonly line: number;
}

export interface Stage {
  /** The base image after `ARG` substitution, e.g. `node:22-bookworm-slim`. */
  readonly from: string;
  /** The `AS` name, if any. */
  readonly name: string | undefined;
  /** Every instruction after the `FROM`, in order. */
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  /** `ARG` defaults declared before the first `FROM`. */
  readonly globalArgs: Readonly<Record<string, string>>;
  readonly stages: readonly Stage[];
}

export class DockerfileSyntaxError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DockerfileSyntaxError';
  }
}

function logicalLines(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending: { keyword: string; parts: string[]; line: number } | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && pending === undefined)) return;
    const continues = trimmed.endsWith('\\');
    const body = continues ? trimmed.slice(0, -1).trim() : trimmed;
    if (pending === undefined) {
      const match = /^([A-Za-z]+)\s*(.*)$/.exec(body);
      if (!match) throw new DockerfileSyntaxError(`line ${index + 1}: expected an instruction, got "${raw}"`);
      pending = { keyword: (match[1] ?? '').toUpperCase(), parts: [match[2] ?? ''], line: index + 1 };
    } else if (body !== '') {
      pending.parts.push(body);
    }
    if (!continues) {
      out.push({ keyword: pending.keyword, args: pending.parts.filter((p) => p !== '').join(' '), line: pending.line });
      pending = undefined;
    }
  });
  if (pending !== undefined) {
    throw new DockerfileSyntaxError(`line ${pending.line}: the file ends inside a continued ${pending.keyword}`);
  }
  return out;
}

function substitute(value: string, args: Readonly<Record<string, string>>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, braced, bare) => {
    const name = (braced ?? bare) as string;
    return args[name] ?? whole;
  });
}

/** Parse a Dockerfile's text into global `ARG`s and stages. */
export function parseDockerfile(text: string): Dockerfile {
  const globalArgs: Record<string, string> = {};
  const stages: { from: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const instruction of logicalLines(text)) {
    if (instruction.keyword === 'FROM') {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!match) throw new DockerfileSyntaxError(`line ${instruction.line}: cannot read FROM "${instruction.args}"`);
      stages.push({ from: substitute(match[1] ?? '', globalArgs), name: match[2], instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== 'ARG') {
        throw new DockerfileSyntaxError(`line ${instruction.line}: ${instruction.keyword} before the first FROM`);
      }
      const eq = instruction.args.indexOf('=');
      const name = eq < 0 ? instruction.args : instruction.args.slice(0, eq);
      globalArgs[name.trim()] = eq < 0 ? '' : instruction.args.slice(eq + 1).trim();
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/** The instructions of a stage with the given keyword. */
export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword.toUpperCase());
}

/** Exec-form arguments (`["a", "b"]`) of an instruction such as `ENTRYPOINT`, `CMD` or `HEALTHCHECK … CMD`. */
export function execForm(args: string): string[] {
  const start = args.indexOf('[');
  if (start < 0) throw new DockerfileSyntaxError(`not in exec form (no JSON array): ${args}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(args.slice(start));
  } catch (cause) {
    throw new DockerfileSyntaxError(`not in exec form (invalid JSON): ${args}`, { cause });
  }
  if (!Array.isArray(parsed) || !parsed.every((p): p is string => typeof p === 'string')) {
    throw new DockerfileSyntaxError(`not an exec-form array of strings: ${args}`);
  }
  return parsed;
}
