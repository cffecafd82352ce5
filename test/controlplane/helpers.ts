// Small helpers for tests that talk to the control plane.
import { setTimeout as sleep } from 'node:timers/promises';

import { ApiException, loadYaml } from '@kubernetes/client-node';

import type { JsonObject } from '../../src/inject/types.ts';

/**
 * Turns a plain manifest into client-node's model class (V1Deployment, V1Pod, ...) for the typed API
 * clients. client-node's own loader picks the class from apiVersion and kind (JSON is YAML); the check
 * makes a manifest whose kind does not match the wanted class fail here rather than on the server.
 */
export function toModel<T extends object>(model: new () => T, manifest: JsonObject): T {
  const value = loadYaml<unknown>(JSON.stringify(manifest));
  if (!(value instanceof model)) {
    throw new Error(
      `manifest ${JSON.stringify(manifest.apiVersion)} ${JSON.stringify(manifest.kind)} does not load as ${model.name}`,
    );
  }
  return value;
}

export interface EventuallyOptions {
  /** Give up after this long; default 30 s. */
  readonly timeoutMs?: number;
  /** Pause between attempts; default 100 ms. */
  readonly intervalMs?: number;
}

/**
 * Calls `probe` until it returns a value other than undefined/false and returns that value. On timeout the
 * error names `what` and carries the last thrown error or the last falsy result.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: EventuallyOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let last: string;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = `last result ${String(value)}`;
    } catch (error) {
      last = `last error: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${last})`);
    await sleep(options.intervalMs ?? 100);
  }
}

/** The HTTP status of a failed client-node call, or undefined for other errors. */
export function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}
