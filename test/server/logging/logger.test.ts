import test from 'ava';
import { testProp, fc } from '@fast-check/ava';
import { pino } from 'pino';
import { createGcpLoggingPinoConfig } from '@google-cloud/pino-logging-gcp-config';
import { createLogger } from '../../../server/logging/logger.ts';
import { runWithLogContext } from '../../../server/logging/context.ts';
import { REDACTED } from '../../../server/logging/redact.ts';
import { isSeverity } from '../../../server/logging/severity.ts';
import { captureLines } from '../../helpers/log-capture.ts';

const levels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

testProp(
  'every line is one JSON object with a valid severity, a message and a Cloud Logging timestamp',
  [
    fc.array(
      fc.tuple(
        fc.constantFrom(...levels),
        fc.string(),
        fc.dictionary(fc.string(), fc.jsonValue(), { noNullPrototype: true }),
      ),
      { minLength: 1, maxLength: 20 },
    ),
  ],
  (t, calls) => {
    const out = captureLines();
    const logger = createLogger({ component: 'test', level: 'trace', destination: out });
    for (const [level, message, fields] of calls) logger[level](fields, message);
    t.is(out.lines.length, calls.length);
    for (const line of out.lines) {
      t.false(line.includes('\n'));
      const entry = JSON.parse(line) as Record<string, unknown>;
      t.true(isSeverity(entry['severity']), String(entry['severity']));
      t.is(typeof entry['message'], 'string');
      const ts = entry['timestamp'] as { seconds: number; nanos: number };
      t.true(
        Number.isInteger(ts.seconds) &&
          Number.isInteger(ts.nanos) &&
          ts.nanos >= 0 &&
          ts.nanos < 1e9,
      );
      t.is(entry['component'], 'test');
    }
  },
);

testProp(
  'error lines carry the V8 stack where Error Reporting looks for it',
  [fc.string(), fc.constantFrom('error', 'fatal', 'warn')],
  (t, text, level) => {
    const out = captureLines();
    const logger = createLogger({
      component: 'test',
      destination: out,
      serviceContext: { service: 'svc', version: 'v1' },
    });
    const err = new TypeError(text);
    logger[level]({ err }, 'request failed');
    const [entry] = out.json();
    t.is(entry!['stack_trace'], err.stack);
    t.true(String(entry!['stack_trace']).startsWith('TypeError'));
    t.deepEqual(entry!['serviceContext'], { service: 'svc', version: 'v1' });
    t.is((entry!['err'] as { type: string }).type, 'TypeError');
    t.is((entry!['err'] as { stack?: string }).stack, undefined, 'the stack is written once');
  },
);

test('same severities and field names as @google-cloud/pino-logging-gcp-config', (t) => {
  const ours = captureLines();
  const theirs = captureLines();
  const serviceContext = { service: 'svc', version: 'rev-1' };
  const a = createLogger({ component: 'c', level: 'trace', destination: ours, serviceContext });
  const b = pino(
    createGcpLoggingPinoConfig(
      { serviceContext, traceGoogleCloudProjectId: 'p', inihibitDiagnosticMessage: true },
      { level: 'trace' },
    ),
    theirs,
  );
  const err = new Error('boom');
  for (const logger of [a, b]) {
    for (const level of levels) logger[level]({ n: 1 }, `at ${level}`);
    logger.error({ err }, 'failed');
  }
  const mine = ours.json();
  const reference = theirs.json();
  t.is(mine.length, reference.length);
  mine.forEach((entry, i) => {
    const ref = reference[i]!;
    t.is(entry['severity'], ref['severity']);
    t.is(entry['message'], ref['message']);
    t.deepEqual(Object.keys(entry['timestamp'] as object), Object.keys(ref['timestamp'] as object));
    t.is(entry['stack_trace'], ref['stack_trace']);
  });
});

test('trace fields come from the request context', (t) => {
  const out = captureLines();
  const logger = createLogger({ component: 'test', projectId: 'my-project', destination: out });
  runWithLogContext(
    {
      requestId: 'r-1',
      trace: { traceId: 'a'.repeat(32), spanId: '000000000000004a', sampled: false },
    },
    () => logger.info('inside'),
  );
  logger.info('outside');
  const [inside, outside] = out.json();
  t.is(inside!['logging.googleapis.com/trace'], `projects/my-project/traces/${'a'.repeat(32)}`);
  t.is(inside!['logging.googleapis.com/spanId'], '000000000000004a');
  t.is(inside!['logging.googleapis.com/trace_sampled'], false);
  t.is(inside!['requestId'], 'r-1');
  t.is(outside!['logging.googleapis.com/trace'], undefined);
});

test('credentials in headers and secret variables are redacted by path', (t) => {
  const out = captureLines();
  const logger = createLogger({ component: 'test', destination: out });
  logger.info(
    {
      req: { headers: { authorization: 'Bearer abc', cookie: 'sid=1', accept: 'x' } },
      env: { GOOGLE_API_KEY: 'value' },
      GOOGLE_API_KEY: 'v2',
    },
    'm',
  );
  const [entry] = out.json() as any[];
  t.is(entry.req.headers.authorization, REDACTED);
  t.is(entry.req.headers.cookie, REDACTED);
  t.is(entry.req.headers.accept, 'x');
  t.is(entry.env.GOOGLE_API_KEY, REDACTED);
  t.is(entry.GOOGLE_API_KEY, REDACTED);
});

testProp(
  'a known secret value never reaches the output, wherever it hides',
  [
    fc
      .string({ minLength: 6, maxLength: 30 })
      .filter((s) => s.trim() === s && !s.includes('[REDACTED]')),
    fc.string(),
    fc.string(),
  ],
  (t, secret, before, after) => {
    const out = captureLines();
    const logger = createLogger({ component: 'test', destination: out, secretValues: [secret] });
    logger.info(`${before}${secret}${after}`);
    logger.error({ err: new Error(`key=${secret}`), nested: { deep: [secret] } }, 'failed');
    for (const line of out.lines) t.false(line.includes(secret), line);
    for (const line of out.lines) t.notThrows(() => JSON.parse(line));
  },
);
