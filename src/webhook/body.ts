// Reads a request body into memory with a hard cap, for the AdmissionReview endpoint.
//
// The cap is enforced before a byte is buffered when Content-Length announces too much, and while
// reading otherwise (chunked bodies): at the first chunk past the cap, reading stops and what was
// gathered is dropped. The caller answers 400 and closes the connection, so the rest of the body is
// never buffered.
import type { IncomingMessage } from 'node:http';

/** istiod's limit (`kube.MaxRequestBodyBytes`): 6 MiB, well above the API server's own 3 MiB object cap. */
export const DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024;

export type BodyResult =
  | { readonly kind: 'complete'; readonly body: Buffer }
  | { readonly kind: 'tooLarge'; readonly limit: number }
  /** The client went away, or `signal` fired (the request's time limit) before the body was complete. */
  | { readonly kind: 'aborted'; readonly byDeadline: boolean };

export function readBody(request: IncomingMessage, limit: number, signal: AbortSignal): Promise<BodyResult> {
  const declared = declaredLength(request);
  if (declared !== undefined && declared > limit) return Promise.resolve({ kind: 'tooLarge', limit });
  if (signal.aborted) return Promise.resolve({ kind: 'aborted', byDeadline: true });

  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;

    const finish = (result: BodyResult): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onClosed);
      request.off('close', onClosed);
      signal.removeEventListener('abort', onDeadline);
      if (result.kind !== 'complete') {
        request.pause();
        chunks.length = 0;
      }
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > limit) {
        finish({ kind: 'tooLarge', limit });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      finish({ kind: 'complete', body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total) });
    };
    const onClosed = (): void => {
      finish({ kind: 'aborted', byDeadline: false });
    };
    const onDeadline = (): void => {
      finish({ kind: 'aborted', byDeadline: true });
    };

    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onClosed);
    // 'close' after 'end' is harmless: finish() has removed this listener by then.
    request.on('close', onClosed);
    signal.addEventListener('abort', onDeadline, { once: true });
  });
}

function declaredLength(request: IncomingMessage): number | undefined {
  const header = request.headers['content-length'];
  if (header === undefined) return undefined;
  const length = Number(header);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}
