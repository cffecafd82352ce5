// The project's one logger. Every module takes a child of the root (`logger.child({ component })`);
// nothing else writes log lines.
//
// Logs are JSON (one object per line) for machines. Humans get pino-pretty when they ask for it with
// LOG_FORMAT=pretty; pino-pretty is a dev dependency, so the production image never loads it.
import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** Minimum level; default from LOG_LEVEL, else `info`. */
  readonly level?: LevelWithSilent;
  /** File descriptor to write to: 1 for services, 2 for commands whose stdout is their output. */
  readonly fd?: 1 | 2;
  /** `json` (default) or `pretty`; default from LOG_FORMAT. */
  readonly format?: 'json' | 'pretty';
}

const levels: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function parseLogLevel(
  value: string | undefined,
  fallback: LevelWithSilent = 'info',
): LevelWithSilent {
  if (value === undefined || value === '') return fallback;
  if (!levels.includes(value)) {
    throw new Error(`invalid log level "${value}": want one of ${levels.join(', ')}`);
  }
  return value as LevelWithSilent;
}

/** Paths redacted wherever they appear, so a Secret or token never reaches a log line. */
const redactPaths = [
  'token',
  '*.token',
  'headers.authorization',
  '*.headers.authorization',
  '*.secret.data',
  'tls.key',
  '*.privateKey',
];

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? parseLogLevel(process.env.LOG_LEVEL);
  const format = options.format ?? (process.env.LOG_FORMAT === 'pretty' ? 'pretty' : 'json');
  const fd = options.fd ?? 1;
  const base = {
    level,
    base: { name: 'mesh-injector' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    redact: { paths: redactPaths, censor: '[REDACTED]' },
  };
  if (format === 'pretty') {
    return pino({
      ...base,
      transport: { target: 'pino-pretty', options: { destination: fd, colorize: true } },
    });
  }
  return pino(base, pino.destination({ fd, sync: true }));
}
