import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { ActorGridError } from '../../errors';
import { ANY_ORIGIN } from './originGuard';

/** Where every node serves the browser client (docs/client.md "In the browser"). */
export const CLIENT_BUNDLE_ROUTE = '/client/actorgrid-client.mjs';

/** Options of {@link clientBundleRoute}. */
export interface ClientBundleRouteOptions {
  /** The bundle file. @default dist/browser/actorgrid-client.mjs, built by `npm run build` */
  file?: string;
}

interface Bundle {
  body: Buffer;
  gzip: Buffer;
  etag: string;
}

/**
 * `GET /client/actorgrid-client.mjs`: the browser client bundle (one ESM file), so that a page can
 * `import { ActorGridClient } from 'http://node:8080/client/actorgrid-client.mjs'`. The path stays
 * the same across versions, so the answer is `Cache-Control: no-cache` with an ETag: browsers keep
 * it and revalidate (304), and get the new one after an upgrade. Gzipped when the request accepts
 * it; `Access-Control-Allow-Origin: *` because a module script from another origin is fetched with
 * CORS (the bundle is public code; the origin guard lets every origin read it). The file is read on the first request; a node built without it
 * answers NOT_FOUND.
 */
async function clientBundleRoutePlugin(app: FastifyInstance, options: ClientBundleRouteOptions): Promise<void> {
  const file = options.file ?? path.resolve(__dirname, '../../../browser/actorgrid-client.mjs');
  let loading: Promise<Bundle> | undefined;
  const bundle = (): Promise<Bundle> => {
    loading ??= load(file).catch((err: unknown) => {
      loading = undefined; // built later: try again on the next request
      throw err;
    });
    return loading;
  };

  app.get(CLIENT_BUNDLE_ROUTE, { config: ANY_ORIGIN }, async (request, reply) => {
    const { body, gzip, etag } = await bundle();
    reply
      .header('etag', etag)
      .header('cache-control', 'no-cache')
      .header('vary', 'accept-encoding')
      .header('access-control-allow-origin', '*')
      .type('text/javascript; charset=utf-8');
    if (matches(request.headers['if-none-match'], etag)) return reply.code(304).send();
    if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) return reply.header('content-encoding', 'gzip').send(gzip);
    return reply.send(body);
  });
}

async function load(file: string): Promise<Bundle> {
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch (err) {
    throw new ActorGridError('NOT_FOUND', 'this node has no browser client bundle (built by `npm run build`)', undefined, { cause: err });
  }
  // Weak: the gzipped and the plain answer are the same script, so one tag validates both.
  const etag = `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { body, gzip: gzipSync(body, { level: 9 }), etag };
}

/** `If-None-Match` (a list, or `*`) names `etag`, compared weakly (RFC 9110 13.1.2). */
function matches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}

Object.assign(clientBundleRoutePlugin, { [Symbol.for('fastify.display-name')]: 'actorgrid-client-bundle' });

/** The route of the browser client bundle, as a fastify plugin; see `ClientBundleRouteOptions`. */
export const clientBundleRoute: FastifyPluginAsync<ClientBundleRouteOptions> = clientBundleRoutePlugin;
