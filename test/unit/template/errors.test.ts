import { runCases } from './support.ts';
import { ERRORS } from './cases/errors.ts';

runCases('error messages and locations', ERRORS);
