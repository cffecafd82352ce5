// sprig's functions, executed through the template engine with the injection function map; every
// expectation comes from Go running the same template (see support.ts).
import { CASES as DEFAULTS } from './cases/defaults.ts';
import { CASES as DICTS } from './cases/dicts.ts';
import { CASES as ENCODING } from './cases/encoding.ts';
import { CASES as JSON_CASES } from './cases/json.ts';
import { CASES as LISTS } from './cases/lists.ts';
import { CASES as NUMBERS } from './cases/numbers.ts';
import { CASES as PATHS } from './cases/paths.ts';
import { CASES as REFLECT } from './cases/reflect.ts';
import { CASES as REGEX } from './cases/regex.ts';
import { CASES as STRINGS } from './cases/strings.ts';
import { runCases } from './support.ts';

runCases('sprig defaults', DEFAULTS);
runCases('sprig strings', STRINGS);
runCases('sprig lists', LISTS);
runCases('sprig dicts', DICTS);
runCases('sprig numbers', NUMBERS);
runCases('sprig encodings and hashes', ENCODING);
runCases('sprig regular expressions', REGEX);
runCases('sprig reflection', REFLECT);
runCases('sprig JSON', JSON_CASES);
runCases('sprig paths, URLs, semver, environment, fail', PATHS);
