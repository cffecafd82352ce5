import { runCases } from './support.ts';
import { COMPARISONS } from './cases/comparisons.ts';

runCases('comparisons', COMPARISONS);
