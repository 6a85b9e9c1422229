/** Log levels, most verbose first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
/** A log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The node's logger: one human-readable line per event on stderr (stdout is kept for the one
 * `listening on …` line that scripts read). Injectable into actors as `Logger`.
 *
 * @example
 * constructor(@inject(Logger) private readonly log: Logger) {}
 * this.log.info('checked out', { cart: id });
 */
export class Logger {
  private readonly threshold: number;

  constructor(
    readonly level: LogLevel = 'info',
    private readonly name = 'actorgrid',
    private readonly write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {
    this.threshold = LOG_LEVELS.indexOf(level);
  }

  /** A logger whose lines carry `name`. */
  child(name: string): Logger {
    return new Logger(this.level, name, this.write);
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.log('debug', message, fields);
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.log('info', message, fields);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.log('warn', message, fields);
  }

  /** Logs an error; an Error in `fields.err` is written with its stack. */
  error(message: string, fields?: Record<string, unknown>): void {
    this.log('error', message, fields);
  }

  private log(level: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>): void {
    if (LOG_LEVELS.indexOf(level) < this.threshold) return;
    let line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} [${this.name}] ${message}`;
    if (fields) {
      for (const [k, v] of Object.entries(fields)) {
        if (v instanceof Error) line += `\n${v.stack ?? v.message}${v.cause ? `\ncaused by: ${describe(v.cause)}` : ''}`;
        else line += ` ${k}=${typeof v === 'string' ? v : safeJson(v)}`;
      }
    }
    this.write(line);
  }
}

function describe(cause: unknown): string {
  return cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v);
  } catch {
    return String(v);
  }
}
