/**
 * Preloaded (`node -r`) into every server process the bench starts (the actorgrid node, the bare
 * fastify server). Over the bench's IPC channel it answers
 * - `counts`: the IMap operations and socket reads/writes this process's Hazelcast client made so
 *   far (gridOpCounter), from which the bench derives grid round trips per call;
 * - `profile-start` / `profile-stop {file}`: a V8 CPU profile of exactly one measurement, taken with
 *   the inspector, written as a .cpuprofile.
 * When the channel closes (the bench died, even by SIGKILL) it sends itself SIGTERM, so the node
 * drains and exits and no server is left behind.
 */
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import { installGridOpCounter, type GridOpCounts } from './gridOpCounter';

interface Request {
  type: string;
  id: number;
  file?: string;
}

function post<T>(session: inspector.Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result as T))));
}

if (typeof process.send === 'function') {
  let counts: GridOpCounts = {};
  try {
    counts = installGridOpCounter();
  } catch {
    // a process without hazelcast-client (the bare fastify server)
  }
  let session: inspector.Session | undefined;
  const handlers: Record<string, (request: Request) => Promise<unknown>> = {
    counts: async () => ({ ...counts }),
    'profile-start': async () => {
      session = new inspector.Session();
      session.connect();
      await post(session, 'Profiler.enable');
      await post(session, 'Profiler.start');
      return true;
    },
    'profile-stop': async (request) => {
      if (!session) throw new Error('no profile running');
      const { profile } = await post<{ profile: unknown }>(session, 'Profiler.stop');
      session.disconnect();
      session = undefined;
      fs.writeFileSync(request.file as string, JSON.stringify(profile));
      return request.file;
    },
  };
  process.on('message', (request: Request) => {
    const handler = handlers[request?.type];
    if (!handler) return;
    handler(request).then(
      (result) => process.send?.({ type: 'reply', id: request.id, result }),
      (err: unknown) => process.send?.({ type: 'reply', id: request.id, error: String(err) }),
    );
  });
  process.once('disconnect', () => {
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => process.exit(1), 15_000).unref();
  });
  // The IPC channel must not keep a server alive that wants to exit on its own.
  process.channel?.unref();
}
