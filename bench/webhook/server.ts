// The webhook as one operator replica serves it, alone in its own process: WebhookServer over TLS, injectorAdmit,
// and an Injector with the project's default config; logging at info to stdout and the Prometheus registry with
// process metrics, as `mesh-injector operator` has them. Started by bench/webhook.ts with an IPC channel:
//
//   -> { type: 'ready', port, caPem }             once listening
//   <- { type: 'usage' }  -> { type: 'usage', cpuMicros, rssBytes, maxRssBytes, heapUsedBytes }
//   <- { type: 'stop' }                             stops the server and exits (writing a --cpu-prof profile)
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { createCertificateAuthority, issueCertificate } from '../../src/certs/pki.ts';
import { Injector } from '../../src/inject/injector.ts';
import { loadInjectorSettings } from '../../src/inject/settings.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createMetricsRegistry, createWebhookMetrics } from '../../src/observability/metrics.ts';
import { injectorAdmit } from '../../src/webhook/admit.ts';
import { WebhookServer } from '../../src/webhook/server.ts';
import type { ServerMessage, ServerRequest } from './protocol.ts';

if (process.send === undefined)
  throw new Error('bench/webhook/server.ts runs as a child of bench/webhook.ts');
const send = (message: ServerMessage): void => {
  process.send?.(message);
};

const ca = await createCertificateAuthority({ commonName: 'bench-webhook-ca' });
const serving = await issueCertificate(ca, {
  commonName: 'mesh-injector-webhook',
  ipAddresses: ['127.0.0.1'],
  dnsNames: ['localhost'],
  usage: 'server',
});
const injector = new Injector({ ...loadInjectorSettings({}), revision: 'default' });
const registry = createMetricsRegistry({ processMetrics: true });
const server = new WebhookServer({
  admit: injectorAdmit({ injectorFor: (revision) => (revision === 'default' ? injector : undefined) }),
  logger: createLogger({ level: 'info' }),
  registry,
  metrics: createWebhookMetrics(registry),
  certificate: { cert: serving.certificatePem, key: serving.privateKeyPem, ca: ca.certificatePem },
  listen: { host: '127.0.0.1', port: 0 },
  metricsListen: false,
});
const { webhook } = await server.start();

// Where latency tails come from: collector pauses and event loop stalls, per phase (reset at every usage message).
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();
let gcTotal = 0;
let gcMax = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcTotal += entry.duration;
    gcMax = Math.max(gcMax, entry.duration);
  }
}).observe({ entryTypes: ['gc'] });

process.on('message', (message: ServerRequest) => {
  switch (message.type) {
    case 'usage': {
      const cpu = process.cpuUsage();
      const memory = process.memoryUsage();
      send({
        type: 'usage',
        cpuMicros: cpu.user + cpu.system,
        rssBytes: memory.rss,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
        heapUsedBytes: memory.heapUsed,
        gcPauseMsTotal: Number(gcTotal.toFixed(1)),
        gcPauseMsMax: Number(gcMax.toFixed(1)),
        eventLoopDelayMsP99: Number((loopDelay.percentile(99) / 1e6).toFixed(2)),
        eventLoopDelayMsMax: Number((loopDelay.max / 1e6).toFixed(2)),
      });
      gcTotal = 0;
      gcMax = 0;
      loopDelay.reset();
      break;
    }
    case 'stop':
      void server.stop({ deadlineMs: 2000 }).then(() => process.exit(0));
      break;
  }
});
send({ type: 'ready', port: webhook.port, caPem: ca.certificatePem });
