/**
 * The baseline of the fan-out measurements (f): a bare `ws` broadcast server, no fastify, no grid,
 * run as a child process like the actorgrid node. Clients connect to `GET /sub` (subscribers) or
 * `GET /pub` (publishers); every frame a publisher sends is sent, as received (same bytes, same
 * text/binary type), to every subscriber connected to this process. Nothing is parsed, encoded,
 * stored or filtered: it is the least work any WebSocket fan-out can do per delivery with `ws`.
 * Prints "listening on URL" on stdout like `actorgrid start`.
 */
import * as http from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';

function main(): void {
  const server = http.createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('WebSocket only: /sub or /pub\n');
  });
  const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 1024 * 1024 });
  const subscribers = new Set<WebSocket>();
  wss.on('connection', (socket, request) => {
    if (request.url === '/sub') {
      subscribers.add(socket);
      socket.once('close', () => subscribers.delete(socket));
    } else if (request.url === '/pub') {
      socket.on('message', (data, isBinary) => {
        for (const s of subscribers) if (s.readyState === WebSocket.OPEN) s.send(data as Buffer, { binary: isBinary });
      });
    } else {
      socket.close(1008, 'use /sub or /pub');
    }
    socket.on('error', () => socket.terminate());
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no TCP address');
    process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`);
  });
  const stop = (): void => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main();
