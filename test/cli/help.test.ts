/**
 * `--help` of every command: a duration flag (`10s`, `2m`; a bare number is seconds) shows its
 * default the way it is typed, `(default: 10s)`, never the milliseconds it is parsed to
 * (`(default: 10000)` read as 10000 seconds). The parsed default stays in milliseconds.
 */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../../src/cli/main.js';
import { runCli } from '../helpers/cli.js';

const io = { stdout: { write: () => true }, stderr: { write: () => true }, env: {} };

function commandNamed(program: Command, name: string): Command {
  const found = program.commands.find((c) => c.name() === name);
  if (!found) throw new Error(`no command ${name}`);
  return found;
}

/** The help line of one flag (commander wraps long descriptions: continuation lines are joined). */
function helpLine(help: string, flag: string): string {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => l.trimStart().startsWith(flag));
  if (start < 0) throw new Error(`no ${flag} in\n${help}`);
  const out = [lines[start] ?? ''];
  for (const next of lines.slice(start + 1)) {
    if (!/^\s{6,}\S/.test(next) || /^\s+-/.test(next)) break;
    out.push(next.trim());
  }
  return out.join(' ');
}

describe('hookrunner <command> --help', () => {
  it('should show the duration defaults of check and notify as durations', async () => {
    const check = await runCli(['check', '--help']);
    expect(check.code).toBe(0);
    expect(helpLine(check.stdout, '--timeout')).toContain('(default: 5s)');
    expect(helpLine(check.stdout, '--interval')).toContain('(default: 2s)');

    const notify = await runCli(['notify', '--help']);
    expect(notify.code).toBe(0);
    expect(helpLine(notify.stdout, '--timeout')).toContain('(default: 10s)');
    expect(helpLine(notify.stdout, '--max-time')).toContain('(default: 1m)');

    const sync = await runCli(['sync', '--help']);
    expect(helpLine(sync.stdout, '--timeout')).toContain('(default: 1h');
    expect(helpLine(sync.stdout, '--hook-timeout')).toContain('(default: 30m');
  });

  it('should never print a duration flag with a bare-number default, in any command', async () => {
    const program = createProgram(io, () => undefined);
    const offenders: string[] = [];
    for (const command of program.commands) {
      const { stdout } = await runCli([command.name(), '--help']);
      for (const option of command.options.filter((o) => o.flags.includes('<duration>'))) {
        const line = helpLine(stdout, option.long ?? option.flags);
        if (/\(default: \d+\)/.test(line)) offenders.push(`${command.name()}: ${line.trim()}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('should keep the parsed defaults in milliseconds', () => {
    const program = createProgram(io, () => undefined);
    const defaults = (name: string): Record<string, unknown> => commandNamed(program, name).opts();
    expect(defaults('check')).toMatchObject({ timeout: 5_000, interval: 2_000 });
    expect(defaults('notify')).toMatchObject({ timeout: 10_000, maxTime: 60_000 });
  });

  it('should parse a typed duration to milliseconds, a bare number as seconds', async () => {
    const program = createProgram(io, () => undefined);
    const check = commandNamed(program, 'check');
    // No action: only the flags are parsed.
    check.action(() => undefined);
    await program.parseAsync(['check', 'tcp://127.0.0.1:1', '--timeout', '3', '--interval', '1m30s'], { from: 'user' });
    expect(check.opts()).toMatchObject({ timeout: 3_000, interval: 90_000 });
  });
});

describe('hookrunner sync --resource and --sync-option', () => {
  it('should refuse a sync option that is not Name=value with exit 2', async () => {
    const bad = await runCli(['sync', 'examples', '--app', 'a', '-n', 'a', '--sync-option', 'Replace']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('must be Name=value, e.g. Replace=true, got "Replace"');
  });

  it('should refuse a resource that is not GROUP:KIND:[NAMESPACE/]NAME with exit 2, before touching Redis or a cluster', async () => {
    const bad = await runCli(['sync', 'examples', '--app', 'a', '-n', 'a', '--resource', 'apps:Deployment:web', '--resource', 'Deployment/web']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`option '--resource <GROUP:KIND:[NAMESPACE/]NAME>' argument 'Deployment/web' is invalid. "Deployment/web" is not GROUP:KIND:[NAMESPACE/]NAME`);
  });
});
