export {
  createBackend,
  type BackendApp,
  type BackendControls,
  type BackendOptions,
} from './app.ts';
export {
  startBackend,
  KEEP_ALIVE_TIMEOUT_MS,
  type RunningBackend,
  type StartBackendOptions,
} from './server.ts';
export { ApiError, toErrorResponse, RETRY_AFTER_SECONDS, type ErrorBody } from './errors.ts';
export { healthReport, HealthMonitor, type HealthBody, type DependencyCheck } from './health.ts';
export { KnowledgeService } from './knowledge/service.ts';
export type { KnowledgeDocument } from './knowledge/model.ts';
