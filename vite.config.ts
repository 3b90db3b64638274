import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const serverUrl = process.env.PLOTLINE_URL ?? 'http://127.0.0.1:7777';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist/studio', emptyOutDir: true, chunkSizeWarningLimit: 1024 },
  server: {
    // `npm run dev` serves the studio with hot reload; the API and the live stream come from a running `plotline serve`.
    proxy: { '/api': { target: serverUrl, changeOrigin: false } },
  },
  resolve: {
    alias: { plotline: fileURLToPath(new URL('./src/sdk/index.ts', import.meta.url)) },
  },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
