// The process supervision under the control plane: stop escalates to SIGKILL, pause/resume, and no
// process group outlives a parent that is SIGKILLed. Uses `sleep`/`sh` stand-ins for the components.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';

import { eventually } from '../controlplane/helpers.ts';
import { guardStateDir, processStartTime, SupervisedProcess } from '../controlplane/process.ts';
import { componentNames, defaultArgs, layoutFor, mergeFlags } from '../controlplane/flags.ts';

const scratch = mkdtempSync(join(tmpdir(), 'mesh-injector-process-test-'));
after(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

function gone(pid: number): boolean {
  const state = processState(pid);
  return state === undefined || state === 'Z';
}

describe('SupervisedProcess', () => {
  it('runs in its own process group, logs, and stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(scratch, 'run-'));
    const guard = guardStateDir(dir, { removeOnExit: false, handleSignals: false });
    try {
      const proc = new SupervisedProcess(
        {
          name: 'echoer',
          command: 'sh',
          args: ['-c', 'echo hello from the "child"; exec sleep 60'],
          cwd: dir,
          logPath: join(dir, 'echoer.log'),
          attachOutput: false,
        },
        dir,
      );
      proc.start();
      const pid = proc.pid!;
      // detached: the child leads its own group, so a group signal reaches it and only it.
      assert.equal(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[2], String(pid));
      await eventually('the child output in the log', () => proc.logTail().includes('hello from the child'));
      assert.match(readFileSync(join(dir, 'process-groups'), 'utf8'), new RegExp(`^${pid}$`, 'm'));
      const exit = await proc.stop();
      assert.equal(exit?.signal, 'SIGTERM');
      assert.equal(proc.running, false);
      assert.doesNotMatch(readFileSync(join(dir, 'process-groups'), 'utf8'), new RegExp(`^${pid}$`, 'm'));
      assert.match(proc.logTail(), /=== echoer run 1 at .*: sh -c echo hello from the "child"/);
    } finally {
      guard.release();
    }
  });

  it('escalates to SIGKILL when SIGTERM is ignored, and can start again', async () => {
    const dir = mkdtempSync(join(scratch, 'stubborn-'));
    const guard = guardStateDir(dir, { removeOnExit: false, handleSignals: false });
    try {
      const proc = new SupervisedProcess(
        {
          name: 'stubborn',
          command: 'sh',
          // The quotes keep the word "armed" out of the command line the log header repeats.
          args: ['-c', 'trap "" TERM; echo ar""med; while true; do sleep 1; done'],
          cwd: dir,
          logPath: join(dir, 'stubborn.log'),
          attachOutput: false,
        },
        dir,
      );
      proc.start();
      await eventually('the trap armed', () => proc.logTail().includes('armed'));
      const exit = await proc.stop({ graceMs: 300 });
      assert.equal(exit?.signal, 'SIGKILL');
      proc.start();
      assert.ok(proc.running);
      await proc.stop({ signal: 'SIGKILL' });
      assert.match(proc.logTail(100), /=== stubborn run 2 at/);
    } finally {
      guard.release();
    }
  });

  it('pauses and resumes with SIGSTOP/SIGCONT', async () => {
    const dir = mkdtempSync(join(scratch, 'pause-'));
    const guard = guardStateDir(dir, { removeOnExit: false, handleSignals: false });
    const proc = new SupervisedProcess(
      {
        name: 'sleeper',
        command: 'sleep',
        args: ['60'],
        cwd: dir,
        logPath: join(dir, 's.log'),
        attachOutput: false,
      },
      dir,
    );
    try {
      proc.start();
      const pid = proc.pid!;
      proc.signal('SIGSTOP');
      await eventually('stopped state', () => processState(pid) === 'T');
      proc.signal('SIGCONT');
      await eventually('running again', () => processState(pid) === 'S' || processState(pid) === 'R');
    } finally {
      await proc.stop({ signal: 'SIGKILL' });
      guard.release();
    }
  });

  it('with attached output still writes every line to the log file', async () => {
    const dir = mkdtempSync(join(scratch, 'attached-'));
    const guard = guardStateDir(dir, { removeOnExit: false, handleSignals: false });
    try {
      const proc = new SupervisedProcess(
        {
          name: 'attached',
          command: 'sh',
          args: ['-c', 'echo "line one"; echo "line two" >&2'],
          cwd: dir,
          logPath: join(dir, 'attached.log'),
          attachOutput: true,
        },
        dir,
      );
      proc.start();
      const exit = await proc.exited;
      assert.equal(exit.code, 0);
      await eventually('both lines in the log', () => {
        const log = readFileSync(join(dir, 'attached.log'), 'utf8');
        return log.includes('line one\n') && log.includes('line two\n');
      });
      assert.match(proc.logTail(), /exited on its own: exit code 0/);
    } finally {
      guard.release();
    }
  });

  it('reports a missing binary by name', () => {
    const dir = mkdtempSync(join(scratch, 'missing-'));
    const proc = new SupervisedProcess(
      {
        name: 'ghost',
        command: join(dir, 'no-such-binary'),
        args: [],
        cwd: dir,
        logPath: join(dir, 'g.log'),
        attachOutput: false,
      },
      dir,
    );
    assert.throws(() => {
      proc.start();
    }, /could not start ghost: .*no-such-binary is missing or not executable/);
  });
});

describe('orphan protection', () => {
  it('kills the process groups and removes the state dir when the parent is SIGKILLed', async () => {
    const dir = mkdtempSync(join(scratch, 'orphan-'));
    const processModule = join(import.meta.dirname, '../controlplane/process.ts');
    const script = join(scratch, 'parent.ts');
    writeFileSync(
      script,
      [
        `import { guardStateDir, SupervisedProcess } from ${JSON.stringify(processModule)};`,
        `const dir = ${JSON.stringify(dir)};`,
        `guardStateDir(dir, { removeOnExit: true, handleSignals: true });`,
        `const child = new SupervisedProcess({ name: 'sleeper', command: 'sleep', args: ['300'], cwd: dir, logPath: dir + '/s.log', attachOutput: false }, dir);`,
        `child.start();`,
        `console.log(child.pid);`,
        `setInterval(() => undefined, 1000);`,
      ].join('\n'),
    );
    const parent = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    parent.stdout.setEncoding('utf8');
    parent.stdout.on('data', (chunk: string) => (out += chunk));
    const childPid = await eventually('the child pid', () => {
      const pid = Number.parseInt(out, 10);
      return pid > 0 ? pid : undefined;
    });
    assert.ok(processStartTime(childPid) !== undefined, 'the child runs');
    parent.kill('SIGKILL');
    await eventually('the orphaned child killed', () => gone(childPid), { timeoutMs: 15_000 });
    await eventually('the state dir removed', () => !existsSync(dir), { timeoutMs: 15_000 });
  });
});

describe('component flags', () => {
  const layout = layoutFor('/cp', '/bin', '/stages.yaml', {
    etcdClient: 1,
    etcdPeer: 2,
    apiServer: 3,
    controllerManager: 4,
    scheduler: 5,
    kwok: 6,
  });

  it('mergeFlags replaces same-named defaults in place and appends new flags', () => {
    assert.deepEqual(mergeFlags(['--a=1', '--b=2', '--c'], ['--b=20', '--d=4', '--c=false']), [
      '--a=1',
      '--b=20',
      '--c=false',
      '--d=4',
    ]);
    assert.deepEqual(mergeFlags(['--x=1'], ['--y=a', '--y=b']), ['--x=1', '--y=a', '--y=b']);
    assert.throws(() => mergeFlags([], ['value']), /must look like --name=value/);
  });

  it('wires the apiserver for RBAC, webhooks, its certificates and etcd', () => {
    const args = defaultArgs('kube-apiserver', layout);
    for (const flag of [
      '--bind-address=127.0.0.1',
      '--secure-port=3',
      '--etcd-servers=http://127.0.0.1:1',
      '--authorization-mode=RBAC',
      '--client-ca-file=/cp/pki/ca.crt',
      '--service-account-signing-key-file=/cp/pki/sa.key',
    ]) {
      assert.ok(args.includes(flag), `${flag} in ${args.join(' ')}`);
    }
    assert.ok(
      args.some((a) => a.startsWith('--enable-admission-plugins=') && a.includes('MutatingAdmissionWebhook')),
    );
  });

  it('runs the controllers the tests need, without leader election, and kwok on annotated nodes only', () => {
    const kcm = defaultArgs('kube-controller-manager', layout);
    const controllers =
      kcm
        .find((a) => a.startsWith('--controllers='))
        ?.split('=')[1]
        ?.split(',') ?? [];
    for (const c of [
      'deployment-controller',
      'garbage-collector-controller',
      'serviceaccount-token-controller',
      'node-lifecycle-controller',
    ]) {
      assert.ok(controllers.includes(c), c);
    }
    assert.ok(
      !controllers.includes('taint-eviction-controller'),
      'pods are never evicted from paused kwok nodes',
    );
    assert.ok(kcm.includes('--leader-elect=false'));
    assert.ok(defaultArgs('kube-scheduler', layout).includes('--leader-elect=false'));
    const kwok = defaultArgs('kwok', layout);
    assert.ok(kwok.includes('--manage-all-nodes=false'));
    assert.ok(kwok.includes('--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake'));
    assert.ok(kwok.includes('--config=/stages.yaml'));
    assert.ok(defaultArgs('etcd', layout).includes('--unsafe-no-fsync=true'));
    assert.deepEqual(componentNames, [
      'etcd',
      'kube-apiserver',
      'kube-controller-manager',
      'kube-scheduler',
      'kwok',
    ]);
  });
});
