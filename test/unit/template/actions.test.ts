import { runCases } from './support.ts';
import { ACTIONS, IF_ELSE, WITH } from './cases/actions.ts';

runCases('actions and pipelines', ACTIONS);
runCases('if, else if, else', IF_ELSE);
runCases('with, else with', WITH);
