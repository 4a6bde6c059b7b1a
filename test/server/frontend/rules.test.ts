/** Properties of the frontend's pure rules: proxy headers, asset paths, content negotiation. */
import { fc, testProp } from '@fast-check/ava';
import test from 'ava';
import type { IncomingHttpHeaders } from 'node:http';
import {
  chooseEncoding,
  parseAcceptEncoding,
  type Encoding,
} from '../../../server/frontend/encoding.ts';
import {
  HOP_BY_HOP,
  downstreamResponseHeaders,
  forwardedProto,
  upstreamRequestHeaders,
} from '../../../server/frontend/headers.ts';
import { assetKey, isHashedAsset, looksLikeRoute } from '../../../server/frontend/paths.ts';
import { failureResponse, requestHasBody } from '../../../server/frontend/proxy.ts';

const token = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
const headerValue = fc.stringMatching(/^[\x21-\x7e][\x20-\x7e]{0,30}$/);
const headers = fc.dictionary(token, headerValue, { noNullPrototype: true, maxKeys: 12 });
const context = fc.record({
  remoteAddress: fc.option(fc.ipV4(), { nil: undefined }),
  requestId: fc.uuid(),
  upstreamHost: fc.constant('127.0.0.1:8000'),
});

testProp(
  'upstream headers: never hop-by-hop or Connection-listed, always our id, host and proto',
  [headers, fc.subarray([...HOP_BY_HOP]), fc.array(token, { maxLength: 3 }), context],
  (t, base, hop, listed, ctx) => {
    const incoming: IncomingHttpHeaders = { ...base };
    for (const name of hop) incoming[name] = 'x';
    for (const name of listed) incoming[name] = 'listed';
    // `Connection` always lists exactly `listed` (plus keep-alive), whatever `hop` picked.
    incoming['connection'] = ['keep-alive', ...listed].join(', ');
    const out = upstreamRequestHeaders(incoming, ctx);
    for (const name of [...HOP_BY_HOP, ...listed]) t.false(name in out, name);
    t.is(out['x-request-id'], ctx.requestId);
    t.is(out['host'], ctx.upstreamHost);
    t.true(out['x-forwarded-proto'] === 'http' || out['x-forwarded-proto'] === 'https');
    // Everything else end-to-end passes untouched.
    for (const [name, value] of Object.entries(base)) {
      if (HOP_BY_HOP.has(name) || listed.includes(name) || name === 'host' || name === 'expect')
        continue;
      if (name === 'x-request-id' || name.startsWith('x-forwarded-')) continue;
      t.is(out[name], value, name);
    }
  },
);

testProp(
  'X-Forwarded-For keeps the caller’s chain and appends our peer last',
  [fc.array(fc.ipV4(), { maxLength: 4 }), fc.ipV4(), fc.uuid()],
  (t, chain, peer, requestId) => {
    const incoming: IncomingHttpHeaders =
      chain.length > 0 ? { 'x-forwarded-for': chain.join(', ') } : {};
    const out = upstreamRequestHeaders(incoming, {
      remoteAddress: `::ffff:${peer}`,
      requestId,
      upstreamHost: 'b:1',
    });
    t.deepEqual(String(out['x-forwarded-for']).split(', '), [...chain, peer]);
  },
);

test('trace headers pass byte for byte; X-Forwarded-Proto trusts only http/https', (t) => {
  const incoming = {
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    'x-cloud-trace-context': '4bf92f3577b34da6a3ce929d0e0e4736/1;o=1',
  };
  const out = upstreamRequestHeaders(incoming, {
    remoteAddress: '1.2.3.4',
    requestId: 'r',
    upstreamHost: 'h',
  });
  t.is(out['traceparent'], incoming.traceparent);
  t.is(out['x-cloud-trace-context'], incoming['x-cloud-trace-context']);
  t.is(forwardedProto({ 'x-forwarded-proto': 'https, http' }), 'https');
  t.is(forwardedProto({ 'x-forwarded-proto': 'gopher' }), 'http');
  t.is(forwardedProto({}, true), 'https');
});

testProp(
  'downstream headers never carry hop-by-hop or owned fields',
  [headers, fc.subarray([...HOP_BY_HOP])],
  (t, base, hop) => {
    const upstream: IncomingHttpHeaders = { ...base, 'content-security-policy': 'default-src *' };
    for (const name of hop) upstream[name] = 'x';
    const out = downstreamResponseHeaders(upstream, new Set(['content-security-policy']));
    for (const name of hop) t.false(name in out);
    t.false('content-security-policy' in out);
  },
);

const segment = fc
  .stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,12}$/)
  .filter((s) => s !== '.' && s !== '..');

testProp(
  'safe relative paths map to themselves, percent-encoded or not',
  [fc.array(segment, { minLength: 1, maxLength: 5 })],
  (t, segments) => {
    const path = `/${segments.join('/')}`;
    t.deepEqual(assetKey(path), { ok: true, key: path });
    t.deepEqual(assetKey(segments.map((s) => `/${encodeURIComponent(s)}`).join('')), {
      ok: true,
      key: path,
    });
  },
);

testProp(
  'no accepted key ever holds a dot segment, backslash or control character',
  [fc.string({ maxLength: 40 }), fc.webPath()],
  (t, junk, webPath) => {
    for (const candidate of [junk, `/${junk}`, webPath, `/${encodeURIComponent(junk)}`]) {
      const result = assetKey(candidate);
      t.is(typeof result.ok, 'boolean');
      if (!result.ok) continue;
      t.true(result.key.startsWith('/'));
      // eslint-disable-next-line no-control-regex
      t.false(/[\\\x00-\x1f\x7f]/.test(result.key));
      for (const part of result.key.slice(1).split('/'))
        t.true(part !== '' && part !== '.' && part !== '..');
    }
  },
);

test('routes, hashed assets and malformed paths', (t) => {
  t.deepEqual(assetKey('/'), { ok: true, key: '/index.html' });
  t.false(assetKey('/%E0%A4%A').ok);
  t.false(assetKey('/a/../b').ok);
  t.true(looksLikeRoute('/documents/abc'));
  t.false(looksLikeRoute('/assets/app.js'));
  t.true(isHashedAsset('/assets/index-BM5Uyhyo.js'));
  t.true(isHashedAsset('/assets/index-B7IWMX_n.css'));
  t.false(isHashedAsset('/index.html'));
  t.false(isHashedAsset('/favicon.svg'));
});

const codings = fc.constantFrom('br', 'gzip', 'deflate', 'identity', '*', 'zstd');
const weighted = fc.array(
  fc.tuple(codings, fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined })),
  { maxLength: 5 },
);
const available = fc.subarray<Encoding>(['br', 'gzip']);

testProp(
  'the chosen encoding is available and no client-refused coding is picked over an accepted one',
  [weighted, available],
  (t, parts, avail) => {
    const header = parts
      .map(([c, q]) => (q === undefined ? c : `${c};q=${(q / 1000).toFixed(3)}`))
      .join(', ');
    const set = new Set<Encoding>(avail);
    const chosen = chooseEncoding(header, set);
    t.true(chosen === 'identity' || set.has(chosen));
    const weights = parseAcceptEncoding(header);
    if (chosen !== 'identity') t.true((weights.get(chosen) ?? weights.get('*') ?? 0) > 0);
  },
);

test('encoding preferences', (t) => {
  const both = new Set<Encoding>(['br', 'gzip']);
  t.is(chooseEncoding('gzip, deflate, br', both), 'br');
  t.is(chooseEncoding('gzip;q=1, br;q=0.5', both), 'gzip');
  t.is(chooseEncoding(undefined, both), 'identity');
  t.is(chooseEncoding('*', both), 'br');
  t.is(chooseEncoding('br', new Set<Encoding>(['gzip'])), 'identity');
});

test('request bodies and failure answers', (t) => {
  t.false(requestHasBody({}));
  t.false(requestHasBody({ 'content-length': '0' }));
  t.true(requestHasBody({ 'content-length': '5' }));
  t.true(requestHasBody({ 'transfer-encoding': 'chunked' }));
  for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ECONNTIMEOUT', 'EPIPE']) {
    const answer = failureResponse(code);
    t.is(answer.status, 503);
    t.is(answer.headers['Retry-After'], '1');
  }
  t.is(failureResponse('EIDLETIMEOUT').status, 504);
  t.is(failureResponse('HPE_INVALID_CONSTANT').status, 502);
});
