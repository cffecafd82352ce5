import { runCases } from './support.ts';
import { MISSING_KEY } from './cases/missingkey.ts';

runCases('missingkey option', MISSING_KEY);
