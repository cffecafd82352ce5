// OperatorProcess against a stand-in operator (fake-operator.ts): the command line it builds, readiness, health,
// metrics, log records, stop/kill/pause/resume and restarts; and the metric readers on their own.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { guardStateDir } from '../../controlplane/process.ts';
import { eventually, field, freePorts, text } from '../../support/k8s.ts';
import {
  metricSum,
  OperatorProcess,
  operatorArgs,
  parseMetrics,
  seriesLabels,
  type OperatorHost,
} from '../../support/operator-process.ts';

const fakeEntry = join(import.meta.dirname, 'fake-operator.ts');

describe('operatorArgs', () => {
  const host: OperatorHost = { dir: '/tmp/cp', kubeconfigPath: '/tmp/cp/admin.kubeconfig' };

  it('runs the operator the way the tests always have: own webhook, leader election, info logs, no lame duck', () => {
    assert.deepEqual(operatorArgs(host, { name: 'a', webhookPort: 1001, metricsPort: 1002 }), [
      'src/cli/main.ts',
      'operator',
      '--kubeconfig=/tmp/cp/admin.kubeconfig',
      '--namespace=mesh-injector-system',
      '--webhook-url=https://127.0.0.1:1001/inject',
      '--webhook-address=127.0.0.1:1001',
      '--metrics-address=127.0.0.1:1002',
      '--leader-elect=true',
      '--lame-duck=0s',
      '--log-level=info',
    ]);
  });

  it('puts node flags before the entry and extra operator flags last (the last of a repeated flag wins)', () => {
    const args = operatorArgs(host, {
      name: 'a',
      webhookPort: 1001,
      metricsPort: 1002,
      webhookUrl: 'https://127.0.0.1:9/inject',
      kubeconfigPath: '/other.kubeconfig',
      leaderElect: false,
      logLevel: 'debug',
      nodeArgs: ['--cpu-prof'],
      entry: 'dist/cli/main.js',
      extraArgs: ['--log-level=warn'],
    });
    assert.deepEqual(args.slice(0, 3), ['--cpu-prof', 'dist/cli/main.js', 'operator']);
    assert.ok(args.includes('--kubeconfig=/other.kubeconfig'));
    assert.ok(args.includes('--webhook-url=https://127.0.0.1:9/inject'));
    assert.ok(args.includes('--webhook-address=127.0.0.1:1001'), 'the webhook still serves on its own port');
    assert.ok(args.includes('--leader-elect=false'));
    assert.deepEqual(args.slice(-2), ['--log-level=debug', '--log-level=warn']);
  });
});

describe('metric readers', () => {
  const exposition = [
    '# HELP x_total X.',
    '# TYPE x_total counter',
    'x_total{verb="get",reason="a \\"quoted\\" word"} 2',
    'x_total{verb="patch",reason="gone"} 3',
    'x_total{verb="get",reason="gone"} 4',
    'x_total_other{verb="get"} 100',
    'up 1',
    '',
  ].join('\n');

  it('parseMetrics keys every sample by its series as written, comments and blank lines left out', () => {
    const series = parseMetrics(exposition);
    assert.equal(series.size, 5);
    assert.equal(series.get('x_total{verb="patch",reason="gone"}'), 3);
    assert.equal(series.get('up'), 1);
  });

  it('seriesLabels unescapes label values', () => {
    assert.deepEqual(
      [...seriesLabels('x_total{verb="get",reason="a \\"quoted\\" word"}')],
      [
        ['verb', 'get'],
        ['reason', 'a "quoted" word'],
      ],
    );
    assert.equal(seriesLabels('up').size, 0);
  });

  it('metricSum adds the samples of one name whose labels include every pair asked for', () => {
    const series = parseMetrics(exposition);
    assert.equal(metricSum(series, 'x_total'), 9);
    assert.equal(metricSum(series, 'x_total', { reason: 'gone' }), 7);
    assert.equal(metricSum(series, 'x_total', { verb: 'get', reason: 'gone' }), 4);
    assert.equal(metricSum(series, 'x_total', { reason: 'a "quoted" word' }), 2);
    assert.equal(metricSum(series, 'x_total', { verb: 'delete' }), 0);
    assert.equal(metricSum(series, 'x', {}), 0, 'a prefix of a name is another name');
  });
});

describe('OperatorProcess (against a stand-in operator)', () => {
  let dir: string;
  let host: OperatorHost;
  let release: () => void;
  const started: OperatorProcess[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mesh-injector-operator-process-test-'));
    host = { dir, kubeconfigPath: join(dir, 'admin.kubeconfig') };
    ({ release } = guardStateDir(dir, { removeOnExit: true, handleSignals: false }));
  });

  after(async () => {
    for (const operator of started) await operator.kill('SIGKILL');
    release();
    rmSync(dir, { recursive: true, force: true });
  });

  async function launch(name: string, env: Record<string, string> = {}): Promise<OperatorProcess> {
    const operator = await OperatorProcess.launch(host, { name, entry: fakeEntry, env, leaderElect: false });
    started.push(operator);
    return operator;
  }

  it('starts on free ports, waits for /readyz, and answers health, metrics and log records', async () => {
    const operator = await launch('one');
    assert.equal(operator.running, true);
    assert.equal(operator.runs, 1);
    assert.notEqual(operator.options.webhookPort, operator.options.metricsPort);
    assert.equal(await operator.healthz(), 200);

    assert.match(await operator.metricsText(), /^fake_up 1$/m);
    const series = await operator.metrics();
    assert.equal(metricSum(series, 'fake_requests_total', { reason: 'gone' }), 7);

    const first = operator.records()[0];
    assert.equal(text(first?.msg), 'started');
    assert.equal(text(first?.podName), 'one', 'POD_NAME is the name');
    const args = field(first, 'args');
    assert.ok(Array.isArray(args) && args.includes('--leader-elect=false'));
    assert.ok(operator.messages().includes('serving'));
    assert.ok(operator.cpuSeconds() >= 0);
    assert.ok(operator.rssBytes() > 0);
    assert.ok(operator.peakRssBytes() >= operator.rssBytes());
    assert.match(operator.logPath, /logs\/operator-one\.log$/);
  });

  it('pause freezes the process (no answer), resume thaws it', async () => {
    const operator = await launch('frozen');
    operator.pause();
    assert.equal(await operator.healthz(300), undefined);
    operator.resume();
    assert.equal(await operator.healthz(), 200);
  });

  it('stops on SIGTERM with its exit, restarts into the same log, and dies by SIGKILL', async () => {
    const operator = await launch('restarted');
    assert.deepEqual(await operator.stop(), { code: 0, signal: null });
    assert.equal(operator.running, false);
    assert.equal(await operator.healthz(300), undefined);
    assert.ok(operator.messages().includes('stopping'));

    operator.start();
    await operator.waitReady();
    assert.equal(operator.runs, 2);
    const exit = await operator.kill('SIGKILL');
    assert.equal(exit.signal, 'SIGKILL');
    assert.equal(operator.messages().filter((m) => m === 'started').length, 2, 'both runs are in one log');
    assert.match(operator.output(), /=== operator restarted run 2 at /);
  });

  it('SIGKILLs a process that ignores SIGTERM once the grace period is over', async () => {
    const operator = await launch('stubborn', { FAKE_OPERATOR_IGNORE_TERM: '1' });
    const exit = await operator.stop(200);
    assert.equal(exit.signal, 'SIGKILL');
    assert.ok(operator.messages().includes('ignoring SIGTERM'));
  });

  it('fails at once, with the output, when the process exits before it is ready', async () => {
    await assert.rejects(
      OperatorProcess.launch(host, { name: 'broken', entry: fakeEntry, env: { FAKE_OPERATOR_EXIT: '3' } }),
      (err: Error) => {
        assert.match(err.message, /operator broken exited \(exit code 3\) before it was ready/);
        assert.match(err.message, /not starting: FAKE_OPERATOR_EXIT is set/);
        return true;
      },
    );
  });

  it('waitReady names a process that was never started', async () => {
    const [webhookPort, metricsPort] = (await freePorts(2)) as [number, number];
    const idle = new OperatorProcess(host, { name: 'idle', webhookPort, metricsPort, entry: fakeEntry });
    await assert.rejects(idle.waitReady(1000), /operator idle was never started/);
    assert.deepEqual(await idle.stop(), { code: null, signal: null });
  });

  it('keeps the output it last read once the log directory is gone', async () => {
    const other = mkdtempSync(join(tmpdir(), 'mesh-injector-operator-process-test-'));
    const operator = new OperatorProcess(
      { dir: other, kubeconfigPath: host.kubeconfigPath },
      { name: 'gone', webhookPort: 1, metricsPort: 1, entry: fakeEntry, env: { FAKE_OPERATOR_EXIT: '0' } },
    );
    operator.start();
    await eventually('the stand-in to exit', () => !operator.running);
    assert.match(operator.output(), /"msg":"started"/);
    rmSync(other, { recursive: true, force: true });
    assert.match(operator.output(), /"msg":"started"/);
  });
});
