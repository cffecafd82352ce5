// The webhook's network shell: an HTTPS listener for the API server and a plain-HTTP listener for
// Prometheus and kubelet probes.
//
// HTTPS (TLS 1.2 or newer) serves `POST /inject` and `/inject/...`, `GET /healthz` and `GET /readyz`.
// HTTP serves `GET /metrics`, `/healthz` and `/readyz`, so probes need no TLS. Everything about an
// /inject request after the body is read is decided in handler.ts; this file reads bodies under a
// size cap and a time limit, routes, writes replies, swaps certificates and shuts down.
//
// Certificates live in memory. A new one is checked by building a TLS context from it first, then
// installed with `setSecureContext`: handshakes from then on present it, connections already open
// keep theirs and are not dropped, and a bad certificate leaves the current one serving.
import { X509Certificate } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as HttpServer,
  type ServerOptions as HttpServerOptions,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createSecureContext, type SecureContextOptions } from 'node:tls';

import type { Logger } from '../observability/logger.ts';
import {
  recordReviewOutcome,
  renderMetrics,
  type Registry,
  type ReviewOutcome,
  type WebhookMetrics,
} from '../observability/metrics.ts';
import { DEFAULT_MAX_BODY_BYTES, readBody } from './body.ts';
import { answerInjectRequest, TEXT_CONTENT_TYPE, type InjectReply } from './handler.ts';
import type { Admit } from './types.ts';

/** A serving certificate and its key, PEM. `cert` may hold the chain (leaf first). */
export interface ServingCertificate {
  readonly key: string;
  readonly cert: string;
  /** The CA that signed `cert`, as the MutatingWebhookConfiguration's caBundle carries it. Not sent in
   * handshakes (the API server has it already); kept so a Secret's three keys map across unchanged. */
  readonly ca?: string;
}

/** Where new certificates come from (the operator's certificate manager, a file watcher, a test). */
export interface CertificateSource {
  /** Calls `listener` with every new certificate; returns a function that stops the calls. */
  onChange(listener: (certificate: ServingCertificate) => void): () => void;
}

/** One condition /readyz waits for. `check` returns undefined when satisfied, else why not. */
export interface ReadinessCheck {
  readonly name: string;
  readonly check: () => string | undefined;
}

export interface ListenAddress {
  /** Default: all interfaces. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
}

export interface WebhookServerOptions {
  readonly admit: Admit;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly metrics: WebhookMetrics;
  /** The first certificate. Without one the server starts but handshakes fail and /readyz says so,
   * until `setCertificate` or the source provides one. */
  readonly certificate?: ServingCertificate;
  readonly certificateSource?: CertificateSource;
  /** Further conditions for /readyz (e.g. "injector config loaded"). A certificate is always required. */
  readonly readiness?: readonly ReadinessCheck[];
  /** The HTTPS listener; default port 9443 on all interfaces. */
  readonly listen?: ListenAddress;
  /** The plain-HTTP metrics and probe listener; default port 8080; false for none. */
  readonly metricsListen?: ListenAddress | false;
  /** Time from a request's arrival to its reply (body read plus injection); default 8 s. Keep it
   * below the MutatingWebhookConfiguration's timeoutSeconds (10 s by default) so the API server
   * gets our refusal rather than its own timeout. */
  readonly timeLimitMs?: number;
  /** Largest accepted body; default 6 MiB, as istiod. */
  readonly maxBodyBytes?: number;
  /** How long an idle keep-alive connection is kept; default 95 s, above the API server's 90 s idle
   * timeout, so the client closes first and never sends on a connection the server is closing. */
  readonly keepAliveTimeoutMs?: number;
  /** Longest wait for a request's headers; default 10 s. */
  readonly headersTimeoutMs?: number;
  /** Longest TLS handshake; default 10 s. */
  readonly handshakeTimeoutMs?: number;
}

export interface WebhookServerAddresses {
  readonly webhook: AddressInfo;
  readonly metrics?: AddressInfo;
}

export interface StopOptions {
  /**
   * How long to keep serving, unready, before closing the listeners; default 0. Endpoints take a
   * moment to drop a terminating pod, and the API server keeps sending reviews here until they do.
   */
  readonly lameDuckMs?: number;
  /** How long in-flight reviews may take to finish once the listeners close; default 10 s. Connections
   * still open then are cut. */
  readonly deadlineMs?: number;
}

export interface StopReport {
  /** Reviews that were still running at the deadline and got no reply. */
  readonly abandoned: number;
}

export const DEFAULT_TIME_LIMIT_MS = 8_000;
const DEFAULT_WEBHOOK_PORT = 9443;
const DEFAULT_METRICS_PORT = 8080;
const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 95_000;
const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
const DEFAULT_STOP_DEADLINE_MS = 10_000;
// Node checks header and request timeouts on this period; the default (30 s) would let a stalled
// client hold a connection three times longer than configured.
const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;
const MIN_TLS_VERSION = 'TLSv1.2';
// How long a connection refused mid-upload stays half-open before it is closed (Go's net/http waits 500 ms).
const REFUSED_UPLOAD_LINGER_MS = 1_000;

type Listener = 'webhook' | 'metrics';
type Route = 'inject' | 'healthz' | 'readyz' | 'metrics';

export type RouteDecision =
  | { readonly kind: 'route'; readonly route: Route }
  | { readonly kind: 'notFound' }
  | { readonly kind: 'methodNotAllowed'; readonly route: Route; readonly allow: string };

/** Which endpoint a request is for, on which listener. `path` is the decoded URL path. */
export function routeRequest(method: string, path: string, listener: Listener): RouteDecision {
  let route: Route;
  if (path === '/inject' || path.startsWith('/inject/')) {
    if (listener !== 'webhook') return { kind: 'notFound' };
    route = 'inject';
  } else if (path === '/healthz') {
    route = 'healthz';
  } else if (path === '/readyz') {
    route = 'readyz';
  } else if (path === '/metrics' && listener === 'metrics') {
    route = 'metrics';
  } else {
    return { kind: 'notFound' };
  }
  const allowed = route === 'inject' ? ['POST'] : ['GET', 'HEAD'];
  if (!allowed.includes(method)) return { kind: 'methodNotAllowed', route, allow: allowed.join(', ') };
  return { kind: 'route', route };
}

/** The decoded path of a request target (origin or absolute form), or undefined if it is malformed. */
export function requestPath(target: string | undefined): string | undefined {
  if (target === undefined || target === '') return undefined;
  let path = target;
  if (!path.startsWith('/')) {
    if (!URL.canParse(path)) return undefined;
    path = new URL(path).pathname;
  }
  const end = path.search(/[?#]/);
  if (end !== -1) path = path.slice(0, end);
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

export class WebhookServer {
  readonly #options: WebhookServerOptions;
  readonly #log: Logger;
  readonly #timeLimitMs: number;
  readonly #maxBodyBytes: number;
  readonly #webhook: HttpsServer;
  readonly #metricsServer: HttpServer | undefined;
  /** Raw TCP sockets of both listeners, so a stop past its deadline can cut them all, handshakes included. */
  readonly #sockets = new Set<Socket>();
  /** Deadlines of the reviews in flight; a stop past its own deadline fires them all. */
  readonly #deadlines = new Set<AbortController>();
  #certificate: ServingCertificate | undefined;
  #stopCertificateSource: (() => void) | undefined;
  #inFlight = 0;
  #drained: (() => void) | undefined;
  #stopRequested = false;
  #stopping: Promise<StopReport> | undefined;

  constructor(options: WebhookServerOptions) {
    this.#options = options;
    this.#log = options.logger.child({ component: 'webhook' });
    this.#timeLimitMs = positive(options.timeLimitMs, DEFAULT_TIME_LIMIT_MS, 'timeLimitMs');
    this.#maxBodyBytes = positive(options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, 'maxBodyBytes');
    const headersTimeout = positive(options.headersTimeoutMs, DEFAULT_HEADERS_TIMEOUT_MS, 'headersTimeoutMs');
    const http: HttpServerOptions = {
      headersTimeout,
      // Node's own whole-request limit is only a backstop here: the per-request time limit answers first.
      requestTimeout: Math.max(headersTimeout, this.#timeLimitMs) + 5_000,
      connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
      keepAliveTimeout: positive(
        options.keepAliveTimeoutMs,
        DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
        'keepAliveTimeoutMs',
      ),
    };

    this.#webhook = createHttpsServer(
      {
        ...http,
        minVersion: MIN_TLS_VERSION,
        handshakeTimeout: positive(
          options.handshakeTimeoutMs,
          DEFAULT_HANDSHAKE_TIMEOUT_MS,
          'handshakeTimeoutMs',
        ),
      },
      (request, response) => {
        void this.#serve(request, response, 'webhook');
      },
    );
    this.#webhook.on('tlsClientError', (error: Error) => {
      this.#log.debug({ err: error }, 'TLS handshake failed');
    });
    this.#track(this.#webhook);

    if (options.metricsListen !== false) {
      this.#metricsServer = createHttpServer(http, (request, response) => {
        void this.#serve(request, response, 'metrics');
      });
      this.#track(this.#metricsServer);
    }

    if (options.certificate !== undefined) this.setCertificate(options.certificate);
    this.#stopCertificateSource = options.certificateSource?.onChange((certificate) => {
      try {
        this.setCertificate(certificate);
      } catch (error) {
        this.#log.error({ err: error }, 'rejected a new serving certificate; the current one keeps serving');
      }
    });
  }

  /** Starts both listeners. */
  async start(): Promise<WebhookServerAddresses> {
    const webhookAt = this.#options.listen ?? { port: DEFAULT_WEBHOOK_PORT };
    const webhook = await listen(this.#webhook, webhookAt);
    let metrics: AddressInfo | undefined;
    if (this.#metricsServer !== undefined) {
      const metricsAt = this.#options.metricsListen || { port: DEFAULT_METRICS_PORT };
      metrics = await listen(this.#metricsServer, metricsAt);
    }
    this.#log.info({ webhook, metrics }, 'webhook server listening');
    return metrics === undefined ? { webhook } : { webhook, metrics };
  }

  /**
   * Serves `certificate` to every handshake from now on. Throws, and keeps the current certificate,
   * when the PEM does not parse or the key does not belong to the certificate.
   */
  setCertificate(certificate: ServingCertificate): void {
    const options = secureContextOptions(certificate);
    // Building a context validates PEM and key/certificate match before anything changes.
    createSecureContext(options);
    this.#webhook.setSecureContext(options);
    this.#certificate = certificate;
    this.#log.info(describeCertificate(certificate.cert), 'serving certificate installed');
  }

  /** The certificate handshakes present now. */
  get certificate(): ServingCertificate | undefined {
    return this.#certificate;
  }

  /** Reviews being answered right now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Graceful stop: /readyz turns unready, no new connections are accepted, replies ask clients to close,
   * reviews in flight finish (up to the deadline), idle keep-alive connections are closed. Connections
   * still open at the deadline are cut. Calling it again returns the same result.
   */
  stop(options: StopOptions = {}): Promise<StopReport> {
    this.#stopping ??= this.#stop(options.lameDuckMs ?? 0, options.deadlineMs ?? DEFAULT_STOP_DEADLINE_MS);
    return this.#stopping;
  }

  /**
   * The first step of a stop, on its own: /readyz turns unready and every reply asks its client to
   * close the connection, while the server keeps serving. `stop` does this itself.
   */
  beginStop(): void {
    if (this.#stopRequested) return;
    this.#stopRequested = true;
    this.#log.info('webhook server going unready before stopping');
  }

  async #stop(lameDuckMs: number, deadlineMs: number): Promise<StopReport> {
    this.beginStop();
    if (lameDuckMs > 0) await new Promise((resolve) => setTimeout(resolve, lameDuckMs));
    const deadline = Date.now() + deadlineMs;
    this.#stopCertificateSource?.();
    this.#log.info({ inFlight: this.#inFlight, deadlineMs }, 'webhook server stopping');
    const webhookClosed = closed(this.#webhook);
    const metricsClosed = this.#metricsServer === undefined ? Promise.resolve() : closed(this.#metricsServer);

    const drained = await withDeadline(this.#whenDrained(), deadline);
    const abandoned = drained ? 0 : this.#inFlight;
    // Replies sent during the drain carried "Connection: close"; what is left is idle or stuck.
    this.#webhook.closeIdleConnections();
    this.#metricsServer?.closeIdleConnections();
    if (!(await withDeadline(Promise.all([webhookClosed, metricsClosed]), deadline))) {
      for (const socket of this.#sockets) socket.destroy();
      await Promise.all([webhookClosed, metricsClosed]);
    }
    // Abandoned reviews have nobody to answer to any more; end them now rather than at their time limit.
    for (const controller of this.#deadlines) controller.abort();
    if (abandoned > 0) this.#log.warn({ abandoned }, 'stop deadline reached with reviews in flight');
    this.#log.info('webhook server stopped');
    return { abandoned };
  }

  #whenDrained(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#drained = resolve;
    });
  }

  #track(server: HttpServer | HttpsServer): void {
    // A listening server reports accept failures (e.g. out of file descriptors) as 'error'; unhandled,
    // that would end the process. Errors while starting to listen reach start() as well.
    server.on('error', (error: Error) => {
      this.#log.error({ err: error }, 'listener error');
    });
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
  }

  async #serve(request: IncomingMessage, response: ServerResponse, listener: Listener): Promise<void> {
    // A client that disconnects mid-request makes these streams emit 'error'; unhandled, that would
    // take the process down.
    request.on('error', ignore);
    response.on('error', ignore);
    try {
      const path = requestPath(request.url);
      if (path === undefined) {
        this.#reply(response, 400, TEXT_CONTENT_TYPE, 'malformed request path\n');
        return;
      }
      const decision = routeRequest(request.method ?? '', path, listener);
      switch (decision.kind) {
        case 'notFound':
          this.#reply(response, 404, TEXT_CONTENT_TYPE, '404 page not found\n');
          return;
        case 'methodNotAllowed':
          if (decision.route === 'inject') recordReviewOutcome(this.#options.metrics, 'rejected', 0);
          response.setHeader('Allow', decision.allow);
          this.#reply(response, 405, TEXT_CONTENT_TYPE, 'method not allowed\n');
          return;
        case 'route':
          break;
      }
      switch (decision.route) {
        case 'inject':
          await this.#inject(request, response, path);
          return;
        case 'healthz':
          this.#reply(response, 200, TEXT_CONTENT_TYPE, 'ok\n');
          return;
        case 'readyz': {
          const readiness = this.#readiness();
          this.#reply(response, readiness.ready ? 200 : 503, TEXT_CONTENT_TYPE, readiness.text);
          return;
        }
        case 'metrics': {
          const { contentType, body } = await renderMetrics(this.#options.registry);
          this.#reply(response, 200, contentType, body);
          return;
        }
      }
    } catch (error) {
      this.#log.error({ err: error, url: request.url }, 'request handling failed');
      if (!response.headersSent) this.#reply(response, 500, TEXT_CONTENT_TYPE, 'internal error\n');
      else response.destroy();
    }
  }

  async #inject(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
    const started = performance.now();
    const deadline = new AbortController();
    const timer = setTimeout(() => {
      deadline.abort();
    }, this.#timeLimitMs);
    this.#deadlines.add(deadline);
    this.#inFlight += 1;
    let outcome: ReviewOutcome = 'rejected';
    try {
      const body = await readBody(request, this.#maxBodyBytes, deadline.signal);
      if (body.kind === 'tooLarge') {
        this.#log.warn({ path, limit: body.limit }, 'rejected: request body too large');
        // Closing the connection is what stops the rest of the body from being read.
        lingerBeforeClosing(response, REFUSED_UPLOAD_LINGER_MS);
        send(
          response,
          400,
          TEXT_CONTENT_TYPE,
          `request body too large: limit is ${body.limit} bytes\n`,
          true,
        );
        return;
      }
      if (body.kind === 'aborted') {
        if (body.byDeadline) {
          this.#log.warn({ path }, 'rejected: request body not received in time');
          send(
            response,
            408,
            TEXT_CONTENT_TYPE,
            `request body not received within ${this.#timeLimitMs} ms\n`,
            true,
          );
        }
        return;
      }
      const reply: InjectReply = await answerInjectRequest(
        { path, contentType: request.headers['content-type'], body: body.body },
        {
          admit: this.#options.admit,
          logger: this.#log,
          deadline: deadline.signal,
          timeLimitMs: this.#timeLimitMs,
        },
      );
      outcome = reply.outcome;
      this.#reply(response, reply.status, reply.contentType, reply.body);
    } finally {
      clearTimeout(timer);
      this.#deadlines.delete(deadline);
      recordReviewOutcome(this.#options.metrics, outcome, (performance.now() - started) / 1000);
      this.#inFlight -= 1;
      if (this.#inFlight === 0 && this.#drained !== undefined) {
        this.#drained();
        this.#drained = undefined;
      }
    }
  }

  // While stopping, every reply tells its client to take its next request elsewhere.
  #reply(response: ServerResponse, status: number, contentType: string, body: string, close = false): void {
    send(response, status, contentType, body, close || this.#stopRequested);
  }

  #readiness(): { ready: boolean; text: string } {
    const checks: ReadinessCheck[] = [
      {
        name: 'shutdown',
        check: () => (this.#stopRequested ? 'the server is stopping' : undefined),
      },
      {
        name: 'certificate',
        check: () => (this.#certificate === undefined ? 'no serving certificate loaded' : undefined),
      },
      ...(this.#options.readiness ?? []),
    ];
    let ready = true;
    const lines: string[] = [];
    for (const { name, check } of checks) {
      let problem: string | undefined;
      try {
        problem = check();
      } catch (error) {
        problem = `the check threw: ${error instanceof Error ? error.message : 'a non-error value'}`;
      }
      if (problem === undefined) {
        lines.push(`[+]${name} ok`);
      } else {
        ready = false;
        lines.push(`[-]${name} failed: ${problem}`);
      }
    }
    lines.push(ready ? 'readyz check passed' : 'readyz check failed');
    return { ready, text: `${lines.join('\n')}\n` };
  }
}

/**
 * Makes the close that follows `response` (sent with `Connection: close`) a lingering one. Closed at once while the
 * client is still sending the rest of its body, the connection would be reset, and a reset can overtake the reply
 * still in flight: the client would see `ECONNRESET` instead of our 400. So the server sends its half of the close
 * after the reply, reads and drops whatever still arrives, and closes for good when the client does or `lingerMs`
 * later. Node closes such a connection through `destroySoon()` once the reply is written; that is the step
 * replaced here, for this one socket.
 */
function lingerBeforeClosing(response: ServerResponse, lingerMs: number): void {
  const socket = response.socket;
  if (socket === null) return;
  socket.destroySoon = () => {
    socket.end();
    socket.resume();
    const timer = setTimeout(() => socket.destroy(), lingerMs);
    timer.unref();
    socket.once('close', () => {
      clearTimeout(timer);
    });
  };
}

function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  closeConnection = false,
): void {
  if (response.destroyed) return;
  if (closeConnection) response.setHeader('Connection', 'close');
  response.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    'X-Content-Type-Options': 'nosniff',
  });
  response.end(body);
}

function secureContextOptions(certificate: ServingCertificate): SecureContextOptions {
  return { key: certificate.key, cert: certificate.cert, minVersion: MIN_TLS_VERSION };
}

function describeCertificate(pem: string): Record<string, string> {
  try {
    const certificate = new X509Certificate(pem);
    return {
      subject: certificate.subject,
      serialNumber: certificate.serialNumber,
      notAfter: certificate.validTo,
    };
  } catch {
    return {};
  }
}

function listen(server: HttpServer | HttpsServer, at: ListenAddress): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(error);
    };
    server.once('error', onError);
    server.listen(at.port, at.host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Stops accepting and resolves once every connection of `server` has closed. */
function closed(server: HttpServer | HttpsServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => {
      resolve();
    });
  });
}

/** True if `promise` settles before `deadline` (epoch ms). */
async function withDeadline(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(
      () => {
        resolve(false);
      },
      Math.max(0, deadline - Date.now()),
    );
  });
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`webhook server: ${name} must be a positive number, got ${value}`);
  return value;
}

function ignore(): void {
  // Errors of a request or response stream are reported by the outcome of the request itself.
}
