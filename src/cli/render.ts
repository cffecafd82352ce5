// `mesh-injector render`: executes a Go template with data from a YAML/JSON file, the way the injector runs its
// templates. A tool for template authors: see exactly what a template prints before it is parsed as a pod.
import { injectionFuncMap } from '../inject/funcs/index.ts';
import { parseYaml, YamlError } from '../inject/yaml.ts';
import { parse, TemplateError, type MissingKey } from '../template/index.ts';
import { parseFlags, UsageError, type Command } from './command.ts';
import { readInput, writeOutputAtomically } from './files.ts';

const help = `Render a Go text/template with data from a YAML or JSON file.

Usage:
  mesh-injector render -t TEMPLATE [-d DATA] [flags]

The template may use Go's builtins and the sprig and Istio helper functions injection templates use. Data
numbers are float64, as Go reads JSON (so 1000000 prints as 1e+06, as in Istio's .Values).

Flags:
  -t, --template FILE     template text, or - for stdin (required)
  -d, --data FILE         YAML or JSON data for the template's dot (default: no data)
      --missingkey MODE   default | zero | error: what a missing map key gives (Go's option)
  -o, --output FILE       write the result here instead of stdout
  -h, --help              show this help

Errors are Go's: template name, line, column and the failing action. Exit code 1 on a template or data error.
`;

const missingKeyModes: readonly MissingKey[] = ['default', 'invalid', 'zero', 'error'];

export const renderCommand: Command = {
  name: 'render',
  summary: 'render a Go template with YAML data (for template authors)',
  help,
  async run(args, io) {
    const parsed = parseFlags({
      args: [...args],
      options: {
        template: { type: 'string', short: 't' },
        data: { type: 'string', short: 'd' },
        missingkey: { type: 'string', default: 'default' },
        output: { type: 'string', short: 'o' },
      },
    });
    const { values } = parsed;
    if (values.template === undefined) throw new UsageError('-t/--template is required');
    const missingKey = missingKeyModes.find((m) => m === values.missingkey);
    if (missingKey === undefined) {
      throw new UsageError(
        `--missingkey must be one of ${missingKeyModes.join(', ')}, got "${values.missingkey}"`,
      );
    }
    if (values.template === '-' && values.data === '-')
      throw new UsageError('only one of -t and -d can be stdin');
    const text = await readInput(values.template, io.stdin);
    const dataText = values.data === undefined ? undefined : await readInput(values.data, io.stdin);
    const name = values.template === '-' ? 'stdin' : values.template;
    try {
      const data = dataText === undefined ? undefined : parseYaml(dataText, values.data ?? 'data');
      const output = parse(name, text, { funcs: injectionFuncMap({}), missingKey }).execute(data);
      if (values.output === undefined) io.stdout.write(output);
      else await writeOutputAtomically(values.output, output);
      return 0;
    } catch (err) {
      if (err instanceof TemplateError || err instanceof YamlError) {
        io.stderr.write(`mesh-injector render: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
  },
};
