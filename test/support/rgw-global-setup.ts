// vitest globalSetup: one Ceph RGW for the whole test run, shared by every test file that asks
// (test/support/rgw.ts), without holding up the files that do not.
//
// globalSetup must return before any test runs, and a cluster takes about 15 s to come up, so the
// setup does not wait for it: it starts a small loopback HTTP broker and provides its address; a
// GET on it answers with the endpoint and keys once the RGW is up (or with why it could not start).
// The bring-up begins at once when the run includes a `*.rgw.*` test file, otherwise on the first
// request. Teardown stops the cluster (waiting for a bring-up still in progress).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import type { TestProject } from 'vitest/node';
import { rgwFromEnvironment, startRgw, type RgwEndpoint, type RgwServer } from './rgw-server.js';

let broker: http.Server | undefined;
let starting: Promise<RgwServer> | undefined;

function start(): Promise<RgwServer> {
  starting ??= startRgw().then((server) => {
    process.stderr.write(`[rgw] Ceph RGW up at ${server.endpoint} in ${(server.startedInMs / 1000).toFixed(1)} s\n`);
    return server;
  });
  return starting;
}

/** Whether the files this run will test include one named for the RGW. */
async function runIncludesRgwTests(project: TestProject): Promise<boolean> {
  // The CLI's file filters; not in vitest's types, so read defensively (absent: every file).
  const filters = (project.vitest as unknown as { filenamePattern?: unknown }).filenamePattern;
  const { testFiles } = await project.globTestFiles(Array.isArray(filters) && filters.every((f) => typeof f === 'string') ? filters : undefined);
  return testFiles.some((file) => basename(file).includes('.rgw.'));
}

/** Starts the broker (and, when the run needs it, the RGW) and provides the broker's address. */
export async function setup(project: TestProject): Promise<void> {
  const given = rgwFromEnvironment();
  broker = http.createServer((req, res) => {
    const answer = (status: number, body: RgwEndpoint | { error: string }): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (given) return answer(200, given);
    start().then(
      (s) => answer(200, { endpoint: s.endpoint, accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, region: s.region }),
      (error: unknown) => answer(500, { error: error instanceof Error ? error.message : String(error) }),
    );
  });
  // A test file may wait for the whole bring-up on one request.
  broker.requestTimeout = 0;
  broker.headersTimeout = 0;
  await new Promise<void>((resolve) => broker!.listen(0, '127.0.0.1', resolve));
  const { port } = broker.address() as AddressInfo;
  project.provide('docksideRgwBroker', `http://127.0.0.1:${port}/rgw`);
  if (!given && (await runIncludesRgwTests(project))) {
    // Failures are reported to the tests that ask; nothing to do with them here.
    start().catch(() => undefined);
  }
}

export async function teardown(): Promise<void> {
  await new Promise<void>((resolve) => (broker ? broker.close(() => resolve()) : resolve()));
  broker = undefined;
  const server = await starting?.catch(() => undefined);
  starting = undefined;
  await server?.stop();
}
