import test from 'ava';
import { testProp, fc } from '@fast-check/ava';
import {
  formatCloudTraceContext,
  formatTraceparent,
  parseCloudTraceContext,
  parseTraceparent,
  traceFromHeaders,
  traceLogFields,
  type TraceContext,
} from '../../../server/logging/trace.ts';

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
const trace: fc.Arbitrary<TraceContext> = fc.record({
  traceId: hex(32).filter((s) => /[1-9a-f]/.test(s)),
  spanId: hex(16).filter((s) => /[1-9a-f]/.test(s)),
  sampled: fc.boolean(),
});

testProp(
  'trace headers: parsing never throws on any input',
  [fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constant(undefined))],
  (t, header) => {
    t.notThrows(() => parseTraceparent(header));
    t.notThrows(() => parseCloudTraceContext(header));
    t.notThrows(() => traceFromHeaders({ traceparent: header, 'x-cloud-trace-context': header }));
  },
);

testProp('traceparent round-trips', [trace], (t, ctx) => {
  t.deepEqual(parseTraceparent(formatTraceparent(ctx)), ctx);
});

testProp(
  'X-Cloud-Trace-Context round-trips, its decimal span id becoming 16 hex digits',
  [trace],
  (t, ctx) => {
    const header = formatCloudTraceContext(ctx);
    t.regex(header, /^[0-9a-f]{32}\/\d+;o=[01]$/);
    t.deepEqual(parseCloudTraceContext(header), ctx);
  },
);

test('X-Cloud-Trace-Context: the documented example converts decimal to hex', (t) => {
  const parsed = parseCloudTraceContext('105445aa7843bc8bf206b12000100000/74;o=1');
  t.deepEqual(parsed, {
    traceId: '105445aa7843bc8bf206b12000100000',
    spanId: '000000000000004a',
    sampled: true,
  });
  t.deepEqual(parseCloudTraceContext('105445AA7843BC8BF206B12000100000'), {
    traceId: '105445aa7843bc8bf206b12000100000',
    spanId: undefined,
    sampled: false,
  });
  t.is(
    parseCloudTraceContext('105445aa7843bc8bf206b12000100000/18446744073709551616;o=1'),
    undefined,
    'span over 2^64-1',
  );
});

test('traceparent: invalid versions and zero ids are refused', (t) => {
  const good = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  t.deepEqual(parseTraceparent(good), {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    sampled: true,
  });
  t.is(parseTraceparent(good.replace(/^00/, 'ff')), undefined);
  t.is(parseTraceparent(`${good}-extra`), undefined);
  t.truthy(parseTraceparent(`01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future`));
  t.is(parseTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01'), undefined);
  t.is(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'), undefined);
});

test('traceparent wins over X-Cloud-Trace-Context', (t) => {
  const ctx = traceFromHeaders({
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00',
    'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/74;o=1',
  });
  t.is(ctx?.traceId, '4bf92f3577b34da6a3ce929d0e0e4736');
  t.is(
    traceFromHeaders({
      traceparent: 'garbage',
      'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/74;o=1',
    })?.spanId,
    '000000000000004a',
  );
});

testProp(
  'log fields name the trace in the project',
  [trace, fc.constantFrom('my-project', 'other-proj-1')],
  (t, ctx, project) => {
    const fields = traceLogFields(ctx, project);
    t.is(fields['logging.googleapis.com/trace'], `projects/${project}/traces/${ctx.traceId}`);
    t.is(fields['logging.googleapis.com/spanId'], ctx.spanId);
    t.is(fields['logging.googleapis.com/trace_sampled'], ctx.sampled);
  },
);
