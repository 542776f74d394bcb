/** Apply one PATCH body (of any supported content type) to an object, producing the new object. */
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../../manifests/index.js';
import { badRequest, unsupportedMediaType } from '../errors.js';
import { isRecord } from '../json.js';
import type { JsonObject } from '../json.js';
import { jsonPatch } from '../patch/json-patch.js';
import type { MergeContext } from '../patch/list-strategy.js';
import { mergePatch } from '../patch/merge-patch.js';
import { strategicMergePatch } from '../patch/strategic-merge-patch.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const MEDIA: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

/** The patch type of a Content-Type header; 415 when unsupported (strategic merge on a custom resource too). */
export function patchTypeOf(contentType: string | undefined, builtIn: boolean): PatchType {
  const media = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const type = MEDIA[media];
  if (!type || (type === 'strategic' && !builtIn)) {
    const accepted = Object.keys(MEDIA).filter((m) => builtIn || MEDIA[m] !== 'strategic');
    throw unsupportedMediaType(media, accepted);
  }
  return type;
}

/** Parse a patch body: JSON for the JSON patch types, YAML (a JSON superset) for apply. */
export function parsePatchBody(type: PatchType, text: string): unknown {
  try {
    if (type === 'apply') return parseYaml(text, { uniqueKeys: true }) as unknown;
    return JSON.parse(text) as unknown;
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw badRequest(type === 'apply' ? `error decoding YAML: ${why}` : `error decoding patch: ${why}`);
  }
}

/** The object after a JSON, merge or strategic merge patch (apply is handled by server-side apply). */
export function applyPatch(type: Exclude<PatchType, 'apply'>, target: KubeObject, patch: unknown, ctx: MergeContext): KubeObject {
  let result: unknown;
  if (type === 'json') result = jsonPatch(target, patch);
  else if (type === 'merge') {
    if (!isRecord(patch)) throw badRequest('merge patch: the patch must be a JSON object');
    result = mergePatch(target, patch);
  } else result = strategicMergePatch(target as JsonObject, patch, ctx);
  if (!isRecord(result) || !isRecord(result.metadata)) throw badRequest('the patch removed metadata from the object');
  return result as KubeObject;
}
