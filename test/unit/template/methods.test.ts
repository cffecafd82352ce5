import { runCases } from './support.ts';
import { METHODS } from './cases/methods.ts';

runCases('values: methods', METHODS);
