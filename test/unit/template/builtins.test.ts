import { runCases } from './support.ts';
import { LOGIC, LEN_INDEX_SLICE, PRINTING_FUNCS } from './cases/builtins.ts';

runCases('builtins: and, or, not', LOGIC);
runCases('builtins: len, index, slice', LEN_INDEX_SLICE);
runCases('builtins: print, html, js, urlquery, call', PRINTING_FUNCS);
