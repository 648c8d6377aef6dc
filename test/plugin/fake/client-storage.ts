// figma.clientStorage in the Figma fake: 5 MB in all (key length + JSON length, Uint8Array by
// byteLength); values are structured clones, as Figma stores them.
export const CLIENT_STORAGE_LIMIT = 5 * 1024 * 1024;

function storedSize(key: string, value: unknown): number {
  if (value instanceof Uint8Array) return key.length + value.byteLength;
  return key.length + (JSON.stringify(value)?.length ?? 0);
}

export class FakeClientStorage {
  readonly data = new Map<string, unknown>();
  sets = 0;
  total(): number {
    let sum = 0;
    for (const [k, v] of this.data) sum += storedSize(k, v);
    return sum;
  }
  async getAsync(key: string): Promise<unknown> {
    return this.data.has(key) ? structuredClone(this.data.get(key)) : undefined;
  }
  async setAsync(key: string, value: unknown): Promise<void> {
    const next = this.total() - (this.data.has(key) ? storedSize(key, this.data.get(key)) : 0) + storedSize(key, value);
    if (next > CLIENT_STORAGE_LIMIT) throw new Error('Client storage quota exceeded (5 MB)');
    this.data.set(key, structuredClone(value));
    this.sets++;
  }
  async deleteAsync(key: string): Promise<void> {
    this.data.delete(key);
  }
  async keysAsync(): Promise<string[]> {
    return [...this.data.keys()];
  }
}
