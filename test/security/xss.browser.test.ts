/**
 * Hostile documents render inert in real Chromium, beyond the UI suite's fixed hostile document
 * (test/ui/library.browser.test.ts): fast-check assembles documents from script, iframe, object,
 * SVG, event-handler and javascript:/data: URL fragments (plain, entity-encoded, obfuscated,
 * markdown and HTML forms) and puts them in the content, the title, the tags and the disease.
 * Each one is opened in the document view and the list, and its raw content URL is opened
 * directly in a tab. Nothing runs (a payload would set `__pwned`), nothing executable reaches
 * the DOM, no link or source carries a script URL. Reuses the UI suite's stack and browser.
 */
import test from 'ava';
import { fc, testProp } from '@fast-check/ava';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, watchProblems } from '../ui/browser.ts';
import { startStack, type Stack } from '../ui/stack.ts';

let stack: Stack;
let browser: Browser;

test.before(async () => {
  stack = await startStack();
  browser = await launchChromium();
});
test.after.always(async () => {
  await browser?.close();
  await stack?.stop();
});

const SET = (who: string) => `window.__pwned='${who}'`;
const FRAGMENTS = [
  `<script>${SET('script')}</script>`,
  `<SCRIPT SRC="data:text/javascript,${SET('script-src')}"></SCRIPT>`,
  `<img src=x onerror="${SET('img')}">`,
  `<iframe src="javascript:parent.__pwned='iframe'"></iframe>`,
  `<iframe srcdoc="<script>parent.__pwned='srcdoc'</script>"></iframe>`,
  `<object data="javascript:${SET('object')}"></object>`,
  `<embed src="javascript:${SET('embed')}">`,
  `<svg><script>${SET('svg-script')}</script></svg>`,
  `<svg onload="${SET('svg')}"/>`,
  `<math><mtext><table><mglyph><style><img src=x onerror="${SET('mxss')}">`,
  `<a href="javascript:${SET('a')}">a link</a>`,
  `<a href="JaVaScRiPt:${SET('case')}">case link</a>`,
  `<a href="&#106;avascript:${SET('entity')}">entity link</a>`,
  `<a href="java\tscript:${SET('tab')}">tab link</a>`,
  `<form action="javascript:${SET('form')}"><button>go</button></form>`,
  `<base href="javascript:${SET('base')}//">`,
  `<meta http-equiv="refresh" content="0;url=javascript:${SET('meta')}">`,
  `<details open ontoggle="${SET('details')}">x</details>`,
  `<style>@import "javascript:${SET('style')}";</style>`,
  `[md link](javascript:${SET('md')})`,
  `[md entity](jav&#x09;ascript:${SET('md-entity')})`,
  `[md data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
  `![md image](javascript:${SET('md-img')})`,
  `<javascript:${SET('autolink')}>`,
  `[ref][r]\n\n[r]: javascript:${SET('ref')}`,
  '`<script>inline code</script>`',
  '```html\n<script>fenced</script>\n```',
  '{{constructor.constructor("window.__pwned=\'template\'")()}}',
  '${alert(1)}',
];

const hostileText = fc
  .array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 6 })
  .map((parts) => parts.join('\n\n'));
const hostileShort = fc.constantFrom(
  `<img src=x onerror="${SET('title')}">`,
  `<script>${SET('title-script')}</script>`,
  `javascript:${SET('title-url')}`,
  `"><svg onload=${SET('attr')}>`,
);

async function inert(page: Page): Promise<string[]> {
  const wrong: string[] = [];
  const pwned = await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned);
  if (pwned !== undefined) wrong.push(`payload ran: ${pwned}`);
  const dom = await page.evaluate(() => {
    const root = document.querySelector('main') ?? document.body;
    return {
      dangerous: [
        ...root.querySelectorAll('script, iframe, object, embed, base, meta, style, frame, applet'),
      ].map((e) => e.tagName),
      handlers: [...root.querySelectorAll('*')].flatMap((el) =>
        [...el.attributes]
          .filter((a) => /^on/i.test(a.name) || a.name === 'srcdoc')
          .map((a) => `${el.tagName}[${a.name}]`),
      ),
      urls: [...root.querySelectorAll('[href], [src], [action], [data]')].flatMap((el) =>
        ['href', 'src', 'action', 'data']
          .map((n) => el.getAttribute(n))
          .filter((v): v is string => v !== null),
      ),
    };
  });
  if (dom.dangerous.length > 0) wrong.push(`elements: ${dom.dangerous.join(', ')}`);
  if (dom.handlers.length > 0) wrong.push(`handlers: ${dom.handlers.join(', ')}`);
  for (const url of dom.urls)
    if (/^\s*(javascript|data|vbscript):/i.test(url.replace(/[\t\n\r]/g, '')))
      wrong.push(`url: ${url}`);
  return wrong;
}

testProp(
  'generated hostile documents render inert in the document view, the list and the raw tab',
  [hostileText, hostileShort, fc.array(hostileShort, { maxLength: 2 }), fc.boolean()],
  async (t, content, title, tags, asText) => {
    const form = new FormData();
    form.set('title', title);
    form.set('disease', title.slice(0, 60));
    if (tags.length > 0) form.set('tags', tags.map((x) => x.replaceAll(',', ' ')).join(','));
    form.set('file', new Blob([content]), asText ? 'hostile.txt' : 'hostile.md');
    const res = await fetch(`${stack.url}/api/knowledge`, { method: 'POST', body: form });
    const created = (await res.json()) as { id?: string; error?: unknown };
    if (res.status === 409) return; // identical content generated twice
    t.is(res.status, 201, JSON.stringify(created));
    const id = created.id!;
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const problems = watchProblems(page);
    try {
      await page.goto(`${stack.url}/documents/${id}`);
      await page.getByTestId('document-content').waitFor();
      // Links inside the content are clicked: a javascript: href would run now.
      for (const link of await page.getByTestId('document-content').locator('a').all())
        await link.click({ timeout: 2_000, noWaitAfter: true }).catch(() => undefined);
      t.deepEqual(await inert(page), [], 'document view');

      await page.goto(stack.url);
      await page.getByRole('heading', { name: 'Knowledge library' }).waitFor();
      t.deepEqual(await inert(page), [], 'list view');

      // The raw content opened directly: served as text with a sandboxing CSP, it runs nothing.
      const raw = await page.goto(`${stack.url}/api/knowledge/${id}/content`);
      t.regex(raw?.headers()['content-security-policy'] ?? '', /sandbox/);
      t.regex(raw?.headers()['content-type'] ?? '', /^text\/(markdown|plain)/);
      t.is(raw?.headers()['x-content-type-options'], 'nosniff');
      t.is(
        await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned),
        undefined,
        'raw tab',
      );
      t.deepEqual(
        problems.filter((p) => /pageerror/.test(p)),
        [],
      );
    } finally {
      await context.close();
      await fetch(`${stack.url}/api/knowledge/${id}`, { method: 'DELETE' });
    }
  },
  { numRuns: 10 },
);
