import { defineConfig } from 'vitest/config';

// The Rust server proxies nothing: in development Vite forwards the API and the sync socket to
// a rolo-server started by hand (ROLO_DEV_SERVER, default 127.0.0.1:18080).
const api = `http://${process.env.ROLO_DEV_SERVER ?? '127.0.0.1:18080'}`;

export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Assets keep content hashes in their names, so the output is the same for the same
    // sources and the service worker can cache them forever.
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    proxy: { '/v1': { target: api, ws: true, changeOrigin: false } },
  },
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
  },
});
