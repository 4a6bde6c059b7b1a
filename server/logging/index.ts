export { createLogger, type CreateLoggerOptions, type Logger } from './logger.ts';
export {
  requestLogger,
  requestIdFrom,
  formatLatency,
  type RequestLoggerOptions,
  type HttpRequestLog,
} from './http.ts';
export { runWithLogContext, currentLogContext, type LogContext } from './context.ts';
export {
  parseTraceparent,
  parseCloudTraceContext,
  formatTraceparent,
  formatCloudTraceContext,
  traceFromHeaders,
  traceLogFields,
  type TraceContext,
} from './trace.ts';
export { SEVERITIES, severityOfPinoLevel, isSeverity, type Severity } from './severity.ts';
export { REDACTED, REDACT_PATHS, scrubbingStream } from './redact.ts';
export { loggerFromConfig } from './from-config.ts';
