/**
 * `app diff NAME`: `GET /api/v1/applications/:name/diff` — how the cluster differs from the
 * application's source, as the server's sync sees it — as unified diffs (coloured on a
 * terminal), or the document. Exit codes as `kubectl diff`: 0 none, 1 differences, more on errors.
 */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import type { CliIO } from '../io.js';
import { parseAppName, runApp, withConnectionOptions } from './command.js';
import type { AppContext, AppDependencies, CommonFlags } from './command.js';
import { AppExit } from './exit-codes.js';
import { renderDocument, useColour } from './format.js';
import { diffSchema, expectShape } from './schemas.js';
import type { DiffItem } from './schemas.js';

type DiffOutput = 'unified' | 'json' | 'yaml';

interface DiffFlags extends CommonFlags {
  output: DiffOutput;
}

function parseDiffOutput(value: string): DiffOutput {
  if (value === 'unified' || value === 'json' || value === 'yaml') return value;
  throw new InvalidArgumentError(`must be unified, json or yaml, got "${value}"`);
}

const COLOUR = { bold: '\x1b[1m', red: '\x1b[31m', green: '\x1b[32m', cyan: '\x1b[36m', reset: '\x1b[0m' } as const;

function paint(line: string): string {
  if (line.startsWith('+++') || line.startsWith('---')) return `${COLOUR.bold}${line}${COLOUR.reset}`;
  if (line.startsWith('+')) return `${COLOUR.green}${line}${COLOUR.reset}`;
  if (line.startsWith('-')) return `${COLOUR.red}${line}${COLOUR.reset}`;
  if (line.startsWith('@@')) return `${COLOUR.cyan}${line}${COLOUR.reset}`;
  return line;
}

/** `apps/Deployment lab/nginx`, as the diff's own `---`/`+++` lines name an object. */
function objectLabel(item: DiffItem): string {
  return `${item.group ? `${item.group}/` : ''}${item.kind} ${item.namespace ? `${item.namespace}/` : ''}${item.name}`;
}

/**
 * One item as `hookrunner diff` prints it: its unified diff (which names the object), a prune
 * under a `#` line saying why it is there.
 */
export function renderDiffItem(item: DiffItem, colour: boolean): string {
  const note = item.action === 'prune' ? `# ${objectLabel(item)}: not in the source (a sync with --prune deletes it)\n` : '';
  const body = item.diff.endsWith('\n') || item.diff === '' ? item.diff : `${item.diff}\n`;
  if (!colour) return `${note}${body}`;
  const painted = body.split('\n').map((l, i, all) => (i === all.length - 1 ? l : paint(l))).join('\n');
  return `${note ? `${COLOUR.bold}${note.trimEnd()}${COLOUR.reset}\n` : ''}${painted}`;
}

async function diff(ctx: AppContext, name: string, flags: DiffFlags): Promise<number> {
  const path = `/applications/${encodeURIComponent(name)}/diff`;
  const doc = expectShape(diffSchema, await ctx.client.get(path), `GET /api/v1${path}`);
  if (flags.output === 'json' || flags.output === 'yaml') {
    ctx.io.stdout.write(renderDocument(doc, flags.output));
  } else {
    const colour = useColour(ctx.io.stdout.isTTY, ctx.io.env);
    for (const item of doc.items) ctx.io.stdout.write(renderDiffItem(item, colour));
  }
  return doc.items.length > 0 ? AppExit.failed : AppExit.ok;
}

export function registerDiff(app: Command, io: CliIO, setExit: (code: number) => void, deps: AppDependencies): void {
  withConnectionOptions(
    app
      .command('diff')
      .description("How the cluster differs from the application's source, as a sync sees it (objects to create, to change, to prune); exit 0 none, 1 differences, 2 and more errors")
      .argument('<name>', 'application name', parseAppName)
      .option('-o, --output <format>', 'unified (a diff per object, coloured on a terminal unless NO_COLOR), json or yaml', parseDiffOutput, 'unified'),
  ).action(async (name: string, flags: DiffFlags) => {
    setExit(await runApp('diff', io, deps, flags, (ctx) => diff(ctx, name, flags)));
  });
}
