import { strict as assert } from 'node:assert';

/** One Server-Sent Event (comments are skipped). */
export interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/**
 * An open Server-Sent Events stream: `events` fills as they arrive (read it while waiting with
 * `waitFor`); `close()` ends it. `opened` rejects unless the response is a 200 event stream.
 */
export class SseReader {
  readonly events: SseEvent[] = [];
  readonly opened: Promise<void>;
  /** Resolves when the stream ended (closed by either side). */
  readonly done: Promise<void>;
  private readonly controller = new AbortController();
  private wake: (() => void) | undefined;

  constructor(url: string, headers: Record<string, string> = {}) {
    const response = fetch(url, { headers, signal: this.controller.signal });
    this.opened = response.then(async (res) => {
      assert.equal(res.status, 200, res.status === 200 ? '' : await res.text());
      assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    });
    this.done = response.then((res) => this.read(res)).catch(() => undefined).finally(() => this.wake?.());
    this.opened.catch(() => undefined);
  }

  /** Waits until `until(events)` holds, or the stream ends. */
  async until(until: (events: SseEvent[]) => boolean): Promise<SseEvent[]> {
    await this.opened;
    let ended = false;
    void this.done.then(() => (ended = true));
    while (!until(this.events) && !ended) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        void this.done.then(() => resolve());
      });
    }
    return this.events;
  }

  close(): void {
    this.controller.abort();
  }

  private async read(res: Response): Promise<void> {
    if (res.status !== 200 || !res.body) return;
    const reader = res.body.getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += Buffer.from(value).toString('utf8');
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const ev: SseEvent = {};
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const at = line.indexOf(': ');
          const [k, v] = at < 0 ? [line, ''] : [line.slice(0, at), line.slice(at + 2)];
          if (k === 'id' || k === 'event' || k === 'data') ev[k] = v;
        }
        if (ev.event) {
          this.events.push(ev);
          this.wake?.();
        }
      }
    }
  }
}

/** Reads Server-Sent Events until `until` says stop, or the stream ends. */
export async function readSse(url: string, headers: Record<string, string>, until: (events: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const reader = new SseReader(url, headers);
  try {
    return [...(await reader.until(until))];
  } finally {
    reader.close();
  }
}
