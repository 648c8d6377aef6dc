// CLIP tokenization for latent packs, on @huggingface/tokenizers (pure JS, runs in Node and in the
// plugin iframe). A pack's tokenizer/ has tokenizer.json (used as it is) or CLIP's slow-tokenizer
// files, vocab.json + merges.txt, from which the same pipeline is built as transformers'
// CLIPTokenizerFast builds it: NFC, whitespace runs → one space, lower-case; CLIP's split regex,
// byte-level alphabet; BPE with the "</w>" end-of-word suffix. Then start token, at most
// model_max_length − 2 tokens (truncation), end token, and padding with the pack's pad_token to
// model_max_length (SD 1.x pads with <|endoftext|> = 49407, SD 2.x with "!" = 0).
import { Tokenizer } from '@huggingface/tokenizers';
import { type JsonObject, isJsonObject } from '../json';

export interface TokenizerFiles {
  /** parsed tokenizer/tokenizer.json, when the pack has one */
  tokenizerJson?: unknown;
  /** parsed tokenizer/vocab.json */
  vocab?: unknown;
  /** tokenizer/merges.txt */
  merges?: string;
  tokenizerConfig?: unknown;
  specialTokensMap?: unknown;
}

export interface ClipTokenizer {
  readonly maxLength: number;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  /** maxLength ids: start, the text's tokens (truncated), end, padding */
  encode(text: string): Int32Array;
}

export class TokenizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenizerError';
  }
}

/** A special token as configs write it: a string or { content }. */
function tokenText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (isJsonObject(v) && typeof v.content === 'string') return v.content;
  return null;
}

/** CLIP's slow tokenizer reads at most this many merges (vocab 49408 = 256 + 256 + merges + 2). */
const CLIP_MERGES = 49152 - 256 - 2;

const CLIP_SPLIT = "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";

/** tokenizer.json equivalent of CLIP's vocab.json + merges.txt (CLIPTokenizerFast's pipeline). */
function clipJson(vocab: JsonObject, mergesText: string, bos: string, eos: string, unk: string): JsonObject {
  const lines = mergesText.split(/\r?\n/);
  const merges = lines.filter((l, i) => !(i === 0 && l.startsWith('#version')) && l.trim().length > 0).slice(0, CLIP_MERGES);
  const added = [bos, eos].map((content) => ({ id: vocab[content], content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true }));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: CLIP_SPLIT }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: { type: 'RobertaProcessing', sep: [eos, vocab[eos]], cls: [bos, vocab[bos]], trim_offsets: false, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: unk, continuing_subword_prefix: '', end_of_word_suffix: '</w>', fuse_unk: false, byte_fallback: false, vocab, merges },
  };
}

/** Build the pack's tokenizer. `dir` names the folder in messages. */
export function clipTokenizer(files: TokenizerFiles, dir = 'tokenizer'): ClipTokenizer {
  const config: JsonObject = isJsonObject(files.tokenizerConfig) ? files.tokenizerConfig : {};
  const special: JsonObject = isJsonObject(files.specialTokensMap) ? files.specialTokensMap : {};
  const pick = (key: string, fallback: string): string => tokenText(config[key]) ?? tokenText(special[key]) ?? fallback;
  const bos = pick('bos_token', '<|startoftext|>');
  const eos = pick('eos_token', '<|endoftext|>');
  const unk = pick('unk_token', '<|endoftext|>');
  const pad = pick('pad_token', eos);
  const mml = config.model_max_length;
  // some configs say 1e30 ("no limit"): CLIP text encoders have 77 positions
  const maxLength = typeof mml === 'number' && Number.isInteger(mml) && mml >= 2 && mml <= 4096 ? mml : 77;

  let json: unknown = files.tokenizerJson;
  if (json === undefined) {
    if (!isJsonObject(files.vocab)) throw new TokenizerError(`${dir}: needs tokenizer.json or vocab.json + merges.txt (vocab.json is missing or not an object)`);
    if (typeof files.merges !== 'string') throw new TokenizerError(`${dir}/merges.txt is missing (needed with vocab.json)`);
    json = clipJson(files.vocab, files.merges, bos, eos, unk);
  }
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(json as object, config);
  } catch (e) {
    throw new TokenizerError(`${dir}: cannot build the tokenizer: ${(e as Error).message}`);
  }
  const id = (token: string, key: string): number => {
    const v = tok.token_to_id(token);
    if (v === undefined) throw new TokenizerError(`${dir}: ${key} "${token}" is not in the vocabulary`);
    return v;
  };
  const bosId = id(bos, 'bos_token');
  const eosId = id(eos, 'eos_token');
  const padId = id(pad, 'pad_token');
  return {
    maxLength,
    bosId,
    eosId,
    padId,
    encode(text: string): Int32Array {
      const body = tok.encode(text, { add_special_tokens: false }).ids.slice(0, maxLength - 2);
      const out = new Int32Array(maxLength).fill(padId);
      out[0] = bosId;
      out.set(body, 1);
      out[body.length + 1] = eosId;
      return out;
    },
  };
}
