/**
 * Per-request log context carried through async calls, so every line logged while handling a
 * request carries its trace and request id without passing a child logger around.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { TraceContext } from './trace.ts';

export interface LogContext {
  readonly trace: TraceContext | undefined;
  readonly requestId: string;
}

const storage = new AsyncLocalStorage<LogContext>();

export function runWithLogContext<T>(context: LogContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}
