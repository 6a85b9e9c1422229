import { isRecord } from './clientErrors';

/**
 * The node URLs a client knows (WebSocket form, `ws://host:port/ws`), given or learned from
 * `GET /cluster`. Reconnect rounds go in random order so that the clients of a node that dies
 * spread over the survivors instead of all trying the same one first.
 */
export class NodeList {
  private readonly list: string[] = [];

  constructor(
    urls: readonly string[],
    private readonly random: () => number = Math.random,
  ) {
    for (const url of urls) this.add(url);
    if (this.list.length === 0) throw new TypeError('ActorGridClient needs at least one node URL');
  }

  /** Every URL known, given ones first. */
  get urls(): readonly string[] {
    return this.list;
  }

  /** Adds a URL (http(s) or ws(s)); false when it was known already. */
  add(url: string): boolean {
    const ws = webSocketUrl(url);
    if (this.list.includes(ws)) return false;
    this.list.push(ws);
    return true;
  }

  /**
   * Adds the node URLs the node at `wsUrl` lists in `GET /cluster` (`nodes[].url`). Failures are
   * ignored: discovery is an extra, the known URLs still work.
   */
  async learnFrom(wsUrl: string, options: { headers?: Record<string, string>; timeoutMs: number }): Promise<void> {
    try {
      const response = await fetch(`${httpBaseUrl(wsUrl)}/cluster`, {
        headers: { ...options.headers, accept: 'application/json' },
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      if (!response.ok) return;
      const body: unknown = await response.json();
      const nodes = isRecord(body) && Array.isArray(body.nodes) ? body.nodes : [];
      for (const node of nodes) if (isRecord(node) && typeof node.url === 'string') this.add(node.url);
    } catch {
      // Not reachable or not an actorgrid node.
    }
  }

  /** Every URL once, in random order (for a first connect). */
  shuffled(): string[] {
    const order = [...this.list];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  }
}

/** `http://h:p` → `ws://h:p/ws`, `https:` → `wss:`; a `ws:`/`wss:` URL is used as given. */
export function webSocketUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
    parsed.protocol = parsed.protocol === 'https:' ? 'wss:' : 'ws:';
    if (parsed.pathname === '/' || parsed.pathname === '') parsed.pathname = '/ws';
  } else if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new TypeError(`expected an http(s) or ws(s) URL, got ${url}`);
  }
  return parsed.toString();
}

/** The node's HTTP base for a WebSocket URL: `ws://h:p/ws` → `http://h:p`. */
export function httpBaseUrl(wsUrl: string): string {
  const parsed = new URL(wsUrl);
  parsed.protocol = parsed.protocol === 'wss:' ? 'https:' : 'http:';
  parsed.pathname = parsed.pathname.replace(/\/ws\/?$/, '') || '/';
  parsed.search = '';
  return parsed.toString().replace(/\/+$/, '');
}

/**
 * The delay before attempt `attempt` (0-based): exponential backoff with full jitter, a random
 * value in `[0, min(maxMs, baseMs · 2^attempt))`, so many clients retrying at once spread out.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  return random() * Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
}
