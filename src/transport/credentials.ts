import type { FastifyRequest } from 'fastify';

/**
 * The request's credentials: its `Authorization` header, or (for EventSource, which cannot set
 * headers) an `access_token` query parameter, taken as a bearer token.
 */
export function credentialsOf(request: FastifyRequest): { credentials?: string } {
  const header = request.headers.authorization;
  if (typeof header === 'string' && header !== '') return { credentials: header };
  const token = (request.query as Record<string, unknown> | undefined)?.access_token;
  return typeof token === 'string' && token !== '' ? { credentials: `Bearer ${token}` } : {};
}
