"""Checks of photo_bundles.py (stdlib only, no packages needed):

    /usr/bin/python3 -m unittest discover -s models/train -p 'test_*.py'

A Qt resource bundle is written here by hand, in the layout Qt's rcc writes (header, tree of
14- or 22-byte entries, payload, names), so the reader is checked against the format, not against
itself; and a README with both paragraph forms gcompris uses.
"""
import os
import struct
import sys
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from photo_bundles import rcc_members, readme_paragraphs, readme_statement, split_member  # noqa: E402


def make_rcc(tree, version=2):
    """tree: {name: bytes | (bytes, 'zlib') | {sub-tree}} -> the bytes of a Qt resource bundle
    (entries breadth-first, as rcc writes them: a directory's children are contiguous)."""
    names, payload, entries = b'', b'', b''
    order, child_range, pending = [('', tree)], {}, [(0, tree)]
    while pending:
        index, node = pending.pop(0)
        children = sorted(node.items())
        child_range[index] = (len(children), len(order))
        for name, child in children:
            if isinstance(child, dict):
                pending.append((len(order), child))
            order.append((name, child))
    for i, (name, node) in enumerate(order):
        noff = len(names)
        if i:
            names += struct.pack('>HI', len(name), 0) + name.encode('utf-16-be')  # length, hash, name
        if isinstance(node, dict):
            count, first = child_range[i]
            entries += struct.pack('>IHII', noff if i else 0, 2, count, first)
        else:
            data, compressed = (node[0], True) if isinstance(node, tuple) else (node, False)
            stored = struct.pack('>I', len(data)) + zlib.compress(data) if compressed else data
            entries += struct.pack('>IHHHI', noff, 1 if compressed else 0, 0, 0, len(payload))
            payload += struct.pack('>I', len(stored)) + stored
        if version >= 2:
            entries += struct.pack('>Q', 0)  # last modified
    tree_off = 20 if version < 3 else 24
    payload_off = tree_off + len(entries)
    header = b'qres' + struct.pack('>IIII', version, tree_off, payload_off, payload_off + len(payload))
    if version >= 3:
        header += struct.pack('>I', 0)  # overall flags
    return header + entries + payload + names


README = b"""Copyright: Someone, 2022
License: CC-BY-SA 4.0
Files:
drawing.svg

Copyright: A Photographer
Source: https://commons.wikimedia.org/wiki/File:Example.jpg
License: CC0-1.0
Comments: cropping, sharpening
Files: lake.webp

Copyright: 2000, 2008 Others
License: Public domain
boat_0.webp
boat_background.webp
Comment: based on an original image by X, license CC-BY-SA 3.0

Copyright: Deep
License: CC-BY 2.0
Source: https://example.org/deep
Files:
sub/deep.webp
"""


class RccTest(unittest.TestCase):
    def bundle(self, version):
        return make_rcc({'gc': {'res': {'README': README, 'lake.webp': b'LAKE' * 10,
                                        'boat_background.webp': (b'BOAT' * 300, 'zlib'),
                                        'sub': {'deep.webp': b'DEEP'}}}}, version)

    def test_members_every_version(self):
        for version in (1, 2, 3):
            m = rcc_members(self.bundle(version))
            self.assertEqual(sorted(m), ['/gc/res/README', '/gc/res/boat_background.webp',
                                         '/gc/res/lake.webp', '/gc/res/sub/deep.webp'], version)
            self.assertEqual(m['/gc/res/lake.webp'], b'LAKE' * 10)
            self.assertEqual(m['/gc/res/boat_background.webp'], b'BOAT' * 300)  # inflated
            self.assertEqual(m['/gc/res/sub/deep.webp'], b'DEEP')

    def test_refuses_what_it_cannot_read(self):
        with self.assertRaisesRegex(ValueError, 'qres'):
            rcc_members(b'PK\x03\x04' + bytes(40))
        bad = bytearray(self.bundle(2))
        bad[4:8] = struct.pack('>I', 9)
        with self.assertRaisesRegex(ValueError, 'version 9'):
            rcc_members(bytes(bad))

    def test_readme_statements(self):
        m = rcc_members(self.bundle(2))
        self.assertEqual(readme_statement(m, '/gc/res/lake.webp'),
                         ('CC0-1.0', 'A Photographer', 'https://commons.wikimedia.org/wiki/File:Example.jpg',
                          'cropping, sharpening'))
        # a paragraph that lists its files with no `Files:` line, its comment after them
        self.assertEqual(readme_statement(m, '/gc/res/boat_background.webp'),
                         ('Public domain', '2000, 2008 Others', None,
                          'based on an original image by X, license CC-BY-SA 3.0'))
        # a README in a parent folder, the path relative to it
        self.assertEqual(readme_statement(m, '/gc/res/sub/deep.webp')[0], 'CC-BY 2.0')
        with self.assertRaisesRegex(ValueError, 'no README paragraph names'):
            readme_statement({**m, '/gc/res/other.webp': b''}, '/gc/res/other.webp')

    def test_readme_paragraph_fields(self):
        paras = readme_paragraphs(README.decode())
        self.assertEqual([p['Files'] for p in paras],
                         [['drawing.svg'], ['lake.webp'], ['boat_0.webp', 'boat_background.webp'], ['sub/deep.webp']])

    def test_split_member(self):
        self.assertEqual(split_member('/usr/share/x.rcc!/a/b.webp'), ('/usr/share/x.rcc', '/a/b.webp'))
        self.assertEqual(split_member('/usr/share/a.jpg'), ('/usr/share/a.jpg', None))


if __name__ == '__main__':
    unittest.main()
