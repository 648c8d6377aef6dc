"""Photographs that Debian ships inside other files, for models/train/photos.py.

- Qt resource bundles (`.rcc`, gcompris-qt-data): `rcc_members` lists a bundle's files;
- the licence statements gcompris keeps beside its images, as a `README` in the image's folder
  inside the same bundle (paragraphs of `Copyright:`, `License:`, `Source:`, `Comment(s):`, and
  `Files:` followed by paths relative to that folder, on the same line or the next ones):
  `readme_statement` finds the paragraph that names a file.

A photograph inside a bundle is named `<bundle path>!<member path>` in the manifest (MEMBER_SEP).
"""
import re
import struct
import zlib

MEMBER_SEP = '!'


def member_path(bundle, member):
    """The manifest name of a bundle's member: '<bundle>!<member>'."""
    return bundle + MEMBER_SEP + member


def split_member(path):
    """'/x/y.rcc!/a/b.webp' -> ('/x/y.rcc', '/a/b.webp'); a plain path -> (path, None)."""
    if MEMBER_SEP in path:
        bundle, member = path.split(MEMBER_SEP, 1)
        return bundle, member
    return path, None


def rcc_members(data):
    """{member path: bytes} of a Qt resource bundle (format versions 1-3). The member paths start
    with '/'. zlib-compressed members are inflated; zstd-compressed ones are refused (none of the
    photographs used here is)."""
    if data[:4] != b'qres':
        raise ValueError('not a Qt resource bundle (no "qres" magic)')
    version, tree, payload, names = struct.unpack('>IIII', data[4:20])
    if version not in (1, 2, 3):
        raise ValueError(f'Qt resource bundle version {version} is not one this reader knows')
    entry_size = 14 if version == 1 else 22

    def name_at(offset):
        (n,) = struct.unpack('>H', data[names + offset:names + offset + 2])
        start = names + offset + 6  # length (2), hash (4), then UTF-16BE characters
        return data[start:start + 2 * n].decode('utf-16-be')

    out = {}

    def walk(index, parent):
        e = data[tree + index * entry_size:tree + (index + 1) * entry_size]
        name_off, flags = struct.unpack('>IH', e[:6])
        path = parent if index == 0 else f'{parent}/{name_at(name_off)}'
        if flags & 2:  # a directory: child count, first child's index
            count, first = struct.unpack('>II', e[6:14])
            for k in range(count):
                walk(first + k, path)
            return
        (off,) = struct.unpack('>I', e[10:14])  # after country (2) and language (2)
        (n,) = struct.unpack('>I', data[payload + off:payload + off + 4])
        raw = data[payload + off + 4:payload + off + 4 + n]
        if flags & 1:  # qCompress: 4-byte big-endian length, then a zlib stream
            raw = zlib.decompress(raw[4:])
        elif flags & 4:
            raise ValueError(f'{path}: zstd-compressed member (not supported here)')
        out[path] = raw

    walk(0, '')
    return out


_KEY = re.compile(r'^([A-Za-z][A-Za-z-]*):\s*(.*)$')
_FILE = re.compile(r'^[^\s:]+\.[A-Za-z0-9]{2,4}$')


def readme_paragraphs(text):
    """gcompris README -> list of {field: value} with 'Files' a list of relative paths (after a
    `Files:` line, or, as a few paragraphs have it, lines that are file names and nothing else)."""
    paras, cur, key = [], {}, None
    for line in text.splitlines() + ['']:
        s = line.strip()
        if not s:
            if cur:
                paras.append(cur)
            cur, key = {}, None
            continue
        m = _KEY.match(s)
        if m and not (key == 'Files' and m.group(1) not in ('Copyright', 'License', 'Source', 'Comment', 'Comments')):
            key, val = m.group(1), m.group(2).strip()
            if key == 'Files':
                cur['Files'] = val.split() if val else []
            else:
                cur[key] = val
        elif key == 'Files' or _FILE.match(s):
            # (a few paragraphs list their files with no `Files:` line at all)
            cur.setdefault('Files', []).extend(s.split())
            key = 'Files'
        elif key:
            cur[key] += ' ' + s
    return paras


def readme_statement(members, member):
    """(licence, copyright holder, source, comment) for an image member of a gcompris bundle, from
    the README paragraph that names it (the README in its folder or a parent folder inside the
    bundle, paths relative to that README). Raises ValueError when none names it."""
    folder = member.rsplit('/', 1)[0]
    while folder:
        readme = members.get(folder + '/README')
        if readme is not None:
            rel = member[len(folder) + 1:]
            found = None
            for p in readme_paragraphs(readme.decode('utf-8')):
                if rel in p.get('Files', []):
                    found = p
            if found:
                comment = found.get('Comment') or found.get('Comments')
                return found.get('License', ''), found.get('Copyright', ''), found.get('Source'), comment
        folder = folder.rsplit('/', 1)[0]
    raise ValueError(f'no README paragraph names {member}')
