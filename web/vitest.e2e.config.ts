import { defineConfig } from 'vitest/config';

// End-to-end stories in Debian's Chromium against the real server: `npm run e2e`.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.ts'],
    globalSetup: ['e2e/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
