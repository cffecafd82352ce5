import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { commands } from '../../src/cli/commands.ts';

function capture() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (b: Buffer) => out.push(b));
  stderr.on('data', (b: Buffer) => err.push(b));
  return {
    io: { stdin: new PassThrough(), stdout, stderr },
    out: () => Buffer.concat(out).toString('utf8'),
    err: () => Buffer.concat(err).toString('utf8'),
  };
}

test('--help lists every command and exits 0', async () => {
  const c = capture();
  assert.equal(await main(['--help'], c.io), 0);
  for (const command of commands) assert.match(c.out(), new RegExp(`^  ${command.name} `, 'm'));
  assert.match(c.out(), /Usage:/);
});

test('an unknown command exits 2 and says which', async () => {
  const c = capture();
  assert.equal(await main(['no-such-command'], c.io), 2);
  assert.match(c.err(), /unknown command "no-such-command"/);
});
