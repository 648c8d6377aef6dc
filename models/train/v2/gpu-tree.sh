#!/usr/bin/env bash
# Hides this checkout from git for the one device call that trains v2, and brings it back.
#
# The device tool sends the checkout's tracked and untracked-not-ignored files together with the
# carried paths, 64 MiB in all, and this checkout's tracked files alone are ≈ 70 MiB (the shipped
# models and their evaluation sheets). The training call needs none of them: make-carry.sh's
# tarball holds the recipe, the photographs and the checkpoint. So, for that call only, git is
# told to track nothing and to ignore everything; the carried tarball (an ignored path) still
# travels. Nothing on disk is written except git's index and .git/info/exclude.
#
#   bash models/train/v2/gpu-tree.sh size      # bytes of the tree that would travel now
#   bash models/train/v2/gpu-tree.sh hide      # right before the device call
#   bash models/train/v2/gpu-tree.sh restore   # right after it (and whenever `status` says hidden)
#   bash models/train/v2/gpu-tree.sh status    # hidden | visible
#
# `hide` refuses when anything is uncommitted (restore resets the index to HEAD, which would drop
# what was staged). Do not commit while hidden: the index then holds no file (restore then stops and
# says how to undo the commit).
set -euo pipefail
cd "$(dirname "$0")/../../.."
GIT_DIR=$(git rev-parse --absolute-git-dir)
EXCLUDE="$GIT_DIR/info/exclude"
MARK="$GIT_DIR/gpu-tree-hidden"
BEGIN='# gpu-tree.sh hide: begin (bash models/train/v2/gpu-tree.sh restore removes this block)'
END='# gpu-tree.sh hide: end'

# What the device tool's rule names: tracked files plus untracked files git does not ignore.
tree_bytes() {
  git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}'
}

drop_block() {
  [ -f "$EXCLUDE" ] || return 0
  awk -v b="$BEGIN" -v e="$END" '$0 == b {skip = 1; next} $0 == e {skip = 0; next} !skip' "$EXCLUDE" > "$EXCLUDE.tmp"
  mv "$EXCLUDE.tmp" "$EXCLUDE"
}

case "${1:-}" in
  size)
    tree_bytes
    ;;
  status)
    if [ -f "$MARK" ]; then echo hidden; else echo visible; fi
    ;;
  hide)
    if [ -f "$MARK" ]; then echo "gpu-tree: already hidden (restore with: bash models/train/v2/gpu-tree.sh restore)" >&2; exit 1; fi
    if [ -n "$(git status --porcelain)" ]; then
      echo "gpu-tree: the checkout has uncommitted changes; commit or stash them first (nothing was changed)" >&2
      git status --short >&2
      exit 1
    fi
    git rev-parse HEAD > "$MARK"
    mkdir -p "$(dirname "$EXCLUDE")"
    drop_block
    printf '%s\n/*\n%s\n' "$BEGIN" "$END" >> "$EXCLUDE"
    git rm -r -q --cached -- .
    echo "gpu-tree: hidden: $(tree_bytes) bytes of the tree travel now (was every tracked file); restore right after the device call"
    ;;
  restore)
    if [ -f "$MARK" ] && [ "$(git rev-parse HEAD)" != "$(cat "$MARK")" ]; then
      # a commit made while hidden records every file as deleted: resetting the index to it
      # would make that the checkout's state, so stop and say how to undo it
      echo "gpu-tree: HEAD moved while hidden (was $(cat "$MARK")); nothing was restored. Undo the commit first: git reset --soft $(cat "$MARK"), then restore again" >&2
      exit 1
    fi
    drop_block
    if [ -f "$MARK" ]; then
      git reset -q  # the index back to HEAD, the commit hide started from
      rm -f "$MARK"
    fi
    if [ -n "$(git status --porcelain)" ]; then
      echo "gpu-tree: restored, but the checkout differs from HEAD:" >&2
      git status --short >&2
      exit 1
    fi
    echo "gpu-tree: visible: $(git ls-files | wc -l) tracked files, clean"
    ;;
  *)
    echo "usage: bash models/train/v2/gpu-tree.sh size|status|hide|restore" >&2
    exit 2
    ;;
esac
