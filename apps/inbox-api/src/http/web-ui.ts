/**
 * The inbox web UI (apps/inbox-web, built into dist/web by `npm run build:web`): `GET /` is its page and
 * `/app/…` its scripts and styles. Public, as any page is: everything it shows comes from the API, which
 * asks for the member's token.
 */
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export async function registerWebUi(fastify: FastifyInstance): Promise<void> {
  const root = webRoot();
  const index = join(root, 'index.html');
  fastify.get('/', (_request, reply) => {
    if (!existsSync(index)) {
      return reply.status(503).send({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'The web UI is not built: run `npm run build:web` (npm start and npm test build it)',
      });
    }
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(readFileSync(index));
  });
  // A folder (`/app/` itself) has no page: 404, as a missing file is (the static plugin answers it with an
  // error that would reach the client as a 500).
  await fastify.register(async (assets) => {
    assets.addHook('onRequest', (request, reply, done) => {
      if (request.url.split('?', 1)[0].endsWith('/')) reply.callNotFound();
      else done();
    });
    await assets.register(fastifyStatic, { root, prefix: '/app/', decorateReply: false, index: false });
  });
}

/** `dist/web` beside the package.json above this file, whether it runs from source or from dist. */
function webRoot(): string {
  let folder = __dirname;
  while (!existsSync(join(folder, 'package.json')) && dirname(folder) !== folder) folder = dirname(folder);
  return join(folder, 'dist', 'web');
}
