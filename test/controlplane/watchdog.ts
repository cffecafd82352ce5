// Kills a control plane's processes when the process that started it disappears, even by SIGKILL.
//
// usage (spawned detached by process.ts): node watchdog.ts <parent pid> <parent start time> <state dir> <remove dir: 0|1>
//
// The parent keeps <state dir>/process-groups up to date (one process-group id a line). Every 200 ms the
// watchdog checks that the parent still exists; the start time from /proc/<pid>/stat guards against the
// pid having been reused. When the parent is gone it sends SIGTERM (and SIGCONT, for stopped processes)
// to every listed group, SIGKILL a little later, removes the state dir if asked, and exits.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { processGroupsFile, processStartTime, signalGroup } from './process.ts';

const [parentPidText, parentStartText, stateDir, removeDirFlag] = process.argv.slice(2);
const parentPid = Number(parentPidText);
if (!(parentPid > 0) || parentStartText === undefined || stateDir === undefined) {
  console.error('usage: watchdog.ts <parent pid> <parent start time> <state dir> <remove dir: 0|1>');
  process.exit(2);
}

function parentAlive(): boolean {
  return processStartTime(parentPid) === parentStartText;
}

function listedGroups(): number[] {
  try {
    return readFileSync(join(stateDir!, processGroupsFile), 'utf8')
      .split('\n')
      .map(Number)
      .filter((pgid) => pgid > 1);
  } catch {
    return [];
  }
}

// A normal stop() ends the watchdog with SIGTERM; nothing to clean up then.
process.on('SIGTERM', () => process.exit(0));

while (parentAlive()) await sleep(200);

const groups = listedGroups();
for (const pgid of groups) {
  signalGroup(pgid, 'SIGTERM');
  signalGroup(pgid, 'SIGCONT');
}
await sleep(2000);
for (const pgid of listedGroups().concat(groups)) signalGroup(pgid, 'SIGKILL');
if (removeDirFlag === '1') rmSync(stateDir, { recursive: true, force: true });
