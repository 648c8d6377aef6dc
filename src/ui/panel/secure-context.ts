// WebGPU exists only in a secure context. Figma loads the inline panel either as about:srcdoc
// (secure, WebGPU possible) or, in some versions, from a data: URL, which browsers never treat
// as secure: there navigator.gpu is missing and every run falls back to WASM. The designer is
// told why, and that hosted mode (the same panel served from an https address) fixes it.
import type { RuntimeNotice } from '../runtime/engine-api';

export interface PageContext {
  /** window.isSecureContext; undefined where the environment does not say */
  isSecureContext: boolean | undefined;
  hasGpu: boolean;
  /** location.protocol, e.g. "data:", "about:", "https:" */
  protocol: string;
  /** the panel runs as the hosted page (a real origin), not inline in Figma's iframe */
  hosted: boolean;
}

export function pageContext(win: Window = window): PageContext {
  const gpu = (win.navigator as Navigator & { gpu?: unknown }).gpu;
  return {
    isSecureContext: typeof win.isSecureContext === 'boolean' ? win.isSecureContext : undefined,
    hasGpu: gpu !== undefined && gpu !== null,
    protocol: win.location.protocol,
    hosted: win.origin !== 'null' && Boolean(win.origin),
  };
}

/** The notice to show when WebGPU is missing because the page is not a secure context; null
 *  when WebGPU is there, or missing for another reason (the engine reports those). */
export function secureContextNotice(ctx: PageContext): RuntimeNotice | null {
  if (ctx.hasGpu || ctx.isSecureContext !== false) return null;
  if (ctx.hosted) {
    return {
      level: 'warning',
      message: `WebGPU is unavailable: this page is served over ${ctx.protocol.replace(':', '')}, which is not a secure context, so the model runs on the CPU (slower). Serve the hosted panel over https.`,
    };
  }
  const where = ctx.protocol === 'data:' ? 'Figma opened this plugin window from a data: URL, which' : 'This plugin window';
  return {
    level: 'warning',
    message: `WebGPU is unavailable: ${where} is not a secure context, so the model runs on the CPU (slower). Hosted mode (the panel served from an https address, see the README) gives it WebGPU.`,
  };
}
