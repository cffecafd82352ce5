// Shared fixtures for the webhook tests: a CA with serving certificates for 127.0.0.1, a server on
// ephemeral loopback ports, a small HTTPS/HTTP client, and AdmissionReview builders.
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { Writable } from 'node:stream';

import { pino, type Logger } from 'pino';

import {
  createCertificateAuthority,
  issueCertificate,
  type CertificateAuthority,
} from '../../../src/certs/pki.ts';
import type { JsonObject } from '../../../src/inject/types.ts';
import {
  createMetricsRegistry,
  createWebhookMetrics,
  type Registry,
  type WebhookMetrics,
} from '../../../src/observability/metrics.ts';
import {
  WebhookServer,
  type ServingCertificate,
  type WebhookServerOptions,
} from '../../../src/webhook/server.ts';
import type { Admit } from '../../../src/webhook/types.ts';

export interface TestPki {
  readonly ca: CertificateAuthority;
  /** A fresh serving certificate for 127.0.0.1/localhost, signed by `ca`. */
  issue(commonName?: string): Promise<ServingCertificate & { serialNumber: string }>;
}

export async function createTestPki(): Promise<TestPki> {
  const ca = await createCertificateAuthority({ commonName: 'webhook-test-ca' });
  return {
    ca,
    async issue(commonName = 'mesh-injector.test.svc') {
      const leaf = await issueCertificate(ca, {
        commonName,
        dnsNames: ['localhost', commonName],
        ipAddresses: ['127.0.0.1'],
        usage: 'server',
      });
      return {
        key: leaf.privateKeyPem,
        cert: leaf.certificatePem,
        ca: ca.certificatePem,
        serialNumber: leaf.serialNumber,
      };
    },
  };
}

/** A pino logger whose lines are kept in memory, parsed. */
export function captureLogger(level: pino.LevelWithSilent = 'debug'): {
  logger: Logger;
  lines: Record<string, unknown>[];
} {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) {
        if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

export const silentLogger: Logger = pino({ level: 'silent' });

export interface RunningServer {
  readonly server: WebhookServer;
  readonly registry: Registry;
  readonly metrics: WebhookMetrics;
  readonly port: number;
  readonly metricsPort: number;
  /** An agent trusting the test CA, keep-alive on. */
  readonly agent: Agent;
  close(): Promise<void>;
}

export async function startServer(
  pki: TestPki,
  options: Partial<WebhookServerOptions> & { admit: Admit },
): Promise<RunningServer> {
  const registry = createMetricsRegistry();
  const metrics = createWebhookMetrics(registry);
  const certificate = 'certificate' in options ? options.certificate : await pki.issue();
  const server = new WebhookServer({
    logger: silentLogger,
    registry,
    metrics,
    listen: { host: '127.0.0.1', port: 0 },
    metricsListen: { host: '127.0.0.1', port: 0 },
    ...options,
    ...(certificate === undefined ? {} : { certificate }),
  });
  const addresses = await server.start();
  const agent = new Agent({ keepAlive: true, ca: pki.ca.certificatePem });
  return {
    server,
    registry,
    metrics,
    port: addresses.webhook.port,
    metricsPort: addresses.metrics?.port ?? 0,
    agent,
    async close() {
      agent.destroy();
      await server.stop({ deadlineMs: 2000 });
    },
  };
}

export interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

export interface SendOptions {
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  readonly agent?: Agent;
}

/** One HTTPS request to the webhook listener. */
export function send(running: RunningServer, options: SendOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      {
        host: '127.0.0.1',
        port: running.port,
        method: options.method ?? 'POST',
        path: options.path ?? '/inject',
        headers: options.headers ?? { 'Content-Type': 'application/json' },
        agent: options.agent ?? running.agent,
      },
      (response) => {
        collect(response, resolve, reject);
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}

/** One plain-HTTP request to the metrics listener. */
export function sendPlain(running: RunningServer, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port: running.metricsPort, method, path },
      (response) => {
        collect(response, resolve, reject);
      },
    );
    request.on('error', reject);
    request.end();
  });
}

function collect(
  response: IncomingMessage,
  resolve: (reply: Reply) => void,
  reject: (error: Error) => void,
): void {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.on('error', reject);
  response.on('end', () => {
    resolve({
      status: response.statusCode ?? 0,
      headers: response.headers,
      text: Buffer.concat(chunks).toString(),
    });
  });
}

/** The value of an unlabelled series (or one with the given label text) in Prometheus text. */
export function metricValue(text: string, name: string, labels = ''): number | undefined {
  const series = labels === '' ? name : `${name}{${labels}}`;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

export function pod(overrides: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'web-7d4b9c-', namespace: 'shop', labels: { app: 'web' } },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
    ...overrides,
  };
}

export function admissionReview(
  apiVersion = 'admission.k8s.io/v1',
  request: JsonObject = {},
  object: JsonObject = pod(),
): JsonObject {
  return {
    apiVersion,
    kind: 'AdmissionReview',
    request: {
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'shop',
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: [] },
      object,
      oldObject: null,
      dryRun: false,
      options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
      ...request,
    },
  };
}

/** A promise and the functions that settle it. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
} {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
