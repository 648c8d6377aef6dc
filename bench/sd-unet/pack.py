"""A pack folder around the real-sized UNet, in the ORT-web SD-Turbo demo's layout.

Only the UNet is real-sized. The tokenizer, scheduler and VAE come from the tiny ortweb-fp32
fixture pack (its VAE already has the real 8× factor and 4 latent channels, a few operators
each); the text encoder is a tiny one of SD 2.x's hidden size 1024 (token + position tables),
written here with the fixtures' graph builder, so that its output fits the UNet's cross-attention.
"""
import json
import os
import shutil
import sys

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
FIXTURES = os.path.join(ROOT, 'test', 'fixtures', 'latent-packs')
TINY_PACK = os.path.join(FIXTURES, 'ortweb-fp32')
TEXT_HIDDEN = 1024
TEXT_SEQ = 77
TEXT_ROWS = 101   # embedding rows; input_ids are taken mod TEXT_ROWS
TEXT_SEED = 77_1024


def _write_json(path, obj):
    with open(path + '.tmp', 'w') as f:
        json.dump(obj, f, indent=2)
        f.write('\n')
    os.replace(path + '.tmp', path)


def consolidate_external_data(raw_model, dest_dir, location='model.onnx_data'):
    """Load an exported model (with its per-tensor files, if any) and write dest_dir/model.onnx
    with every tensor in one external file, `location`, beside it. Written into a sibling
    folder first and renamed, so a half-written unet/ is never left."""
    import onnx
    model = onnx.load(raw_model)
    tmp = dest_dir + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    onnx.save_model(model, os.path.join(tmp, 'model.onnx'), save_as_external_data=True,
                    all_tensors_to_one_file=True, location=location, size_threshold=1024)
    del model
    shutil.rmtree(dest_dir, ignore_errors=True)
    os.replace(tmp, dest_dir)


def text_encoder_model():
    sys.path.insert(0, FIXTURES)
    from make_packs import Graph   # the fixtures' ONNX builder (float32 I/O)
    rng = np.random.default_rng(TEXT_SEED)
    tok = rng.normal(0.0, 1.0, (TEXT_ROWS, TEXT_HIDDEN)).astype(np.float32)
    pos = rng.normal(0.0, 0.3, (TEXT_SEQ, TEXT_HIDDEN)).astype(np.float32)
    g = Graph('text_encoder')
    ids = g.input('input_ids', 'int32', ['batch_size', TEXT_SEQ])
    rows = g.op('Mod', [g.op('Cast', [ids], 'ids64', to=g.TP.INT64),
                        g.const(np.array(TEXT_ROWS, np.int64), 'rows')], 'rows_idx')
    hid = g.op('Add', [g.op('Gather', [g.const(tok, 'tok_emb'), rows], 'tok', axis=0),
                       g.const(pos, 'pos_emb')], 'hidden')
    pooled = g.op('ReduceMean', [hid], 'pooled', axes=[1], keepdims=0)
    g.output(hid, 'last_hidden_state', 'float32', ['batch_size', TEXT_SEQ, TEXT_HIDDEN])
    g.output(pooled, 'pooler_output', 'float32', ['batch_size', TEXT_HIDDEN])
    return g.model()


def unet_config(cfg, params):
    return {
        '_class_name': 'UNet2DConditionModel', '_diffusers_version': '0.24.0',
        '_sdedit_bench': f'random weights, {params} parameters; for timing only',
        'act_fn': 'silu', 'attention_head_dim': cfg['attention_head_dim'],
        'block_out_channels': cfg['block_out_channels'], 'center_input_sample': False,
        'cross_attention_dim': cfg['cross_attention_dim'],
        'down_block_types': cfg['down_block_types'], 'downsample_padding': 1,
        'flip_sin_to_cos': True, 'freq_shift': 0, 'in_channels': cfg['in_channels'],
        'layers_per_block': cfg['layers_per_block'], 'mid_block_scale_factor': 1,
        'norm_eps': cfg['norm_eps'], 'norm_num_groups': cfg['norm_num_groups'],
        'out_channels': cfg['out_channels'], 'sample_size': cfg['sample_size'],
        'time_cond_proj_dim': None, 'up_block_types': cfg['up_block_types'],
        'use_linear_projection': True,
    }


def assemble_pack(out, cfg, params):
    """Everything of the pack but unet/model.onnx(+_data), which the export has written."""
    import onnx
    for part in ('tokenizer', 'scheduler', 'vae_encoder', 'vae_decoder'):
        shutil.rmtree(os.path.join(out, part), ignore_errors=True)
        shutil.copytree(os.path.join(TINY_PACK, part), os.path.join(out, part))
    shutil.copyfile(os.path.join(TINY_PACK, 'model_index.json'), os.path.join(out, 'model_index.json'))

    te = os.path.join(out, 'text_encoder')
    os.makedirs(te, exist_ok=True)
    onnx.save_model(text_encoder_model(), os.path.join(te, 'model.onnx.tmp'))
    os.replace(os.path.join(te, 'model.onnx.tmp'), os.path.join(te, 'model.onnx'))
    with open(os.path.join(TINY_PACK, 'text_encoder', 'config.json')) as f:
        te_cfg = json.load(f)
    te_cfg.update({'_name_or_path': 'tiny-text-1024', 'hidden_size': TEXT_HIDDEN,
                   'intermediate_size': 4 * TEXT_HIDDEN, 'projection_dim': TEXT_HIDDEN})
    _write_json(os.path.join(te, 'config.json'), te_cfg)
    _write_json(os.path.join(out, 'unet', 'config.json'), unet_config(cfg, params))
