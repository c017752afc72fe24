/**
 * The backend's entry point and composition root: configuration (once, validated), the HTTP
 * service, and the background jobs this instance runs (DOCKSIDE_JOBS). On SIGTERM or SIGINT it
 * stops taking requests and SQS messages, lets work in hand finish or hands it back, then exits.
 *
 *   node dist/backend/main.mjs                 the built artifact (npm run build:backend)
 *   node --import tsx backend/src/main.ts      from the sources, for development
 */
import { realpathSync } from 'node:fs';
import { createAuthenticator } from './auth/index.js';
import { createJobClients } from './aws/job-clients.js';
import { createServiceAdapters } from './aws/service-adapters.js';
import { loadConfigOrExit, type BackendConfig } from './config.js';
import { createBackgroundJobs } from './jobs/index.js';
import { createLogger } from './logger.js';
import { buildServer } from './server.js';

/** How long in-flight requests and jobs get to finish on shutdown (ECS and Kubernetes give 30 s). */
export const SHUTDOWN_GRACE_MS = 25_000;

export interface RunningBackend {
  readonly url: string;
  /** Drains requests and jobs, then closes the SDK clients. */
  stop(): Promise<void>;
}

/** Starts the service and its jobs from `config`. */
export async function startBackend(config: BackendConfig): Promise<RunningBackend> {
  const logger = createLogger({ level: config.logLevel });
  const adapters = createServiceAdapters(config, logger);
  const jobClients = createJobClients(config);
  const jobs = createBackgroundJobs({
    ports: jobClients.ports,
    store: adapters.store,
    logger,
    dockBucket: config.dock.bucket,
    permanentBucket: config.permanent.bucket,
    permanentKmsKeyArn: config.permanent.kmsKeyArn,
    dockKmsKeyArn: config.dock.kmsKeyArn,
    cleanupMaxAgeHours: config.jobs.cleanupMaxAgeHours,
    dockExpiryDays: config.jobs.dockExpiryDays,
    promotion: config.jobs.enabled.includes('promotion'),
    cleanup: config.jobs.enabled.includes('cleanup'),
    cleanupOptions: { intervalMs: config.jobs.cleanupIntervalSeconds * 1000 },
  });
  const app = buildServer({
    config,
    store: adapters.store,
    vendor: adapters.vendor,
    dock: adapters.dock,
    authenticator: createAuthenticator(config.auth),
    logger,
    // Behind a load balancer the client's address is in X-Forwarded-For (the rate limit's fallback key).
    trustProxy: true,
  });
  const url = await app.listen({ host: config.host, port: config.port });
  for (const job of jobs) job.start();
  logger.info({ url, jobs: jobs.map((j) => j.name) }, 'Dockside backend listening');

  let stopping: Promise<void> | null = null;
  return {
    url,
    stop: () =>
      (stopping ??= (async () => {
        logger.info('shutting down: finishing requests and jobs in hand');
        await Promise.allSettled([app.close(), ...jobs.map((job) => job.stop(SHUTDOWN_GRACE_MS))]);
        adapters.destroy();
        jobClients.destroy();
        logger.info('stopped');
      })()),
  };
}

/** Whether this module is the program node was started with (the sources through tsx, or the bundle). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(import.meta.filename);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  const backend = await startBackend(loadConfigOrExit('dockside-backend'));
  const onSignal = (signal: string) => {
    process.stderr.write(`dockside-backend: ${signal}, stopping\n`);
    const force = setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS + 5_000);
    force.unref();
    void backend.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
}
