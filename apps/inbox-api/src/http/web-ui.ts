/**
 * The inbox web UI (apps/inbox-web, built by Vite into dist/web by `npm run build:web`): `GET /` is its page
 * and `/app/…` its scripts and styles. Public, as any page is: everything it shows comes from the API, which
 * asks for the member's token. The page is never cached without asking (`no-cache`), so a new build is picked
 * up at once; the assets under `/app/assets/` are named by their content's hash, so they are cached for a
 * year and never asked again.
 *
 * Every answer under `/app/` other than a file is API.md's JSON error naming the problem, never a 500: a
 * path that is not a plain file name under `/app/` is refused before the static plugin sees it (400 for
 * one that names no file, 403 for `.`, `..` or empty segments), and the plugin's own refusals (a failed
 * If-Match or If-Unmodified-Since, a Range past the end) are answered with their status. Nothing outside
 * dist/web is served.
 */
import fastifyStatic from '@fastify/static';
import { JSON_CONTENT_TYPE } from '@team-inbox/platform';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { dirname, join } from 'node:path';

const ASSETS_PREFIX = '/app/';
/** Where Vite puts the files it names by their content's hash. */
const HASHED_ASSETS_PREFIX = '/app/assets/';
const HASHED_ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';
/** How much of a path an error message repeats. */
const SHOWN_PATH_CHARACTERS = 200;

const NOT_BUILT = 'The web UI is not built: run `npm run build:web` (npm start and npm test build it)';

/** `root`: where the built UI is; `dist/web` of the project unless given (tests start without one). */
export async function registerWebUi(fastify: FastifyInstance, root = webRoot()): Promise<void> {
  const index = join(root, 'index.html');
  fastify.get('/', (_request, reply) => {
    if (!existsSync(index)) return sendError(reply, 503, NOT_BUILT);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(readFileSync(index));
  });
  await fastify.register(async (assets) => {
    assets.addHook('onRequest', (request, reply, done) => {
      const refusal = refusalOfPath(request.url.split('?', 1)[0]);
      if (refusal === 'folder') reply.callNotFound();
      else if (refusal) sendError(reply, refusal.status, refusal.message);
      else if (!existsSync(root)) sendError(reply, 503, NOT_BUILT);
      else done();
    });
    assets.addHook('onSend', (request, reply, payload, done) => {
      const hashed = request.url.startsWith(HASHED_ASSETS_PREFIX) && reply.statusCode < 400;
      if (hashed) reply.header('cache-control', HASHED_ASSET_CACHE_CONTROL);
      done(null, payload);
    });
    // Inherited by the static plugin's route, whose errors would otherwise reach the client as a 500.
    assets.setErrorHandler((error: FastifyError, request, reply) => answerStaticError(error, request, reply));
    await assets.register(fastifyStatic, { root, prefix: ASSETS_PREFIX, decorateReply: false, index: false });
  });
}

type PathRefusal = { status: number; message: string } | 'folder' | undefined;

/** Why `path` (the URL's, still encoded) is no file of the UI's to serve; undefined where it may be one. */
function refusalOfPath(path: string): PathRefusal {
  // A folder (`/app/` itself) has no page: 404, as a missing file is.
  if (path.endsWith('/') || !path.startsWith(ASSETS_PREFIX)) return 'folder';
  const shown = shownPath(path);
  const segments = path.slice(ASSETS_PREFIX.length).split('/');
  for (const segment of segments) {
    let name: string;
    try {
      name = decodeURIComponent(segment);
    } catch {
      return { status: 400, message: `The asset path ${shown} has a malformed %-escape` };
    }
    if (name.includes('\0')) return { status: 400, message: `The asset path ${shown} holds a NUL byte (%00)` };
    if (name.includes('/') || name.includes('\\')) {
      return { status: 400, message: `The asset path ${shown} holds an escaped slash (%2F or %5C) in a file name` };
    }
    if (name === '' || name === '.' || name === '..') {
      const which = name === '' ? 'an empty segment (//)' : `a "${name}" segment`;
      return {
        status: 403,
        message: `The asset path ${shown} has ${which}: only the web UI's own files, by their plain path under /app/, are served`,
      };
    }
  }
  return undefined;
}

/** The static plugin's refusal, said with its own status and what it means for this request. */
function answerStaticError(
  error: FastifyError & { status?: number; headers?: unknown },
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const status = error.statusCode ?? error.status;
  // Anything else (a file that cannot be read) is the server's own error, answered and logged as such.
  if (status === undefined || status < 400 || status >= 500) throw error;
  const asset = shownPath(request.url.split('?', 1)[0]);
  switch (status) {
    case 404:
      return reply.callNotFound();
    case 412:
      return sendError(
        reply,
        412,
        `${asset} does not meet the request's If-Match or If-Unmodified-Since: the file is not that version; request it without them for the current one`,
      );
    case 416: {
      const contentRange = headerOf(error.headers, 'Content-Range');
      if (contentRange) reply.header('content-range', contentRange);
      const size = contentRange?.split('/')[1];
      return sendError(
        reply,
        416,
        `The Range ${String(request.headers.range)} lies outside ${asset}${size ? `, which has ${size} bytes` : ''}`,
      );
    }
    case 403:
      return sendError(reply, 403, `${asset} is not a plain path to one of the web UI's files under /app/`);
    default:
      return sendError(reply, status, `${asset}: ${STATUS_CODES[status] ?? 'refused'}`);
  }
}

function sendError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply
    .status(status)
    .type(JSON_CONTENT_TYPE)
    .send({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message });
}

function headerOf(headers: unknown, name: string): string | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

function shownPath(path: string): string {
  return path.length > SHOWN_PATH_CHARACTERS ? `${path.slice(0, SHOWN_PATH_CHARACTERS)}…` : path;
}

/** `dist/web` beside the package.json above this file, whether it runs from source or from dist. */
function webRoot(): string {
  let folder = __dirname;
  while (!existsSync(join(folder, 'package.json')) && dirname(folder) !== folder) folder = dirname(folder);
  return join(folder, 'dist', 'web');
}
