// Graceful shutdown: on SIGTERM/SIGINT stop the registered components in reverse order of
// registration (last started, first stopped, like deferred calls), within one overall deadline.
//
// The usual order for the operator is: register the webhook server first and the controllers last,
// so controllers stop (and the lease is released) while the webhook still answers admission
// requests, and the webhook drains last. A component that overruns the deadline is reported and
// left behind; the process exits anyway, since Kubernetes will SIGKILL it soon after.
import type { Logger } from '../observability/logger.ts';
import { sleep, systemClock, type Clock } from './clock.ts';

export type StopFunction = (signal: AbortSignal) => void | Promise<void>;

export interface ShutdownResult {
  /** Components that stopped in time, in stop order. */
  readonly stopped: readonly string[];
  /** Components whose stop threw or rejected. */
  readonly failed: readonly string[];
  /** Components still stopping at the deadline, and those never reached. */
  readonly timedOut: readonly string[];
}

export interface ShutdownOptions {
  readonly logger: Logger;
  /** Overall budget for all stops; default 25 s (under the pod's default 30 s grace period). */
  readonly deadlineMs?: number;
  readonly clock?: Clock;
}

interface Component {
  readonly name: string;
  readonly stop: StopFunction;
}

/** The parts of `process` used for signals, so tests can pass a stand-in. */
export interface SignalSource {
  once(event: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
  removeListener(event: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
}

export class Shutdown {
  readonly #log: Logger;
  readonly #deadlineMs: number;
  readonly #clock: Clock;
  readonly #components: Component[] = [];
  readonly #begun = new AbortController();
  #result: Promise<ShutdownResult> | undefined;

  constructor(options: ShutdownOptions) {
    this.#log = options.logger.child({ component: 'shutdown' });
    this.#deadlineMs = options.deadlineMs ?? 25_000;
    this.#clock = options.clock ?? systemClock;
    if (!(this.#deadlineMs > 0)) throw new Error(`shutdown deadline must be > 0, got ${this.#deadlineMs} ms`);
  }

  /** Aborts when shutdown begins: long-running loops can watch it directly. */
  get signal(): AbortSignal {
    return this.#begun.signal;
  }

  /**
   * Registers a component; components stop in reverse registration order. `stop` receives a signal
   * that aborts at the overall deadline. Registering after shutdown began throws.
   */
  register(name: string, stop: StopFunction): void {
    if (this.#begun.signal.aborted) throw new Error(`cannot register ${name}: shutdown has begun`);
    this.#components.push({ name, stop });
  }

  /** Stops everything once; later calls return the same result. */
  shutdown(reason = 'requested'): Promise<ShutdownResult> {
    this.#result ??= this.#stopAll(reason);
    return this.#result;
  }

  /**
   * Calls shutdown() on the first SIGTERM or SIGINT, then `exit` with 0 (all stopped) or 1. A second
   * signal exits with 130 at once. Returns a function that removes the listeners.
   */
  handleSignals(
    source: SignalSource = process,
    exit: (code: number) => void = (code) => process.exit(code),
  ): () => void {
    const second = (): void => {
      this.#log.warn('second signal; exiting now');
      exit(130);
    };
    const onSignal = (name: 'SIGTERM' | 'SIGINT') => (): void => {
      source.removeListener('SIGTERM', onTerm);
      source.removeListener('SIGINT', onInt);
      source.once('SIGTERM', second);
      source.once('SIGINT', second);
      void this.shutdown(name).then((result) => {
        exit(result.failed.length === 0 && result.timedOut.length === 0 ? 0 : 1);
      });
    };
    const onTerm = onSignal('SIGTERM');
    const onInt = onSignal('SIGINT');
    source.once('SIGTERM', onTerm);
    source.once('SIGINT', onInt);
    return () => {
      for (const listener of [onTerm, onInt, second]) {
        source.removeListener('SIGTERM', listener);
        source.removeListener('SIGINT', listener);
      }
    };
  }

  async #stopAll(reason: string): Promise<ShutdownResult> {
    this.#begun.abort();
    const started = this.#clock.now();
    const deadline = new AbortController();
    const timer = this.#clock.setTimer(() => {
      deadline.abort();
    }, this.#deadlineMs);
    this.#log.info(
      { reason, components: this.#components.length, deadlineMs: this.#deadlineMs },
      'shutting down',
    );
    const stopped: string[] = [];
    const failed: string[] = [];
    const timedOut: string[] = [];
    const order = [...this.#components].reverse();
    for (const [i, component] of order.entries()) {
      if (deadline.signal.aborted) {
        timedOut.push(...order.slice(i).map((c) => c.name));
        break;
      }
      const outcome = await Promise.race([
        Promise.resolve()
          .then(() => component.stop(deadline.signal))
          .then(
            () => 'stopped' as const,
            (err: unknown) => {
              this.#log.error({ err, component: component.name }, 'component failed to stop');
              return 'failed' as const;
            },
          ),
        sleep(this.#clock, Math.max(0, started + this.#deadlineMs - this.#clock.now()), deadline.signal).then(
          () => 'timeout' as const,
        ),
      ]);
      if (outcome === 'stopped') stopped.push(component.name);
      else if (outcome === 'failed') failed.push(component.name);
      else {
        this.#log.warn({ component: component.name }, 'component still stopping at the shutdown deadline');
        timedOut.push(component.name);
      }
    }
    timer.cancel();
    deadline.abort();
    this.#log.info(
      { stopped, failed, timedOut, elapsedMs: this.#clock.now() - started },
      'shutdown finished',
    );
    return { stopped, failed, timedOut };
  }
}
