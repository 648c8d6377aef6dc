// What figma.showUI gets: the inline panel (dist/ui.html, as __html__), or in hosted mode a tiny
// page that navigates the plugin iframe to the hosted copy of the same panel (dist/web on an
// https origin), which has storage of its own and is a secure context. Figma's sandbox has no
// URL class, so the address is checked with a pattern; build.mjs checks it fully at build time.
import { HOSTED_PLUGIN_ID_PARAM, HOSTED_THEME_PARAM } from '../protocol';

/** https anywhere, or http on this machine (a dev server). No quotes, spaces or angle brackets. */
const HOSTED_URL = /^(https:\/\/[^\s"'<>\\`]+|http:\/\/(localhost|127\.0\.0\.1)(:\d+)?(\/[^\s"'<>\\`]*)?)$/;

export function isHostedUrl(url: string): boolean {
  return HOSTED_URL.test(url);
}

/** The hosted page's address with the plugin id in its query (before any #fragment). */
export function hostedPageUrl(url: string, pluginId: string | undefined): string {
  if (!pluginId) return url;
  const hash = url.indexOf('#');
  const [base, fragment] = hash < 0 ? [url, ''] : [url.slice(0, hash), url.slice(hash)];
  const sep = base.includes('?') ? '&' : '?';
  return `${base}${sep}${HOSTED_PLUGIN_ID_PARAM}=${encodeURIComponent(pluginId)}${fragment}`;
}

/** A page that sends the iframe to `url`, saying where it goes while the hosted page loads. It
 *  passes on Figma's theme (the figma-dark / figma-light class Figma puts on this first document
 *  with themeColors), since the theme colours stay behind with it. */
export function redirectHtml(url: string): string {
  const js = JSON.stringify(url).replace(/</g, '\\u003c');
  const theme = JSON.stringify(HOSTED_THEME_PARAM);
  const shown = url.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return (
    '<!doctype html><html><head><meta charset="utf-8"><title>SDEdit</title></head>' +
    '<body style="font:12px system-ui,sans-serif;margin:12px">' +
    `<p>Opening SDEdit from ${shown} …</p>` +
    '<p>If this stays, that site cannot be reached: check the connection, or build the plugin without SDEDIT_HOSTED_URL to use the built-in panel.</p>' +
    `<script>(function () { var u = new URL(${js}); var c = document.documentElement.classList;` +
    ` if (c.contains('figma-dark')) u.searchParams.set(${theme}, 'dark'); else if (c.contains('figma-light')) u.searchParams.set(${theme}, 'light');` +
    ` location.href = u.href; })();</script></body></html>`
  );
}

/** The html for figma.showUI: `inline` unless a hosted URL is configured. */
export function pluginUiHtml(inline: string, hostedUrl: string, pluginId: string | undefined): string {
  if (!hostedUrl) return inline;
  if (!isHostedUrl(hostedUrl)) {
    throw new Error(`The hosted panel address "${hostedUrl}" is not an https URL (or http://localhost for development).`);
  }
  return redirectHtml(hostedPageUrl(hostedUrl, pluginId));
}
