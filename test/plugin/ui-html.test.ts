// What figma.showUI gets: the inline panel, or in hosted mode a page that navigates the iframe to
// the hosted panel with the plugin id in its query.
import { hostedPageUrl, isHostedUrl, pluginUiHtml, redirectHtml } from '../../src/plugin/ui-html';
import { startPlugin } from '../../src/plugin/controller';
import { installFigmaFake, uninstallFigmaFake } from './figma-fake';

describe('hosted mode html', () => {
  test('no hosted URL: the inline panel as it is', () => {
    expect(pluginUiHtml('<html>inline</html>', '', '42')).toBe('<html>inline</html>');
  });

  test('a hosted URL: a page that sets location.href to it, plugin id in the query', () => {
    const html = pluginUiHtml('<html>inline</html>', 'https://example.github.io/sdedit/', '42');
    expect(html).not.toContain('inline');
    // the script as the iframe runs it: against a fake location and the document Figma themed
    const script = /<script>([\s\S]*)<\/script>/.exec(html)![1];
    const run = (htmlClass: string) => {
      const location = { href: '' };
      const document = { documentElement: { classList: { contains: (c: string) => c === htmlClass } } };
      new Function('location', 'document', script)(location, document);
      return location.href;
    };
    expect(run('')).toBe('https://example.github.io/sdedit/?pluginId=42');
    expect(run('figma-dark')).toBe('https://example.github.io/sdedit/?pluginId=42&theme=dark');
    expect(run('figma-light')).toBe('https://example.github.io/sdedit/?pluginId=42&theme=light');
  });

  test('the plugin id goes before a fragment and after an existing query', () => {
    expect(hostedPageUrl('https://h.example/app?x=1#top', 'a b')).toBe('https://h.example/app?x=1&pluginId=a%20b#top');
    expect(hostedPageUrl('https://h.example/', undefined)).toBe('https://h.example/');
  });

  test('only https, or http on localhost; nothing that could break out of the script', () => {
    expect(isHostedUrl('https://example.com/sdedit/')).toBe(true);
    expect(isHostedUrl('http://localhost:8080/')).toBe(true);
    expect(isHostedUrl('http://127.0.0.1:5173/web/index.html')).toBe(true);
    for (const bad of ['http://example.com/', 'javascript:alert(1)', 'https://x.com/"</script>', 'https://a b.com/', 'data:text/html,hi', 'ftp://x/']) {
      expect(isHostedUrl(bad)).toBe(false);
      expect(() => pluginUiHtml('<html></html>', bad, '1')).toThrow('not an https URL');
    }
    expect(redirectHtml('https://x.example/?a=<b>')).not.toMatch(/<b>/);
  });

  test('the sandbox shows the redirect page in hosted mode, and the inline panel (with a notice) for a bad address', () => {
    const fake = installFigmaFake();
    try {
      startPlugin({ hostedUrl: 'https://sdedit.example/' });
      expect(fake.shownHtml).toContain('new URL("https://sdedit.example/?pluginId=1234567890")');
      expect(fake.showUIOptions).toMatchObject({ themeColors: true, width: 360, height: 600 });
      fake.closePlugin();
    } finally {
      uninstallFigmaFake();
    }
    const fake2 = installFigmaFake();
    try {
      startPlugin({ hostedUrl: 'http://example.com/' });
      expect(fake2.shownHtml).toBe('<html><body>SDEdit</body></html>');
      expect(fake2.notifications).toEqual([{ message: expect.stringContaining('not an https URL'), error: true }]);
      fake2.closePlugin();
    } finally {
      uninstallFigmaFake();
    }
  });
});
