/** Name, label and quantity rules, worded as `k8s.io/apimachinery/pkg/util/validation`. */
import type { FieldError } from '../errors.js';
import { isRecord } from '../json.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const MSG_LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const MSG_SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const MSG_1035 =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const MSG_QUALIFIED =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const MSG_LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

export type NameRule = 'dns1123Label' | 'dns1123Subdomain' | 'dns1035Label';

/** Problems with a name under a rule, as detail strings (empty = valid). */
export function nameProblems(name: string, rule: NameRule): string[] {
  const out: string[] = [];
  const max = rule === 'dns1123Subdomain' ? 253 : 63;
  if (name.length > max) out.push(`must be no more than ${max} characters`);
  const [re, msg] =
    rule === 'dns1123Label' ? [DNS1123_LABEL, MSG_LABEL] : rule === 'dns1035Label' ? [DNS1035_LABEL, MSG_1035] : [DNS1123_SUBDOMAIN, MSG_SUBDOMAIN];
  if (!re.test(name)) out.push(msg);
  return out;
}

export function checkName(name: string, rule: NameRule, field: string, errs: FieldError[]): void {
  for (const detail of nameProblems(name, rule)) errs.push({ type: 'Invalid', field, value: name, detail });
}

/** A label or annotation key: optional DNS-subdomain prefix, `/`, and a qualified name part. */
export function qualifiedNameProblems(key: string): string[] {
  const slash = key.lastIndexOf('/');
  const out: string[] = [];
  let namePart = key;
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    namePart = key.slice(slash + 1);
    if (prefix.length === 0) out.push('prefix part must be non-empty');
    else for (const p of nameProblems(prefix, 'dns1123Subdomain')) out.push(`prefix part ${p}`);
  }
  if (namePart.length === 0) out.push('name part must be non-empty');
  else {
    if (namePart.length > 63) out.push('name part must be no more than 63 characters');
    if (!QUALIFIED_NAME.test(namePart)) out.push(MSG_QUALIFIED);
  }
  return out;
}

export function checkLabels(labels: unknown, field: string, errs: FieldError[]): void {
  if (labels === undefined || labels === null) return;
  if (!isRecord(labels)) {
    errs.push({ type: 'Invalid', field, value: labels, detail: 'must be a map of strings' });
    return;
  }
  for (const [k, v] of Object.entries(labels)) {
    for (const detail of qualifiedNameProblems(k)) errs.push({ type: 'Invalid', field, value: k, detail });
    if (typeof v !== 'string') {
      errs.push({ type: 'Invalid', field, value: v, detail: 'label values must be strings' });
      continue;
    }
    if (v.length > 63) errs.push({ type: 'Invalid', field, value: v, detail: 'must be no more than 63 characters' });
    if (!LABEL_VALUE.test(v)) errs.push({ type: 'Invalid', field, value: v, detail: MSG_LABEL_VALUE });
  }
}

export function checkAnnotations(annotations: unknown, field: string, errs: FieldError[]): void {
  if (annotations === undefined || annotations === null) return;
  if (!isRecord(annotations)) {
    errs.push({ type: 'Invalid', field, value: annotations, detail: 'must be a map of strings' });
    return;
  }
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const detail of qualifiedNameProblems(k.toLowerCase())) errs.push({ type: 'Invalid', field, value: k, detail });
    if (typeof v !== 'string') errs.push({ type: 'Invalid', field: `${field}[${k}]`, value: v, detail: 'annotation values must be strings' });
    size += k.length + (typeof v === 'string' ? v.length : 0);
  }
  if (size > 256 * 1024) errs.push({ type: 'TooLong', field, detail: `may not be more than ${256 * 1024} bytes` });
}

export { QUANTITY_FORMAT_MESSAGE, parseQuantity } from '../../util/quantity.js';
