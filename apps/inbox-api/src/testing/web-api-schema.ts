/**
 * The web UI's typed client comes from the server's own OpenAPI document: this builds the app in-process on
 * a temporary DATA_DIR (no server listens), takes `/docs/openapi.json`, and has openapi-typescript write its
 * types, formatted as the project formats its sources. `npm run generate:web-api` writes them to
 * `apps/inbox-web/src/api/schema.d.ts`; test/web-ui-api-schema.e2e-spec.ts fails while that file differs from
 * what this gives today, so the UI and the server cannot drift apart unnoticed.
 */
import { loadAppConfig } from '@team-inbox/config';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../create-app';

const ROOT = join(__dirname, '..', '..', '..', '..');
/** Where the web UI's generated API types are, from the repository's root. */
export const WEB_API_SCHEMA_FILE = join('apps', 'inbox-web', 'src', 'api', 'schema.d.ts');

const HEADER = [
  "// Generated from the server's OpenAPI document by `npm run generate:web-api`",
  '// (apps/inbox-api/src/testing/web-api-schema.ts): change the server, then run that; never edit this.',
  '',
].join('\n');

/** The server's OpenAPI document, as `/docs/openapi.json` answers it. */
export async function openApiDocument(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'team-inbox-web-api-'));
  try {
    const app = await createApp({ config: loadAppConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir }) });
    try {
      await app.init();
      await app.getHttpAdapter().getInstance().ready();
      const response = await app.inject({ method: 'GET', url: '/docs/openapi.json' });
      if (response.statusCode !== 200) throw new Error(`/docs/openapi.json answered ${response.statusCode}`);
      return response.body;
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The text `schema.d.ts` should have: openapi-typescript's types for the document, formatted. */
export async function webApiSchema(): Promise<string> {
  const document = await openApiDocument();
  const dir = mkdtempSync(join(tmpdir(), 'team-inbox-web-api-types-'));
  try {
    writeFileSync(join(dir, 'openapi.json'), document);
    execFileSync(
      join(ROOT, 'node_modules', '.bin', 'openapi-typescript'),
      // A default is what the server takes where a field is left out: the field stays optional to send.
      [join(dir, 'openapi.json'), '--output', join(dir, 'schema.d.ts'), '--default-non-nullable=false'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const types = readFileSync(join(dir, 'schema.d.ts'), 'utf8');
    // Prettier's CLI rather than its API, whose ES modules Jest does not load.
    return execFileSync(
      join(ROOT, 'node_modules', '.bin', 'prettier'),
      ['--stdin-filepath', join(ROOT, WEB_API_SCHEMA_FILE)],
      { input: `${HEADER}${types}`, encoding: 'utf8', cwd: ROOT },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  void webApiSchema().then(
    (text) => {
      writeFileSync(join(ROOT, WEB_API_SCHEMA_FILE), text);
      process.stdout.write(`Wrote ${WEB_API_SCHEMA_FILE}\n`);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
