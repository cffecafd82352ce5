import { runCases } from './support.ts';
import { LOGIC, LEN_INDEX_SLICE, PRINTING_FUNCS } from './cases/builtins.ts';

runCases('builtins: logic', LOGIC);
runCases('builtins: len index slice', LEN_INDEX_SLICE);
runCases('builtins: printing funcs', PRINTING_FUNCS);
