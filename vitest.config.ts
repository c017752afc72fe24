import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Integration tests start their own moto_server and child processes; two cores, so keep
    // the number of files run at once small and give slow machines room.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/support/plain-summary-reporter.ts'],
    // One Ceph RGW for the whole run, started in the background; only the files that use it wait.
    globalSetup: ['./test/support/rgw-global-setup.ts'],
    // electron-store imports `electron`; inlined, it sees the tests' replacement (vi.mock) instead
    // of the package, whose binary is not downloaded here.
    server: { deps: { inline: ['electron-store'] } },
  },
});
