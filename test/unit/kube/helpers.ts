// Test helpers for src/kube: a recording HTTP server standing in for the API server, and a
// kubeconfig pointing at it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException } from '@kubernetes/client-node';

export interface RecordedRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export type Responder = (req: RecordedRequest, res: http.ServerResponse) => void;

export interface RecordingServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  respond: Responder;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that records every request and answers through `respond`. */
export async function recordingServer(respond: Responder): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const state: { respond: Responder } = { respond };
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const recorded = {
        method: req.method ?? '',
        url: new URL(req.url ?? '/', 'http://127.0.0.1'),
        headers: req.headers,
        body,
      };
      requests.push(recorded);
      state.respond(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get respond() {
      return state.respond;
    },
    set respond(r: Responder) {
      state.respond = r;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

export function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

export function status(code: number, reason: string, message: string, details?: unknown): unknown {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    code,
    reason,
    message,
    ...(details === undefined ? {} : { details }),
  };
}

/** An ApiException as client-node's generated clients throw it (body as the raw string). */
export function apiError(
  code: number,
  reason: string,
  message = reason,
  details?: unknown,
): ApiException<string> {
  return new ApiException<string>(
    code,
    'Unknown API Status Code!',
    JSON.stringify(status(code, reason, message, details)),
    {},
  );
}

/** Writes a kubeconfig for `server` (plain HTTP, so skipTLSVerify) and returns its path. */
export function writeKubeconfig(server: string, extra = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'kube-test-'));
  const file = join(dir, 'config');
  writeFileSync(
    file,
    `apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: ${server}
    insecure-skip-tls-verify: true
users:
- name: tester
  user:
    token: secret-token
contexts:
- name: local
  context:
    cluster: local
    user: tester
    namespace: team-a
current-context: local
${extra}`,
  );
  return file;
}
