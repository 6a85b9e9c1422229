import { clip } from '../errors';
import type { InternalErrorContext } from './Dispatcher';

/**
 * The fields a log line about one request carries: the request id (`requestId`: the HTTP request's
 * id, or the WebSocket connection's), the transport, the authenticated subject when auth is on, and
 * the method and JSON-RPC id. Client-chosen values go in fields only — pino escapes them in JSON and
 * pretty mode alike — never into the message text, and clipped (`clip`), so a forged id can neither
 * start a line of its own nor fill the log.
 *
 * @example
 * log.error('internal error', { ...requestLogFields(ctx), err });
 */
export function requestLogFields(context: InternalErrorContext): Record<string, unknown> {
  const { method, id, session } = context;
  const fields: Record<string, unknown> = {};
  if (session !== undefined) {
    fields.requestId = session.id;
    fields.transport = session.transport;
    const subject = session.identity?.principal?.subject;
    if (subject !== undefined) fields.subject = clip(subject);
  }
  if (method !== undefined) fields.method = clip(method);
  if (id !== undefined && id !== null) fields.rpcId = typeof id === 'string' ? clip(id) : id;
  return fields;
}
