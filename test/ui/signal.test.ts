import { signalAt, vpLinear } from '../../src/core/schedule';
import { describeSignalKept, formatPercent, signalKept, signalKeptTerm } from '../../src/ui/panel/signal';
import { formatT0, shiftStep } from '../../src/ui/panel/t0-value';
import { backendLabel, countOf, formatBytes, formatMs, sourceLabel } from '../../src/ui/panel/format';

describe('signal kept at t0', () => {
  test('√ᾱ(t0) of the VP linear schedule, falling with t0', () => {
    const vp = vpLinear();
    for (const t of [0.1, 0.3, 0.5, 0.8]) expect(signalKept(t)).toBeCloseTo(signalAt(vp, t), 12);
    expect(signalKept(0.3)).toBeGreaterThan(signalKept(0.6));
    expect(signalKept(1)).toBeLessThan(0.01);
  });
  test('VE: 1/σ, clamped to at most 100%', () => {
    expect(signalKept(0, 've')).toBe(1);
    expect(signalKept(0.9, 've')).toBeLessThan(0.1);
  });
  test('wording', () => {
    expect(formatPercent(0.7123)).toBe('71%');
    expect(formatPercent(0.042)).toBe('4.2%');
    expect(formatPercent(0.0001)).toBe('<0.1%');
    expect(formatPercent(0.999)).toBe('100%');
    expect(describeSignalKept(0.5)).toMatch(/^keeps \d+% of the guide's signal$/);
  });
});

describe('t0 control helpers', () => {
  test('shift+arrow steps by 0.1 and stays in (0, 1]', () => {
    expect(shiftStep('ArrowRight', true, 0.5)).toBe(0.6);
    expect(shiftStep('ArrowUp', true, 0.95)).toBe(1);
    expect(shiftStep('ArrowLeft', true, 0.05)).toBe(0.01);
    expect(shiftStep('ArrowDown', true, 0.45)).toBe(0.35);
    expect(shiftStep('ArrowRight', false, 0.5)).toBeNull(); // the native slider does 0.01
    expect(shiftStep('a', true, 0.5)).toBeNull();
  });
  test('formatting', () => {
    expect(formatT0(0.5)).toBe('0.50');
    expect(formatT0(0.455)).toBe('0.455');
    expect(formatBytes(3.5 * 1024 * 1024)).toBe('3.5 MB');
    expect(formatBytes(2048)).toBe('2 KB');
    expect(formatMs(42.4)).toBe('42 ms');
    expect(formatMs(2500)).toBe('2.5 s');
    expect(countOf(1, 'step')).toBe('1 step');
    expect(countOf(4, 'step')).toBe('4 steps');
    expect(backendLabel('webgpu')).toBe('WebGPU');
    expect(backendLabel('wasm')).toBe('WASM');
    expect(sourceLabel('embedded')).toMatch(/offline/);
    expect(sourceLabel('https://huggingface.co/x/y')).toBe('from huggingface.co');
  });
});

test('the tooltip names the precise quantity behind “signal kept”', () => {
  const term = signalKeptTerm(0.5, 'vp');
  expect(term).toMatch(/^√ᾱ\(t0\) = 0\.\d\d:/);
  expect(Number(/= ([\d.]+)/.exec(term)?.[1])).toBeCloseTo(signalKept(0.5, 'vp'), 2);
  expect(signalKeptTerm(0.5, 've')).toMatch(/^1\/σ\(t0\) = /);
});
