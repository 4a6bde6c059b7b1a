import type { Config } from '../config/load.ts';
import { createLogger, type Logger } from './logger.ts';

/** The logger a service process builds from its loaded config. */
export function loggerFromConfig(config: Config, component: string): Logger {
  return createLogger({
    component,
    level: config.logLevel,
    projectId: config.projectId,
    serviceContext: {
      service: config.cloudRun.service ?? 'elevendops',
      version: config.appVersion,
    },
    secretValues: Object.values(config.secrets).filter((v): v is string => typeof v === 'string'),
  });
}
