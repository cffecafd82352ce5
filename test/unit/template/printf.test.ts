import { runCases } from './support.ts';
import { PRINTF } from './cases/printf.ts';

runCases('printf and value printing', PRINTF);
