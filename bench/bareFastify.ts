/**
 * The baseline of measurement (d) and the reference (w): a bare fastify server with one JSON route
 * (`POST /bare`) and a bare WebSocket JSON-RPC endpoint (`GET /ws`, answers every request with
 * `result: 1` and touches no grid), run as a child process just like the actorgrid node, so both
 * servers pay the same transport costs and neither shares the load generator's event loop. Prints
 * "listening on URL" on stdout like `actorgrid start`.
 */
import fastifyWebsocket from '@fastify/websocket';
import fastify from 'fastify';

async function main(): Promise<void> {
  const app = fastify({ logger: false });
  app.post('/bare', async () => ({ result: 1 }));
  await app.register(fastifyWebsocket, { options: { perMessageDeflate: false } });
  app.get('/ws', { websocket: true }, (socket) => {
    socket.on('message', (data) => {
      const request = JSON.parse(data.toString()) as { id?: unknown };
      socket.send(JSON.stringify({ jsonrpc: '2.0', id: request.id, result: 1 }));
    });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`);
  const stop = (): void => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`bare fastify: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
