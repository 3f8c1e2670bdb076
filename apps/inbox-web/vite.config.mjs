// The web UI's build (`npm run build:web`): Preact through Vite into dist/web, which the server serves, the page
// at `/` and every asset, named by its content's hash, under `/app/assets/`.
import preact from '@preact/preset-vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./src', import.meta.url)),
  base: '/app/',
  plugins: [preact()],
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: true,
    // The server's Content-Security-Policy allows same-origin scripts only: no inline script, no eval.
    modulePreload: { polyfill: false },
  },
});
