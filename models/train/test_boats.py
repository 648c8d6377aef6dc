"""Checks of boats.py and scenes.py's boats option (needs numpy and torch, as the recipe does):

    /usr/bin/python3 -m unittest discover -s models/train -p 'test_boats.py'
"""
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from boats import convex_coverage, draw_boats  # noqa: E402
from scenes import scene  # noqa: E402


class CoverageTest(unittest.TestCase):
    def test_area_and_orientation(self):
        square = [(2.0, 3.0), (12.0, 3.0), (12.0, 9.0), (2.0, 9.0)]
        cov = convex_coverage(16, 16, square)
        self.assertAlmostEqual(float(cov.sum()), 60.0, places=4)
        self.assertTrue(np.array_equal(cov, convex_coverage(16, 16, square[::-1])))
        # a slanted edge is a staircase of sub-pixel samples: off by up to half a sample row per
        # sample along it (8 px · SUPERSAMPLE samples · 1/(2·SUPERSAMPLE²) px² each = 1 px²)
        tri = [(0.05, 0.05), (8.05, 0.05), (0.05, 8.05)]
        self.assertAlmostEqual(float(convex_coverage(16, 16, tri).sum()), 32.0, delta=1.01)

    def test_partial_pixels_and_clipping(self):
        cov = convex_coverage(8, 8, [(1.5, 1.0), (3.0, 1.0), (3.0, 2.0), (1.5, 2.0)])
        self.assertAlmostEqual(float(cov[1, 1]), 0.5)
        self.assertAlmostEqual(float(cov[1, 2]), 1.0)
        outside = convex_coverage(8, 8, [(-20.0, -20.0), (-10.0, -20.0), (-10.0, -10.0)])
        self.assertEqual(float(outside.sum()), 0.0)
        half_in = convex_coverage(8, 8, [(-4.0, 0.0), (4.0, 0.0), (4.0, 8.0), (-4.0, 8.0)])
        self.assertAlmostEqual(float(half_in.sum()), 32.0, places=4)


class DrawBoatsTest(unittest.TestCase):
    def water_scene(self, h=128):
        img = np.zeros((h, h, 3), np.float32)
        img[: h // 2] = (0.6, 0.75, 0.95)     # sky
        img[h // 2:] = (0.1, 0.3, 0.45)       # water
        water = np.zeros((h, h), bool)
        water[h // 2:] = True
        return img, water

    def test_boats_stand_on_the_water(self):
        img, water = self.water_scene()
        drawn = 0
        for seed in range(6):
            out = draw_boats(np.random.default_rng(seed), img.copy(), water, 64.0, 1.0)
            self.assertEqual(out.shape, img.shape)
            self.assertTrue(np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1)
            changed = np.abs(out - img).max(axis=-1) > 1e-3
            if changed.any():
                drawn += 1
                rows = np.nonzero(changed.any(axis=1))[0]
                # the hull reaches the water: a boat is never drawn floating in the sky
                self.assertGreater(rows.max(), 64)
        self.assertGreaterEqual(drawn, 4)

    def test_no_water_no_boats(self):
        img, _ = self.water_scene()
        out = draw_boats(np.random.default_rng(0), img.copy(), np.zeros(img.shape[:2], bool), 64.0, 1.0)
        self.assertTrue(np.array_equal(out, img))


class SceneBoatsTest(unittest.TestCase):
    def test_without_boats_scenes_keep_their_pixels(self):
        # boats come from their own random stream: scene(seed) is unchanged, held-out seeds included
        changed = 0
        for seed in [0, 2, 3, 10_000_000, 10_000_001]:
            plain = scene(seed, 96)
            self.assertTrue(np.array_equal(plain, scene(seed, 96, boats=False)))
            with_boats = scene(seed, 96, boats=True)
            self.assertEqual(with_boats.dtype, np.uint8)
            changed += int((with_boats != plain).any())
        self.assertGreater(changed, 0)


if __name__ == '__main__':
    unittest.main()
