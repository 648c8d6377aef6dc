// Where downloaded pack files are kept between plugin sessions. Figma's plugin iframe has an
// opaque origin (no IndexedDB, Cache API or OPFS), so there a URL pack is fetched once per
// session and no cache exists; the hosted mode (the same UI served from an https origin) opens
// one. Files are keyed by their sha256, which the catalogue or the pack's sidecar gives, so a
// cached file is the checked file and a changed file upstream is a different key.

/** A content-addressed store of pack files. */
export interface PackFileCache {
  /** Where the bytes live, for the panel's wording ("kept in this browser's storage"). */
  readonly kind: string;
  /** The file with this sha256 (lowercase hex), or undefined when it is not kept. */
  get(sha256: string): Promise<Uint8Array | undefined>;
  /** Keep the bytes under their sha256; the caller has already checked the hash. */
  put(sha256: string, bytes: Uint8Array): Promise<void>;
}

/** The key as every cache stores it: lowercase hex of 64 digits; anything else is a caller's bug
 *  (a file named by the user must never become a path in the cache). */
export function checkSha256Key(sha256: string): string {
  const key = sha256.toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`"${sha256}" is not a sha256 (64 hex digits): pack files are cached by their hash.`);
  return key;
}
