"""Checks of growing a trained v2 network into a larger one (unet2.grow_model, seed_run.py --arch)
and of training only part of it (train_v2.train_only). Needs torch, as the recipe does:

    /usr/bin/python3 -m unittest discover -s models/train -p 'test_grow.py'
"""
import os
import sys
import unittest

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, 'v2'))
sys.path.insert(0, HERE)
from unet2 import ARCHS, UNetV2, grow_model  # noqa: E402
from train_v2 import train_only  # noqa: E402


def randomised(arch, seed=0):
    """A UNetV2 with every tensor random: a fresh one's output convolution is zero, and a zero
    output would make any two networks agree."""
    m = UNetV2(**arch)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.05)
    return m.eval()


class GrowTest(unittest.TestCase):
    def test_grown_network_computes_the_same(self):
        small = randomised(ARCHS['v2-mix160b'])
        big, added = grow_model(small, ARCHS['v2-mix160b-top2'])
        self.assertEqual(added, ['up.10', 'up.11'])
        x = torch.randn(2, 3, 32, 48, generator=torch.Generator().manual_seed(1))
        t = torch.tensor([10.0, 900.0])
        with torch.no_grad():
            a, b = small(x, t), big.eval()(x, t)
        self.assertGreater(float(a.abs().mean()), 1e-3)
        self.assertEqual(float((a - b).abs().max()), 0.0)

    def test_added_blocks_learn(self):
        small = randomised(ARCHS['v2-mix160b'])
        big, added = grow_model(small, ARCHS['v2-mix160b-top2'])
        kept = train_only(big, ','.join(added))
        self.assertTrue(kept and all(n.split('.')[0] + '.' + n.split('.')[1] in added for n in kept))
        x = torch.randn(1, 3, 32, 32)
        big.train()
        big(x, torch.tensor([300.0])).pow(2).mean().backward()
        conv2 = dict(big.named_parameters())['up.11.conv2.weight']
        self.assertGreater(float(conv2.grad.abs().sum()), 0.0)
        self.assertIsNone(dict(big.named_parameters())['inp.weight'].grad)

    def test_refuses_what_is_not_a_growth(self):
        with self.assertRaises(ValueError):  # narrower levels: the trained tensors do not fit
            grow_model(randomised(ARCHS['v2-mix160b']), ARCHS['v2-mix160'])
        with self.assertRaises(ValueError):  # a wider top level: the trained tensors do not fit either
            grow_model(randomised(ARCHS['v2-mix160b']), dict(ARCHS['v2-mix160b-top2'], chans=(40, 64, 128, 160)))


class TrainOnlyTest(unittest.TestCase):
    def test_prefixes(self):
        m = UNetV2(**ARCHS['v2-mix160b'])
        kept = train_only(m, 'out_norm, out')
        self.assertEqual(sorted(kept), ['out.bias', 'out.weight', 'out_norm.bias', 'out_norm.weight'])
        self.assertFalse(any(p.requires_grad for n, p in m.named_parameters() if n not in kept))
        with self.assertRaises(ValueError):
            train_only(m, 'up.99')
        with self.assertRaises(ValueError):
            train_only(m, ' , ')


if __name__ == '__main__':
    unittest.main()
