import { runCases } from './support.ts';
import { ERRORS } from './cases/errors.ts';

runCases('errors: errors', ERRORS);
