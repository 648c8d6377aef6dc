// The sandbox's side of the pack choice and prompt history: kept in clientStorage, checked on
// the way in and out, answered to 'load-pack-prefs'.
import type { PackPrefs, PluginToUi } from '../../src/protocol';
import { startPlugin, type PluginHandle } from '../../src/plugin/controller';
import { PACK_PREFS_KEY } from '../../src/plugin/pack-prefs';
import { installFigmaFake, uninstallFigmaFake, type FigmaFake } from './figma-fake';

type PrefsMsg = Extract<PluginToUi, { type: 'pack-prefs' }>;

let fake: FigmaFake;
let plugin: PluginHandle;
beforeEach(() => {
  fake = installFigmaFake();
});
afterEach(() => {
  fake.closePlugin();
  uninstallFigmaFake();
});

async function send(message: unknown): Promise<void> {
  fake.fromUi(message);
  await plugin.idle();
}

test('saved prefs come back trimmed on the next load; garbage in storage gives the defaults', async () => {
  plugin = startPlugin();
  await plugin.idle();
  await send({ type: 'load-pack-prefs' });
  expect(fake.postedOfType<PrefsMsg>('pack-prefs').at(-1)?.prefs).toEqual({ pack: 'default', prompts: [], accepted: [] });

  const prefs: PackPrefs = { pack: 'sd-turbo', prompts: ['a lake', 'a lake', ...Array.from({ length: 30 }, (_, i) => `p${i}`)], accepted: ['sd-turbo'] };
  await send({ type: 'save-pack-prefs', prefs });
  const stored = (await fake.clientStorage.getAsync(PACK_PREFS_KEY)) as PackPrefs;
  expect(stored.pack).toBe('sd-turbo');
  expect(stored.prompts).toHaveLength(10);
  expect(stored.prompts.slice(0, 2)).toEqual(['a lake', 'p0']);
  await send({ type: 'load-pack-prefs' });
  expect(fake.postedOfType<PrefsMsg>('pack-prefs').at(-1)?.prefs).toEqual(stored);

  await fake.clientStorage.setAsync(PACK_PREFS_KEY, 'not prefs');
  await send({ type: 'load-pack-prefs' });
  expect(fake.postedOfType<PrefsMsg>('pack-prefs').at(-1)?.prefs).toEqual({ pack: 'default', prompts: [], accepted: [] });
});
