import { runCases } from './support.ts';
import { RANGE } from './cases/range.ts';

runCases('range', RANGE);
