import { runCases } from './support.ts';
import { ACTIONS, IF_ELSE, WITH } from './cases/actions.ts';

runCases('actions: actions', ACTIONS);
runCases('actions: if else', IF_ELSE);
runCases('actions: with', WITH);
