/**
 * Markdown → safe DOM. Two independent layers, so a bug in one is not enough to run a
 * document's script:
 * 1. marked renders raw HTML in the document as *text* (it is shown, never parsed as markup);
 * 2. DOMPurify sanitises the result (drops scripts, iframes, event handlers, `javascript:` and
 *    other unsafe URLs, inline styles) and hands back a DOM fragment, created through its own
 *    Trusted Types policy: the page's CSP (`require-trusted-types-for 'script'`) refuses any
 *    other route from a string to HTML.
 * The page's CSP (`script-src 'self'`, `img-src 'self' data:`) is the third layer.
 */
import DOMPurify, { type Config } from 'dompurify';
import { Marked } from 'marked';

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const marked = new Marked({
  gfm: true,
  async: false,
  renderer: {
    // Raw HTML blocks and inline tags: shown as source text, never interpreted.
    html: ({ text }) => escapeHtml(text),
  },
});

// The default instance: a second one would try to create a second "dompurify" Trusted Types policy.
const purifier = DOMPurify;

purifier.addHook('afterSanitizeAttributes', (node) => {
  if (node instanceof HTMLAnchorElement && node.hasAttribute('href')) {
    // Links leave the app in a new tab, without handing it our window or our URL.
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

const PURIFY_CONFIG: Config & { RETURN_DOM_FRAGMENT: true } = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select'],
  FORBID_ATTR: ['style', 'srcset'],
  ALLOW_DATA_ATTR: false,
  RETURN_DOM_FRAGMENT: true,
};

/** The markdown source as sanitised DOM nodes, ready to insert. */
export function renderMarkdown(source: string): DocumentFragment {
  const html = marked.parse(source) as string;
  return purifier.sanitize(html, PURIFY_CONFIG);
}

/** Plain text shown as is (a `<pre>`), no markup involved at all. */
export function renderPlainText(source: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  const pre = document.createElement('pre');
  pre.className = 'plain-text';
  pre.textContent = source;
  fragment.append(pre);
  return fragment;
}
