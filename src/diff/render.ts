/**
 * What `hookrunner diff` shows (docs/semantics.md §9.12): the live object seen through the desired
 * one — only the fields the manifest sets, so server defaults and status do not show — against the
 * desired object, as a unified diff of their YAML (jsdiff's `createTwoFilesPatch`). Pure.
 */
import { createTwoFilesPatch } from 'diff';
import { stringify } from 'yaml';
import { splitApiVersion } from '../manifests/index.js';
import type { KubeObject } from '../manifests/index.js';
import { ignoredPaths, normalize } from './compare.js';
import { removeAt } from './pointer.js';
import type { IgnoreDifference } from './types.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The part of `live` that `desired` speaks about: an object's keys the desired one has, a list
 * element by element (a list of another length whole), anything else as it is.
 */
export function projectLive(desired: unknown, live: unknown): unknown {
  if (isRecord(desired) && isRecord(live)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(desired)) if (key in live) out[key] = projectLive(desired[key], live[key]);
    return out;
  }
  if (Array.isArray(desired) && Array.isArray(live) && desired.length === live.length) return live.map((item, i) => projectLive(desired[i], item));
  return live;
}

/** `apps/Deployment shop/web`, as a file name in the patch header. */
export function objectLabel(obj: KubeObject): string {
  const { group: name } = splitApiVersion(obj.apiVersion);
  const group = name ? `${name}/` : '';
  return `${group}${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name ?? ''}`;
}

/**
 * The unified diff of one object: live (projected; absent when it does not exist yet) against
 * desired (absent when it is to be pruned), with the `ignoreDifferences` fields left out of both.
 * Empty when they agree.
 */
export function unifiedDiff(desired: KubeObject | undefined, live: KubeObject | undefined, ignore: readonly IgnoreDifference[] = []): string {
  const anchor = desired ?? live;
  if (!anchor) return '';
  const d = desired ? normalize(desired) : undefined;
  const l = live ? normalize(live) : undefined;
  if (d && l && desired) {
    for (const tokens of ignoredPaths(desired, live, ignore)) {
      removeAt(d, tokens);
      removeAt(l, tokens);
    }
  }
  const before = l ? stringify(d ? projectLive(d, l) : l, { sortMapEntries: false }) : '';
  const after = d ? stringify(d, { sortMapEntries: false }) : '';
  if (before === after) return '';
  const label = objectLabel(anchor);
  return createTwoFilesPatch(`live/${label}`, `desired/${label}`, before, after, undefined, undefined, { context: 3 });
}
