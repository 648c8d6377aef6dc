// models/train/v2/gpu-tree.sh: for the one device call that trains v2, the checkout is hidden
// from git (the device tool sends tracked and untracked-not-ignored files with the carried paths,
// 64 MiB in all, and this checkout's tracked files alone are over that), then brought back. A
// session relies on three things: while hidden nothing but the carried (ignored) paths would
// travel, no file on disk is touched, and restore gives back the checkout exactly as committed.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const SCRIPT = path.resolve(__dirname, '../../models/train/v2/gpu-tree.sh');

let repo = '';
const git = (...args: string[]): string => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
const tree = (...args: string[]) => spawnSync('bash', ['models/train/v2/gpu-tree.sh', ...args], { cwd: repo, encoding: 'utf8' });
/** what the device tool's rule sends: tracked plus untracked files git does not ignore */
const travelling = (): string[] => git('ls-files', '--cached', '--others', '--exclude-standard').split('\n').filter(Boolean).sort();

const FILES: Record<string, string> = {
  '.gitignore': 'models/train/cache/\nnode_modules/\n',
  'models/default/model.onnx': 'x'.repeat(5000),
  'models/default/eval/sheet.png': 'y'.repeat(3000),
  'src/core/loop.ts': 'export {};\n',
};

beforeEach(() => {
  repo = mkdtempSync(path.join(tmpdir(), 'gpu-tree-'));
  git('init', '-q');
  git('config', 'user.email', 't@example.invalid');
  git('config', 'user.name', 't');
  for (const [f, body] of Object.entries(FILES)) {
    mkdirSync(path.dirname(path.join(repo, f)), { recursive: true });
    writeFileSync(path.join(repo, f), body);
  }
  mkdirSync(path.join(repo, 'models/train/v2'), { recursive: true });
  copyFileSync(SCRIPT, path.join(repo, 'models/train/v2/gpu-tree.sh'));
  git('add', '-A');
  git('commit', '-q', '-m', 'start');
  // the carried tarball and installed packages: ignored, never tracked
  mkdirSync(path.join(repo, 'models/train/cache/gpu-carry'), { recursive: true });
  writeFileSync(path.join(repo, 'models/train/cache/gpu-carry/v2-gpu.tar.gz'), 'tarball');
  mkdirSync(path.join(repo, 'node_modules/pkg'), { recursive: true });
  writeFileSync(path.join(repo, 'node_modules/pkg/index.js'), '');
});
afterEach(() => rmSync(repo, { recursive: true, force: true }));

test('hide leaves nothing of the tree to travel and touches no file; restore gives the committed checkout back', () => {
  const before = travelling();
  expect(before).toContain('models/default/model.onnx');
  expect(Number(tree('size').stdout)).toBeGreaterThan(8000);

  const hidden = tree('hide');
  expect(hidden.status).toBe(0);
  expect(travelling()).toEqual([]);
  expect(tree('size').stdout.trim()).toBe('0');
  expect(tree('status').stdout.trim()).toBe('hidden');
  // the carried path is still an ignored path (what the tool's carry takes)
  expect(spawnSync('git', ['check-ignore', '-q', 'models/train/cache/gpu-carry/v2-gpu.tar.gz'], { cwd: repo }).status).toBe(0);
  // a file written while hidden (e.g. a result fetched into the checkout) does not travel either
  writeFileSync(path.join(repo, 'new-file.txt'), 'n');
  expect(travelling()).toEqual([]);
  rmSync(path.join(repo, 'new-file.txt'));
  for (const [f, body] of Object.entries(FILES)) expect(readFileSync(path.join(repo, f), 'utf8')).toBe(body);

  const restored = tree('restore');
  expect(restored.status).toBe(0);
  expect(travelling()).toEqual(before);
  expect(git('status', '--porcelain')).toBe('');
  expect(tree('status').stdout.trim()).toBe('visible');
  expect(readFileSync(path.join(repo, '.git/info/exclude'), 'utf8')).not.toMatch(/gpu-tree/);
});

test('hide refuses, changing nothing, when something is uncommitted or it is already hidden', () => {
  writeFileSync(path.join(repo, 'src/core/loop.ts'), 'export const edited = 1;\n');
  const refused = tree('hide');
  expect(refused.status).not.toBe(0);
  expect(refused.stderr).toMatch(/uncommitted changes/);
  expect(tree('status').stdout.trim()).toBe('visible');
  expect(git('status', '--porcelain')).toBe(' M src/core/loop.ts\n');
  git('checkout', '--', 'src/core/loop.ts');

  expect(tree('hide').status).toBe(0);
  const again = tree('hide');
  expect(again.status).not.toBe(0);
  expect(again.stderr).toMatch(/already hidden/);
  expect(tree('restore').status).toBe(0);
  expect(git('status', '--porcelain')).toBe('');
});

test('restore is safe to run when nothing is hidden, and keeps the exclude file\'s own lines', () => {
  writeFileSync(path.join(repo, '.git/info/exclude'), '/.whl/\n');
  expect(tree('hide').status).toBe(0);
  expect(tree('restore').status).toBe(0);
  expect(tree('restore').status).toBe(0);
  expect(readFileSync(path.join(repo, '.git/info/exclude'), 'utf8')).toBe('/.whl/\n');
  expect(git('status', '--porcelain')).toBe('');
});

test('restore refuses, restoring nothing, when a commit was made while hidden, and works once it is undone', () => {
  const start = git('rev-parse', 'HEAD').trim();
  expect(tree('hide').status).toBe(0);
  git('commit', '-q', '-m', 'made while hidden: deletes every file');
  const refused = tree('restore');
  expect(refused.status).not.toBe(0);
  expect(refused.stderr).toMatch(/HEAD moved while hidden/);
  expect(tree('status').stdout.trim()).toBe('hidden');
  git('reset', '--soft', start);
  expect(tree('restore').status).toBe(0);
  expect(git('status', '--porcelain')).toBe('');
  expect(git('rev-parse', 'HEAD').trim()).toBe(start);
});
