import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import pinoPretty from 'pino-pretty';

/** Log levels, most verbose first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
/** A log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];
/** How lines look: JSON (one object per line), pretty (for people), or pretty only when stderr is a terminal. */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
/** A log format. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Fields whose values never reach a log line. */
const REDACT = ['token', 'authorization', 'credentials', 'password', '*.token', '*.authorization', '*.credentials', '*.password'];

/**
 * The node's logger, on pino (fastify's logger): one JSON object per line on stderr by default
 * (`{level, time, name, component, msg, …fields}`; stdout is kept for the one `listening on …` line
 * that scripts read), pretty lines when `log.format` asks for it or stderr is a terminal. Tokens,
 * credentials and passwords are redacted wherever they appear as fields; an Error under `err` is
 * written with its type, message and stack. Injectable into actors as `Logger`.
 *
 * @example
 * constructor(@inject(Logger) private readonly log: Logger) {}
 * this.log.info('checked out', { cart: id });
 */
export class Logger {
  private readonly pino: PinoLogger;
  private readonly root: PinoLogger;

  /**
   * @param write receives each line instead of stderr (tests)
   * @param format @default 'auto'
   */
  constructor(
    readonly level: LogLevel = 'info',
    name = 'actorgrid',
    write?: (line: string) => void,
    format: LogFormat = 'auto',
    private readonly component?: string,
    root?: PinoLogger,
  ) {
    this.root = root ?? pino({ level, name, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) }, redact: { paths: REDACT, censor: '[redacted]' }, serializers: { err: pino.stdSerializers.err } }, destinationOf(write, format));
    this.pino = component === undefined ? this.root : this.root.child({ component });
  }

  /** A logger whose lines carry `component` (nested names are joined by dots). */
  child(name: string): Logger {
    return new Logger(this.level, undefined, undefined, undefined, this.component === undefined ? name : `${this.component}.${name}`, this.root);
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.pino.debug(fields ?? {}, message);
  }

  info(message: string, fields?: Record<string, unknown>): void {
    this.pino.info(fields ?? {}, message);
  }

  warn(message: string, fields?: Record<string, unknown>): void {
    this.pino.warn(fields ?? {}, message);
  }

  /** Logs an error; an Error in `fields.err` is written with its stack. */
  error(message: string, fields?: Record<string, unknown>): void {
    this.pino.error(fields ?? {}, message);
  }
}

function destinationOf(write: ((line: string) => void) | undefined, format: LogFormat): DestinationStream {
  if (write) return { write: (line: string) => write(line.endsWith('\n') ? line.slice(0, -1) : line) };
  const pretty = format === 'pretty' || (format === 'auto' && process.stderr.isTTY === true);
  if (pretty) return pinoPretty({ destination: 2, sync: true, colorize: process.stderr.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  // Synchronous: a node killed right after a line still has written it.
  return pino.destination({ dest: 2, sync: true });
}
