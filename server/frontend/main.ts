/**
 * Entry point of the frontend process (`elevendops-frontend`): static UI and `/api` proxy on
 * 0.0.0.0:$PORT. SIGTERM (or SIGINT) drains it and exits 0.
 */
import { loadConfigOrExit } from '../config/environment.ts';
import { loggerFromConfig } from '../logging/from-config.ts';
import { startFrontend } from './server.ts';

process.title = 'elevendops-frontend';

const config = loadConfigOrExit('frontend');
const logger = loggerFromConfig(config, 'frontend');

process.on('uncaughtException', (error) => {
  logger.fatal({ err: error }, 'uncaught exception; exiting');
  process.exit(1);
});
process.on('unhandledRejection', (reason) => {
  logger.fatal({ err: reason }, 'unhandled promise rejection; exiting');
  process.exit(1);
});

try {
  const handle = await startFrontend(config, { logger });
  logger.info(
    { port: config.port, backend: config.backendApiUrl },
    `frontend listening on ${handle.url} (API proxied to ${config.backendApiUrl})`,
  );
  const stop = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, `${signal}: draining`);
    void handle.close().then(() => {
      logger.info('frontend stopped');
      process.exit(0);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  logger.fatal({ err: error }, 'frontend failed to start');
  process.exit(1);
}
