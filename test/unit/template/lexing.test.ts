import { runCases } from './support.ts';
import { TEXT_AND_TRIM, CONSTANTS } from './cases/lexing.ts';

runCases('lexing: text and trim', TEXT_AND_TRIM);
runCases('lexing: constants', CONSTANTS);
