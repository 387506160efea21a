import { defineConfig } from 'vitest/config';

// The web benchmark in Debian's Chromium against the real server: `npm run bench`.
export default defineConfig({
  test: {
    include: ['e2e/bench.ts'],
    globalSetup: ['e2e/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 60_000,
  },
});
