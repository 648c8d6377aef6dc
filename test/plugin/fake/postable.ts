// What figma.ui.postMessage accepts in the Figma fake: structured-clonable plain data whose
// binary is Uint8Array only.
/** Throws like a failed structured clone, and for any binary other than Uint8Array. */
export function assertPostable(value: unknown, path = 'message'): void {
  if (value === null || value === undefined) return;
  const t = typeof value;
  if (t === 'string' || t === 'number' || t === 'boolean') return;
  if (t === 'function' || t === 'symbol' || t === 'bigint') throw new Error(`${path}: a ${t} cannot be posted`);
  if (value instanceof Date) return;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
    if (Object.getPrototypeOf(value) === Uint8Array.prototype) return;
    throw new Error(`${path}: only Uint8Array crosses to the UI, not ${Object.prototype.toString.call(value)}`);
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertPostable(v, `${path}[${i}]`));
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw new Error(`${path}: ${proto?.constructor?.name ?? 'object'} instances lose their prototype`);
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) assertPostable(v, `${path}.${k}`);
}
