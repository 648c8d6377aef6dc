import { ArgError, outputPaths, parseArgs } from '../../src/cli/args';

const opts = (argv: string[]) => {
  const r = parseArgs(argv);
  if (r.help) throw new Error('help');
  return r.options;
};
const req = ['--guide', 'in.png', '--out', 'out.png'];

describe('parseArgs', () => {
  it('applies the defaults', () => {
    expect(opts(req)).toEqual({
      guide: 'in.png',
      out: 'out.png',
      mask: null,
      model: 'models/default',
      t0: 0.5,
      steps: 20,
      sampler: null,
      grid: null,
      eta: 0,
      repeats: 1,
      seed: 1,
      size: 256,
      variations: 1,
      threads: 2,
      json: false,
    });
  });
  it('reads every option, in both --flag value and --flag=value forms', () => {
    const o = opts([...req, '--mask', 'm.png', '--model=packs/x', '--t0', '1', '--steps=0', '--sampler', 'ddim', '--eta', '0.5', '--repeats', '3', '--seed', '42', '--size', '512', '--variations', '4', '--threads', '1', '--json']);
    expect(o).toMatchObject({ mask: 'm.png', model: 'packs/x', t0: 1, steps: 0, sampler: 'ddim', eta: 0.5, repeats: 3, seed: 42, size: 512, variations: 4, threads: 1, json: true });
  });
  it('takes the few-step solvers, with a grid', () => {
    expect(opts([...req, '--sampler', 'dpmpp2m'])).toMatchObject({ sampler: 'dpmpp2m', grid: null });
    expect(opts([...req, '--sampler', 'dpmpp2m-sde', '--grid', 'logsnr', '--steps', '10'])).toMatchObject({ sampler: 'dpmpp2m-sde', grid: 'logsnr', steps: 10 });
    expect(opts([...req, '--sampler=dpmpp2m', '--grid=quadratic'])).toMatchObject({ sampler: 'dpmpp2m', grid: 'quadratic' });
  });
  it('--help wins', () => {
    expect(parseArgs(['--help']).help).toBe(true);
    expect(parseArgs(['--guide', 'x', '-h']).help).toBe(true);
  });
  it.each([
    [['--out', 'o.png'], /--guide is required/],
    [['--guide', 'g.png'], /--out is required/],
    [[...req, '--frobnicate'], /unknown option --frobnicate/],
    [[...req, 'extra'], /unexpected argument 'extra'/],
    [[...req, '--t0'], /--t0 needs a value/],
    [[...req, '--t0', '--json'], /--t0 needs a value/],
    [[...req, '--t0', '0'], /--t0 must be in \(0, 1\], got 0/],
    [[...req, '--t0', '1.01'], /--t0 must be in \(0, 1\]/],
    [[...req, '--t0', 'half'], /--t0 must be a number, got 'half'/],
    [[...req, '--steps', '2.5'], /--steps must be an integer from 0/],
    [[...req, '--sampler', 'euler'], /--sampler must be ddpm, ddim, ve, dpmpp2m or dpmpp2m-sde, got 'euler'/],
    [[...req, '--sampler', 'dpmpp2m', '--grid', 'cubic'], /--grid must be time, quadratic, logsnr, got 'cubic'/],
    [[...req, '--grid', 'logsnr'], /--grid applies to --sampler dpmpp2m or dpmpp2m-sde only/],
    [[...req, '--sampler', 'ddim', '--grid', 'time'], /--grid applies to --sampler dpmpp2m or dpmpp2m-sde only/],
    [[...req, '--eta', '0.3'], /--eta applies to --sampler ddim only/],
    [[...req, '--sampler', 'ddim', '--eta', '-1'], /--eta must be ≥ 0/],
    [[...req, '--repeats', '0'], /--repeats must be an integer from 1/],
    [[...req, '--size', '4'], /--size must be an integer from 8 to 4096/],
    [[...req, '--variations', '0'], /--variations must be an integer from 1/],
    [[...req, '--seed', '-3'], /--seed must be an integer/],
    [[...req, '--json=1'], /--json takes no value/],
    [[...req, '--seed', '1', '--seed', '2'], /--seed given twice/],
  ])('%j → %s', (argv, re) => {
    expect(() => parseArgs(argv)).toThrow(ArgError);
    expect(() => parseArgs(argv)).toThrow(re);
  });
  it('error messages are one line', () => {
    try {
      parseArgs([...req, '--t0', 'x']);
    } catch (e) {
      expect((e as Error).message).not.toMatch(/\n/);
    }
  });
});

describe('outputPaths', () => {
  it('suffixes -1 … -N before the extension when there are several variations', () => {
    expect(outputPaths('out/a.png', 1)).toEqual(['out/a.png']);
    expect(outputPaths('out/a.png', 3)).toEqual(['out/a-1.png', 'out/a-2.png', 'out/a-3.png']);
    expect(outputPaths('out.d/a', 2)).toEqual(['out.d/a-1', 'out.d/a-2']);
  });
});
