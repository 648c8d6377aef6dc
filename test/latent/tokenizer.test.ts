// CLIP tokenization of the packs' tokenizer files (E1's tiny CLIP vocabulary: whole words carry
// their real CLIP ids, confirmed from CLIP's published vocabulary).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { clipTokenizer } from '../../src/model/latent/tokenizer';
import type { TokenizerFiles } from '../../src/model/latent/tokenizer';
import { PACKS_DIR, referenceCases } from './reference';

function files(pack: string, withJson: boolean): TokenizerFiles {
  const dir = path.join(PACKS_DIR, pack, 'tokenizer');
  const json = (f: string) => JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
  return {
    ...(withJson ? { tokenizerJson: json('tokenizer.json') } : {}),
    vocab: json('vocab.json'),
    merges: readFileSync(path.join(dir, 'merges.txt'), 'utf8'),
    tokenizerConfig: json('tokenizer_config.json'),
    specialTokensMap: json('special_tokens_map.json'),
  };
}

const CAT = [49406, 320, 1125, 539, 320, 2368, 49407];

describe.each([
  ['ortweb-fp32 (tokenizer.json, pads with "!" = 0)', 'ortweb-fp32', true, 0],
  ['ortweb-fp32 (vocab.json + merges.txt)', 'ortweb-fp32', false, 0],
  ['lcm (pads with <|endoftext|>)', 'lcm', false, 49407],
  ['lcm (tokenizer.json)', 'lcm', true, 49407],
] as const)('%s', (_name, pack, withJson, pad) => {
  const tok = clipTokenizer(files(pack, withJson));
  test('"a photo of a cat" → 49406 320 1125 539 320 2368 49407, then padding to 77', () => {
    const ids = Array.from(tok.encode('a photo of a cat'));
    expect(ids).toHaveLength(77);
    expect(ids.slice(0, 7)).toEqual(CAT);
    expect(ids.slice(7).every((v) => v === pad)).toBe(true);
  });
  test('lower-case, whitespace runs, punctuation, unknown words as bytes', () => {
    expect(Array.from(tok.encode('  A PHOTO\tof a   Cat ')).slice(0, 7)).toEqual(CAT);
    expect(Array.from(tok.encode('the red dog, painting')).slice(0, 7)).toEqual([49406, 518, 736, 1929, 267, 3086, 49407]);
    expect(Array.from(tok.encode('house')).slice(0, 7)).toEqual([49406, 71, 78, 84, 82, 324, 49407]);
  });
  test('truncation keeps start + 75 tokens + end', () => {
    const ids = tok.encode(Array(100).fill('cat').join(' '));
    expect(ids[0]).toBe(49406);
    expect(Array.from(ids.slice(1, 76)).every((v) => v === 2368)).toBe(true);
    expect(ids[76]).toBe(49407);
  });
});

test("every reference case's prompt tokenizes to the reference's input_ids", () => {
  for (const c of referenceCases()) {
    const tok = clipTokenizer(files(c.pack, false));
    expect(Array.from(tok.encode(c.prompt))).toEqual(c.input_ids);
    if (c.negative_input_ids) expect(Array.from(tok.encode(c.negative_prompt ?? ''))).toEqual(c.negative_input_ids);
  }
});

test('a missing merges.txt is one message naming the file', () => {
  expect(() => clipTokenizer({ vocab: { a: 1 } }, 'pack/tokenizer')).toThrow(/pack\/tokenizer\/merges\.txt is missing/);
});
