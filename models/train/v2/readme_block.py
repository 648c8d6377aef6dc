"""README.md's generated blocks about the embedded default pack, from models/default/model.json
(and dist/ui.html, built from it), so the numbers and the photographs' credits follow the pack.

    python3 models/train/v2/readme_block.py            # print the blocks
    python3 models/train/v2/readme_block.py --write    # replace them in README.md (atomically)
    python3 models/train/v2/readme_block.py --check    # exit 1 when README.md is not up to date

Blocks between `<!-- NAME -->` and `<!-- /NAME -->` lines: in README.md `default-pack-size` (what
ui.html weighs and why) and `default-pack` (the network, its training run, data and credits); in
models/train/README.md `default-status` (which model is the default).
Sizes are in MB of 2^20 bytes, as `npm run build` prints them. Standard library only.
"""
import argparse
import base64
import gzip
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
WASM = 'node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.asyncify.wasm'


def mb(n):
    return f'{n / 1048576:.1f} MB'


def embedded_manifest(html):
    """The model.json bytes build.mjs put into ui.html (gzip+base64 in #sdedit-pack-manifest)."""
    tag = b'id="sdedit-pack-manifest"'
    i = html.find(tag)
    if i < 0:
        return None
    start = html.index(b'>', i) + 1
    return gzip.decompress(base64.b64decode(html[start:html.index(b'</script>', start)]))


def size_block(pack, root):
    files = {f['role']: f for f in pack['files']}
    html_path = os.path.join(root, 'dist/ui.html')
    if not os.path.exists(html_path):
        raise SystemExit('readme_block: dist/ui.html missing: npm run build first')
    html = open(html_path, 'rb').read()
    if embedded_manifest(html) != open(os.path.join(root, 'models/default/model.json'), 'rb').read():
        raise SystemExit('readme_block: dist/ui.html does not embed models/default as it is now: npm run build first')
    wasm = os.path.getsize(os.path.join(root, WASM))
    fp16 = f' and its {mb(files["unet_fp16"]["bytes"])} fp16 copy' if 'unet_fp16' in files else ''
    return (f'`dist/ui.html` is **{mb(len(html))} raw, {mb(len(gzip.compress(html, 6)))} gzipped** (onnxruntime-web\'s '
            f'asyncify wasm, which serves\nboth the WebGPU and the WASM backend, {mb(wasm)} raw, the '
            f'{mb(files["unet"]["bytes"])} default model{fp16},\neach gzip+base64 inside the page).')


def pack_block(pack, root):
    t = pack.get('training') or {}
    files = {f['role']: f for f in pack['files']}
    lines = []
    arch = t.get('arch_name') or ', '.join(f'{k} {v}' for k, v in (t.get('arch') or {}).items())
    params = f'{t["params"] / 1e6:.2f} M params' if t.get('params') else 'params not recorded'
    gmac = f', {t["gmac_256"]} GMAC a call at 256²' if t.get('gmac_256') else ''
    lines.append(f'`models/default` (pack name "{pack["name"]}"): {pack["description"]}')
    lines.append('')
    lines.append(f'- Network: {arch}; {params}{gmac}; {pack["prediction"]}-prediction, {pack["sde"]["type"].upper()} '
                 f'{pack["sde"].get("beta_schedule", "")} schedule over {pack["sde"].get("timesteps", "?")} steps; '
                 f'fully convolutional, working sizes in multiples of {pack["multiple"]} px (the engine pads to it).')
    fp16 = f', fp16 copy {files["unet_fp16"]["bytes"]:,} B' if 'unet_fp16' in files else ''
    lines.append(f'- Files: `{files["unet"]["name"]}` {files["unet"]["bytes"]:,} B (sha256 `{files["unet"]["sha256"][:16]}…`){fp16}; '
                 'every file is hash-checked when loaded.')
    hw = t.get('hardware')
    hw = ', '.join(hw) if isinstance(hw, list) else hw
    seen = f', {t["images_seen"]:,} images seen' if t.get('images_seen') else (f', batch {t["batch"]}' if t.get('batch') else '')
    segs = f' in {len(t["segments"])} segment(s)' if t.get('segments') else ''
    loss = f'{t["final_loss_ema"]:.4g}' if isinstance(t.get('final_loss_ema'), (int, float)) else t.get('final_loss_ema')
    lines.append(f'- Training: {t.get("steps", "?"):,} steps{seen}, {t.get("minutes", "?")} min{segs} on {hw}; '
                 f'final loss (EMA) {loss}; {t.get("ema", "")}. Recipe: `{t.get("recipe", "models/train")}`.')
    data = t.get('data')
    if isinstance(data, dict):
        pk = '; '.join(f'{p["package"]} {p["photos"]} ({", ".join(p["licences"])})' for p in data.get('photographs', []))
        n = sum(p['photos'] for p in data.get('photographs', []))
        lines.append(f'- Data: {data.get("procedural")} and {n} real photographs from Debian packages '
                     f'({pk}), {data.get("photo_share")} of each batch; held-out photographs and the packages '
                     'reserved for independent evaluation (mate-backgrounds, plasma-workspace-wallpapers) were never trained on.')
    elif data:
        lines.append(f'- Data: {data}.')
    lines.append(f'- Licence: {pack["license"]}.')
    q = pack.get('quality')
    if isinstance(q, dict) and q.get('table'):
        lines.append(f'- Quality: `{q["table"]}`.')
    else:
        lines.append('- Quality: not measured yet for these weights (`npm run eval`).')
    v1 = os.path.join(root, 'models/v1/model.json')
    if os.path.exists(v1):
        lines.append('- The previous default, v1 (procedural scenes only), is kept in `models/v1` for side-by-side evaluation '
                     '(`--model models/v1`).')
    credits = data.get('credits') if isinstance(data, dict) else None
    if credits:
        lines.append('')
        lines.append('Photographs trained on (credit as their licences ask):')
        lines.append('')
        lines.append('| photograph | © | licence | package |')
        lines.append('|---|---|---|---|')
        for c in credits:
            note = f' ({c["licence_note"]})' if c.get('licence_note') else ''
            note += f', from {c["source"]}' if c.get('source') else ''
            lines.append(f'| {c["file"]} | {c["copyright"] or "—"} | {c["licence"]}{note} | {c["package"]} |')
    return '\n'.join(lines)


def status_block(pack, root):
    t = pack.get('training') or {}
    if str(t.get('arch_name', '')).startswith('v2') and os.path.exists(os.path.join(root, 'models/v1/model.json')):
        return (f'Status: **v2 is the embedded default** (`models/default`: {t["arch_name"]}, step {t.get("steps")}, '
                f'{t.get("images_seen", 0):,} images seen; shipped with `v2/ship.sh`). v1 is kept in `models/v1` for '
                'side-by-side evaluation; its recipe above now reproduces `models/v1` (`export.py --out models/v1`).')
    return ('Status: data, network, speed bench and training recipe are here and tested on the CPU; v1 is the '
            'embedded default (`models/default/`) until `bash models/train/v2/ship.sh` ships a trained v2 (step 5 below).')


def replace_block(text, name, body):
    begin, end = f'<!-- {name} -->', f'<!-- /{name} -->'
    if text.count(begin) != 1 or text.count(end) != 1:
        raise SystemExit(f'readme_block: README.md needs exactly one {begin} … {end} pair')
    a = text.index(begin) + len(begin)
    b = text.index(end)
    return text[:a] + '\n' + body + '\n' + text[b:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--root', default=ROOT)
    g = ap.add_mutually_exclusive_group()
    g.add_argument('--write', action='store_true')
    g.add_argument('--check', action='store_true')
    args = ap.parse_args()
    pack = json.load(open(os.path.join(args.root, 'models/default/model.json'), encoding='utf-8'))
    blocks = {'default-pack-size': size_block(pack, args.root), 'default-pack': pack_block(pack, args.root)}
    if not (args.write or args.check):
        for k, v in blocks.items():
            print(f'<!-- {k} -->\n{v}\n<!-- /{k} -->')
        return 0
    by_file = {'README.md': blocks, 'models/train/README.md': {'default-status': status_block(pack, args.root)}}
    stale = []
    for rel, bl in by_file.items():
        path = os.path.join(args.root, rel)
        old = open(path, encoding='utf-8').read()
        new = old
        for k, v in bl.items():
            new = replace_block(new, k, v)
        if new == old:
            continue
        stale.append(rel)
        if not args.check:
            tmp = path + '.tmp'
            open(tmp, 'w', encoding='utf-8').write(new)
            os.replace(tmp, path)
    if args.check and stale:
        print(f'readme_block: {", ".join(stale)} not up to date with models/default (run with --write)', file=sys.stderr)
        return 1
    print(f'readme_block: {"updated " + ", ".join(stale) if stale else "up to date"}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
