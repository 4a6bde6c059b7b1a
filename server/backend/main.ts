/**
 * The backend process: config, logging, the Koa API on BACKEND_HOST:BACKEND_PORT, and a graceful
 * stop on SIGTERM / SIGINT (exit 0). A crash (uncaught exception, unhandled rejection) is logged
 * as CRITICAL with its stack, then the process exits 1 so the supervisor restarts it.
 */
import { loadConfigOrExit } from '../config/environment.ts';
import { loggerFromConfig } from '../logging/from-config.ts';
import { startBackend } from './server.ts';

process.title = 'elevendops-backend';

const config = loadConfigOrExit('backend');
const logger = loggerFromConfig(config, 'backend');

process.on('uncaughtException', (error) => {
  logger.fatal({ err: error }, `uncaught exception: ${error.message}`);
  process.exit(1);
});
process.on('unhandledRejection', (reason) => {
  const error =
    reason instanceof Error ? reason : new Error(`non-error rejection: ${String(reason)}`);
  logger.fatal({ err: error }, `unhandled rejection: ${error.message}`);
  process.exit(1);
});

let backend;
try {
  backend = await startBackend(config, { logger });
} catch (error) {
  logger.fatal({ err: error }, `backend failed to start: ${(error as Error).message}`);
  process.exit(1);
}
const running = backend;
logger.info(
  { url: running.url, dataBackend: config.dataBackend, version: config.appVersion },
  `backend listening on ${running.url} (${config.dataBackend} storage)`,
);

let signals = 0;
const shutdown = (signal: NodeJS.Signals) => {
  if (++signals > 1) {
    logger.warn(`${signal} again: exiting now`);
    process.exit(1);
  }
  logger.info(`${signal}: draining`);
  running.stop().then(
    () => {
      logger.info('backend stopped');
      process.exit(0);
    },
    (error: unknown) => {
      logger.error({ err: error }, 'error while stopping');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
