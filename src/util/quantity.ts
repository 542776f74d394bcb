/** Kubernetes resource quantities (`resource.Quantity`). */

export const QUANTITY_FORMAT_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const QUANTITY_FORMAT = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** `resource.ParseQuantity`: the value as a number, or the error text. */
export function parseQuantity(text: string): { value: number } | { error: string } {
  const m = QUANTITY_FORMAT.exec(text.trim() === text ? text : '');
  if (!m) return { error: QUANTITY_FORMAT_MESSAGE };
  const numeric = m[1] ?? '';
  const suffix = m[2] ?? '';
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(numeric)) return { error: 'unable to parse numeric part of quantity' };
  let factor = SUFFIX[suffix];
  if (factor === undefined) {
    const exp = /^[eE]([-+]?\d+)$/.exec(suffix);
    if (!exp) return { error: "unable to parse quantity's suffix" };
    factor = 10 ** Number(exp[1]);
  }
  return { value: Number(numeric) * factor };
}
