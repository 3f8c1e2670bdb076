/**
 * The web UI's client is typed from the server's OpenAPI document (apps/inbox-web/src/api/schema.d.ts): this
 * fails where the committed types differ from what the generator gives for the server as it is today, so a
 * changed route, parameter or field cannot leave the UI compiling against a server that is gone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WEB_API_SCHEMA_FILE, webApiSchema } from '../apps/inbox-api/src/testing/web-api-schema';

describe("the web UI's API types", () => {
  it('are what openapi-typescript gives for the server today (else: npm run generate:web-api)', async () => {
    const committed = readFileSync(join(__dirname, '..', WEB_API_SCHEMA_FILE), 'utf8');
    const generated = await webApiSchema();
    // Where this fails, run `npm run generate:web-api` and commit apps/inbox-web/src/api/schema.d.ts.
    expect(committed).toBe(generated);
  }, 60_000);
});
