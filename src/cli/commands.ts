// Every command the binary has, in the order `--help` lists them.
import { checkCommand } from './check.ts';
import type { Command } from './command.ts';
import { iptablesCommand } from './iptables.ts';
import { kubeInjectCommand } from './kube-inject.ts';
import { operatorCommand, webhookCommand } from './operator.ts';
import { renderCommand } from './render.ts';

export const commands: readonly Command[] = [
  operatorCommand,
  webhookCommand,
  checkCommand,
  kubeInjectCommand,
  iptablesCommand,
  renderCommand,
];
