/**
 * The built web UI's script and stylesheet, as its page names them: Vite names each by its content's hash,
 * under /app/assets/, so a spec that requests one reads its path from dist/web/index.html (built by
 * `npm run build:web`, which `npm test` runs first).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function builtWebAssets(): { script: string; stylesheet: string } {
  const page = readFileSync(join(__dirname, '..', '..', 'dist', 'web', 'index.html'), 'utf8');
  const script = /<script type="module"[^>]*\ssrc="(\/app\/assets\/[^"]+\.js)"/.exec(page)?.[1];
  const stylesheet = /<link rel="stylesheet"[^>]*\shref="(\/app\/assets\/[^"]+\.css)"/.exec(page)?.[1];
  if (!script || !stylesheet) throw new Error(`dist/web/index.html names no script or stylesheet: ${page}`);
  return { script, stylesheet };
}
