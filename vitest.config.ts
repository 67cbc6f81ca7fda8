import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Integration tests run the real Baileys client against the fake server on
    // real sockets; give them room on a loaded 2-core machine.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    setupFiles: ['test/setup/log-capture.ts'],
    globalSetup: ['test/setup/global-setup.ts'],
  },
});
