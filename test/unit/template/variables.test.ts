import { runCases } from './support.ts';
import { VARIABLES } from './cases/variables.ts';

runCases('variables and scoping', VARIABLES);
