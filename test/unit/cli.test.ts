import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { commands } from '../../src/cli/commands.ts';
import { captureIO } from './cli/run.ts';

function capture() {
  const c = captureIO();
  return { io: c.io, out: c.stdout, err: c.stderr };
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
