import { EDGES } from './cases/edges.ts';
import { runCases } from './support.ts';

runCases('edge cases', EDGES);
