import { runCases } from './support.ts';
import { TEXT_AND_TRIM, CONSTANTS } from './cases/lexing.ts';

runCases('text, trim markers, comments, delimiters', TEXT_AND_TRIM);
runCases('constants', CONSTANTS);
