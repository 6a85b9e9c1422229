import { unpack } from 'msgpackr';
import { ERROR_CODES, isErrorCode } from '../../../src/errors/codes';

/** What the node leaked when one of these shows in an answer: a stack line, a file position, a path. */
const LEAKS: ReadonlyArray<[string, RegExp]> = [
  ['a stack frame', /\bat [\w$.<>[\] ]+ \(|\n\s+at \S/],
  ['a source position', /\.(?:ts|js):\d/],
  ['an internal path', /\/work\/|node_modules/],
  ['a JavaScript engine message', /Cannot read propert|Cannot convert|is not a function|is not iterable|is not defined|Maximum call stack|\[object Object\]|Invalid string length/],
];

/** WebSocket close codes docs/protocol.md names: normal, going away (drain), invalid UTF-8, too big, auth expiry. */
export const DOCUMENTED_CLOSE_CODES: ReadonlySet<number> = new Set([1000, 1001, 1007, 1009, 4401]);

/** A known failure being fixed elsewhere: reported, not failed. */
export interface PendingFix {
  rule: RegExp;
  answer: RegExp;
  /** Where it is being fixed. */
  why: string;
}

/** One answer that broke a rule, with the input that caused it (shortened). */
export interface Violation {
  rule: string;
  transport: string;
  input: string;
  answer: string;
}

/**
 * The fuzz test's oracle: every answer must be a valid result or a coded error from the table
 * (src/errors/codes.ts) — an HTTP error body `{error: {code, message}}` with the code's status, a
 * JSON-RPC error whose numeric code matches `data.code`, a documented WebSocket close code — and
 * must carry no stack trace, source position or internal path. Violations are collected (the
 * first few per rule kept in full), so one run reports everything it found.
 */
export class AnswerChecker {
  readonly counts = new Map<string, number>();
  readonly violations: Violation[] = [];
  /** How inputs were answered, per transport: `ok`, an error code, `close <code>`. */
  readonly outcomes = new Map<string, number>();
  /** Violations matching a pending fix, by its `why`: how many, and one example. */
  readonly pending = new Map<string, { count: number; example: Violation }>();
  private readonly kept = new Map<string, number>();

  constructor(private readonly pendingFixes: readonly PendingFix[] = []) {}

  /** Counts one input sent over `transport`. */
  sent(transport: string): void {
    this.counts.set(transport, (this.counts.get(transport) ?? 0) + 1);
  }

  total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }

  /** An HTTP answer (REST, `POST /rpc`, an SSE stream's refusal). */
  http(transport: string, input: unknown, status: number, contentType: string, body: Buffer): void {
    const text = body.toString('utf8');
    this.noLeak(transport, input, text);
    if (status === 204 || status === 304) return;
    let decoded: unknown;
    try {
      decoded = body.length === 0 ? undefined : /msgpack/.test(contentType) ? unpack(body) : JSON.parse(text);
    } catch {
      return this.fail('an answer that is not JSON or msgpack', transport, input, `${status} ${contentType} ${text}`);
    }
    if (transport === 'rpc' && status === 200) return this.rpcReply(transport, input, decoded);
    if (status >= 200 && status < 300) return this.outcome(transport, 'ok');
    const error = (decoded as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    if (!error || !isErrorCode(error.code) || typeof error.message !== 'string') {
      return this.fail('an HTTP error without a known code', transport, input, `${status} ${text}`);
    }
    this.outcome(transport, error.code);
    const expected = ERROR_CODES[error.code].http;
    if (status !== expected && !(error.code === 'VERSION_CONFLICT' && status === 412)) {
      this.fail(`an HTTP status other than the table's for its code`, transport, input, `${status} ${text}`);
    }
    if (error.code === 'INTERNAL') this.fail('INTERNAL (a bug) for a hostile input', transport, input, text);
  }

  /** A JSON-RPC answer: a reply, a batch of replies, or a notification the node pushed. */
  rpcReply(transport: string, input: unknown, reply: unknown): void {
    if (Array.isArray(reply)) {
      if (reply.length === 0) this.fail('an empty batch reply', transport, input, '[]');
      for (const entry of reply) this.rpcReply(transport, input, entry);
      return;
    }
    const r = reply as { jsonrpc?: unknown; id?: unknown; method?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown; data?: { code?: unknown } } };
    if (r === null || typeof r !== 'object' || r.jsonrpc !== '2.0') return this.fail('not a JSON-RPC 2.0 message', transport, input, show(reply));
    if (typeof r.method === 'string' && r.id === undefined) return; // a notification (a subscription's message, a gap, a sync)
    if ('result' in r && !('error' in r)) return this.outcome(transport, 'ok');
    const code = r.error?.data?.code;
    this.outcome(transport, String(code));
    if (!r.error || !isErrorCode(code) || typeof r.error.message !== 'string') return this.fail('a JSON-RPC error without a known data.code', transport, input, show(reply));
    if (r.error.code !== ERROR_CODES[code].rpc) this.fail('a JSON-RPC error code other than the table\'s', transport, input, show(reply));
    if (code === 'INTERNAL') this.fail('INTERNAL (a bug) for a hostile input', transport, input, show(reply));
  }

  /** A WebSocket the node closed after `input`. */
  closed(transport: string, input: unknown, code: number, reason: string): void {
    this.noLeak(transport, input, reason);
    this.outcome(transport, `close ${code}`);
    if (!DOCUMENTED_CLOSE_CODES.has(code)) this.fail('an undocumented WebSocket close code', transport, input, `${code} ${reason}`);
  }

  /** Counts one answer by what it was. */
  outcome(transport: string, what: string): void {
    const key = `${transport} ${what}`;
    this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + 1);
  }

  noLeak(transport: string, input: unknown, text: string): void {
    for (const [what, pattern] of LEAKS) {
      const m = pattern.exec(text);
      if (m) this.fail(`${what} in an answer`, transport, input, text.slice(Math.max(0, m.index - 150), m.index + 150));
    }
  }

  fail(rule: string, transport: string, input: unknown, answer: string): void {
    const fix = this.pendingFixes.find((f) => f.rule.test(rule) && f.answer.test(answer));
    if (fix) {
      const seen = this.pending.get(fix.why);
      if (seen) seen.count++;
      else this.pending.set(fix.why, { count: 1, example: { rule, transport, input: show(input), answer: answer.slice(0, 400) } });
      return;
    }
    const kept = this.kept.get(rule) ?? 0;
    this.kept.set(rule, kept + 1);
    if (kept < 3) this.violations.push({ rule, transport, input: show(input), answer: answer.slice(0, 400) });
  }

  /** The pending fixes seen, with one example each. */
  pendingReport(): string {
    return [...this.pending].map(([why, { count, example: v }]) => `${count} x ${why}: ${v.rule} [${v.transport}]\n  input: ${v.input}\n  answer: ${v.answer}`).join('\n');
  }

  /** Rules broken, with how often, and the kept examples. */
  report(): string {
    const lines = [...this.kept].map(([rule, n]) => `${n} x ${rule}`);
    for (const v of this.violations) lines.push(`- ${v.rule} [${v.transport}]\n  input: ${v.input}\n  answer: ${v.answer}`);
    return lines.join('\n');
  }
}

/** An input or answer, shortened for a report. */
export function show(value: unknown): string {
  let text: string;
  if (Buffer.isBuffer(value)) text = hexOf(value);
  else if (typeof value === 'string') text = JSON.stringify(value);
  else {
    try {
      text = JSON.stringify(value, function (this: Record<string, unknown>, k: string, v: unknown) {
        const raw = this[k];
        return Buffer.isBuffer(raw) ? hexOf(raw) : typeof v === 'bigint' ? `${v}n` : v;
      }) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 400 ? `${text.slice(0, 300)}…(${text.length} chars)…${text.slice(-60)}` : text;
}

/** Bytes in hex: all of them when short, else the head and the tail (a spliced value sits near the end). */
function hexOf(bytes: Buffer): string {
  if (bytes.length <= 120) return `<${bytes.length} bytes> ${bytes.toString('hex')}`;
  return `<${bytes.length} bytes> ${bytes.subarray(0, 60).toString('hex')}…${bytes.subarray(-40).toString('hex')}`;
}
