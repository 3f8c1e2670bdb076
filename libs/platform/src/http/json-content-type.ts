/** What Fastify sends an object as; for answers that are JSON text already, sent as they are. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
