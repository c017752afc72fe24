// Access to the one Ceph RGW a test run shares (see rgw-global-setup.ts and rgw-server.ts).
//
// Test files that need it are named `*.rgw.*.test.ts`: the global setup starts the RGW as the run
// begins when such a file is in it, in the background, so only those files wait for it. Any
// other file that asks gets it too (the setup then starts it on that first request).
//
// DOCKSIDE_RGW_ENDPOINT (+ DOCKSIDE_RGW_ACCESS_KEY_ID, DOCKSIDE_RGW_SECRET_ACCESS_KEY and
// optionally DOCKSIDE_RGW_REGION) points the tests at a running RGW instead, for quick runs while
// developing: `node --import tsx test/support/rgw-server.ts` keeps one up and prints those lines.
import { inject } from 'vitest';
import { rgwFromEnvironment, type RgwEndpoint } from './rgw-server.js';

export { rgwFromEnvironment, type RgwEndpoint };

declare module 'vitest' {
  export interface ProvidedContext {
    /** http://127.0.0.1:PORT/rgw of the global setup's broker; GET answers once the RGW is up. */
    docksideRgwBroker: string;
  }
}

/** The run's RGW, waiting for its bring-up (about 15 s on 2 cores) if it is not up yet. */
export async function sharedRgw(): Promise<RgwEndpoint> {
  const given = rgwFromEnvironment();
  if (given) return given;
  const broker = inject('docksideRgwBroker');
  if (!broker) throw new Error('No RGW broker: run the tests through vitest.config.ts (its globalSetup starts the RGW).');
  const response = await fetch(broker);
  const body = (await response.json()) as RgwEndpoint | { error: string };
  if ('error' in body) throw new Error(`The shared RGW could not be started: ${body.error}`);
  return body;
}
