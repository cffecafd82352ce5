import { runCases } from './support.ts';
import { TEMPLATES } from './cases/templates.ts';

runCases('define, template, block', TEMPLATES);
