// A stand-in for `mesh-injector operator` with the same process surface (flags, JSON logs on stdout, /readyz,
// /healthz and /metrics on --metrics-address, a clean exit on SIGTERM), so that OperatorProcess can be tested
// without a control plane. Environment knobs: FAKE_OPERATOR_EXIT=<code> exits at once, FAKE_OPERATOR_IGNORE_TERM=1
// ignores SIGTERM.
import { createServer } from 'node:http';

const args = process.argv.slice(2);

function log(msg: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ level: 30, pid: process.pid, msg, ...extra })}\n`);
}

log('started', { args, podName: process.env.POD_NAME ?? '' });
const exitCode = process.env.FAKE_OPERATOR_EXIT;
if (exitCode !== undefined) {
  process.stderr.write('not starting: FAKE_OPERATOR_EXIT is set\n');
  process.exit(Number(exitCode));
}

const address = args
  .find((a) => a.startsWith('--metrics-address='))
  ?.split(':')
  .pop();
if (address === undefined) throw new Error('no --metrics-address');
const metrics = [
  '# HELP fake_requests_total Requests.',
  '# TYPE fake_requests_total counter',
  'fake_requests_total{verb="get",reason="a \\"quoted\\" word"} 2',
  'fake_requests_total{verb="patch",reason="gone"} 3',
  'fake_requests_total{verb="get",reason="gone"} 4',
  'fake_up 1',
  '',
].join('\n');
const server = createServer((req, res) => {
  if (req.url === '/metrics') res.end(metrics);
  else if (req.url === '/readyz' || req.url === '/healthz') res.end('ok');
  else res.writeHead(404).end();
});
server.listen(Number(address), '127.0.0.1', () => {
  log('serving');
});

process.on('SIGTERM', () => {
  if (process.env.FAKE_OPERATOR_IGNORE_TERM === '1') {
    log('ignoring SIGTERM');
    return;
  }
  log('stopping');
  server.close(() => process.exit(0));
});
