import { runCases } from './support.ts';
import { METHODS } from './cases/methods.ts';

runCases('methods, structs, nil pointers, named types, typed maps', METHODS);
