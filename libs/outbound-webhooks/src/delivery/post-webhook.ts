/**
 * One attempt's HTTP exchange: a POST over node:http(s) under a deadline kept by a plain timer that
 * destroys the request. An `AbortSignal.timeout` would not do: where only a composed signal
 * (`AbortSignal.any`) refers to it, a full collection can take it before it fires, and the answer that
 * came after the deadline is then taken as delivered. The answer's body is read, and dropped, within the
 * same deadline and up to a size: a receiver can hold a slot for no longer, nor fill memory.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isNativeError } from 'node:util/types';
import type { AttemptResult } from './retry-schedule';

/** Past this, the rest of an answer's body is not read: the connection is closed instead. */
export const MAX_ANSWER_BODY_BYTES = 64 * 1024;

export interface WebhookPost {
  url: string;
  headers: OutgoingHttpHeaders;
  body: string;
  /** For the whole exchange: connecting, sending, the answer's status and its body. */
  timeoutMs: number;
  /** Aborted at shutdown: the attempt ends at once, `interrupted` (it is sent again on the next start). */
  shutdown: AbortSignal;
}

/** Keep-alive connections for the sender's attempts, closed when it stops. */
export class WebhookAgents {
  readonly http = new HttpAgent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 });
  readonly https = new HttpsAgent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 });

  destroy(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/**
 * The receiver's status code once its answer's head arrived in time (a redirect is not followed: a signed
 * body goes only to the registered URL), else why there is none. Never rejects.
 */
export function postWebhook(post: WebhookPost, agents: WebhookAgents): Promise<AttemptResult | 'interrupted'> {
  return new Promise((resolve) => {
    if (post.shutdown.aborted) return resolve('interrupted');
    let request: ClientRequest | undefined;
    let statusCode: number | undefined;
    let settled = false;
    /** `cutOff`: the exchange is not over, so its connection cannot serve another attempt. */
    const settle = (result: AttemptResult | 'interrupted', cutOff: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      post.shutdown.removeEventListener('abort', interrupt);
      if (cutOff) request?.destroy();
      resolve(result);
    };
    // An answer's head in time decides the attempt; what becomes of its body after that does not.
    const outcome = (error: string): AttemptResult => (statusCode === undefined ? { error } : { statusCode });
    const deadline = setTimeout(() => settle(outcome(`No answer within ${post.timeoutMs} ms`), true), post.timeoutMs);
    const interrupt = () => settle('interrupted', true);
    post.shutdown.addEventListener('abort', interrupt, { once: true });

    try {
      const url = new URL(post.url);
      const secure = url.protocol === 'https:';
      request = (secure ? httpsRequest : httpRequest)(url, {
        method: 'POST',
        headers: { ...post.headers, 'content-length': Buffer.byteLength(post.body) },
        agent: secure ? agents.https : agents.http,
      });
    } catch (error) {
      return settle({ error: describeError(error) }, false);
    }
    request.on('error', (error) => settle(outcome(describeError(error)), true));
    request.on('response', (answer) => {
      statusCode = answer.statusCode ?? 0;
      const answered = { statusCode };
      let bodyBytes = 0;
      answer.on('data', (chunk: Buffer) => {
        bodyBytes += chunk.length;
        if (bodyBytes > MAX_ANSWER_BODY_BYTES) settle(answered, true);
      });
      answer.on('end', () => settle(answered, false));
      answer.on('error', () => settle(answered, true));
      answer.on('close', () => settle(answered, true)); // cut off before its end, without an error
    });
    request.end(post.body);
  });
}

/** A network failure as its code and message (`ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9`). */
function describeError(error: unknown): string {
  if (!isNativeError(error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === 'string' && !error.message.startsWith(code) ? `${code}: ${error.message}` : error.message;
}
