/**
 * Random malformed (and some well-formed) HTTP requests, sent raw with node:http so methods,
 * paths, headers and bodies can be anything a client could send.
 */
import { fc } from '@fast-check/ava';
import { request } from 'node:http';

export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | undefined;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

export function send(baseUrl: string, req: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: req.path,
        headers: { ...req.headers, connection: 'close' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

const id = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9]{20}$/),
  fc.stringMatching(/^[A-Za-z0-9._~%-]{0,30}$/),
  fc.constantFrom('..', '%2e%2e', '%2F', '%E0%A4%A', '%00', 'a%20b', '__proto__', 'constructor'),
);
const query = fc
  .array(
    fc.tuple(
      fc.constantFrom('limit', 'before', 'q', 'tag', 'disease', 'x', 'limit[]', ''),
      fc.oneof(
        fc.stringMatching(/^[A-Za-z0-9%:.~+-]{0,30}$/),
        fc.constantFrom(
          '0',
          '-1',
          '1e3',
          '100',
          '101',
          '2026-01-01T00:00:00Z',
          '%ZZ',
          '%F0%9F',
          'NaN',
        ),
      ),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`));
const path = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(
        '/api/knowledge',
        '/api/knowledge/',
        '/api/health',
        '/api/dashboard/stats',
        '/api',
      ),
      query,
    )
    .map(([p, q]) => p + q),
  fc.tuple(id, query).map(([i, q]) => `/api/knowledge/${i}${q}`),
  id.map((i) => `/api/knowledge/${i}/content`),
  fc.stringMatching(/^\/[A-Za-z0-9/%._~-]{0,40}$/),
);
const method = fc.constantFrom(
  'GET',
  'POST',
  'PATCH',
  'DELETE',
  'PUT',
  'HEAD',
  'OPTIONS',
  'PROPFIND',
  'BREW',
);
const contentType = fc.option(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'multipart/form-data',
    'multipart/form-data; boundary=XyZ',
    'multipart/form-data; boundary=',
    'text/plain',
    'application/x-www-form-urlencoded',
    'garbage',
    ';;;',
  ),
  { nil: undefined },
);
const jsonish = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      title: fc.oneof(fc.string(), fc.jsonValue()),
      disease: fc.oneof(fc.string(), fc.constant(null), fc.jsonValue()),
      tags: fc.oneof(fc.array(fc.string()), fc.jsonValue()),
      content: fc.oneof(fc.string({ unit: 'binary' }), fc.jsonValue()),
      format: fc.oneof(fc.constantFrom('markdown', 'text', 'pdf'), fc.jsonValue()),
    },
    { requiredKeys: [] },
  ),
);
const body = fc.option(
  fc.oneof(
    jsonish.map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
    fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
    fc
      .string({ unit: 'binary', maxLength: 200 })
      .map((s) =>
        Buffer.from(
          `--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.md"\r\n\r\n${s}\r\n--XyZ--\r\n`,
        ),
      ),
    jsonish.map((v) => Buffer.from(JSON.stringify(v)?.slice(0, -1) ?? '{')),
  ),
  { nil: undefined },
);

export const malformedRequest: fc.Arbitrary<RawRequest> = fc
  .record({ method, path, contentType, body, chunked: fc.boolean() })
  .map(({ method, path, contentType, body, chunked }) => {
    const headers: Record<string, string> = {};
    if (contentType !== undefined) headers['content-type'] = contentType;
    // Framed bodies (the property is about what the app does with them, not about TCP framing).
    if (body !== undefined) {
      if (chunked) headers['transfer-encoding'] = 'chunked';
      else headers['content-length'] = String(body.length);
    }
    return { method, path, headers, body };
  });
