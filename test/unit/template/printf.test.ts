import { runCases } from './support.ts';
import { PRINTF } from './cases/printf.ts';

runCases('fmt: printf', PRINTF);
