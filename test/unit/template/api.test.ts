// The public API around parse/execute: Template methods, TemplateError fields, limits, and the guarantee
// that nothing but a TemplateError ever leaves the engine.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  MAX_EXEC_DEPTH,
  TemplateError,
  goStruct,
  parse,
  withSignature,
  type TemplateFunction,
} from '../../../src/template/index.ts';

function catchError(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof TemplateError, `expected a TemplateError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an error');
}

describe('Template', () => {
  const t = parse('main', '{{define "a"}}A{{end}}{{block "b" .}}B{{.}}{{end}}main');

  it('lists and looks up the templates a text defines', () => {
    assert.deepEqual(t.templateNames(), ['a', 'b', 'main']);
    assert.equal(t.lookup('a'), true);
    assert.equal(t.lookup('zz'), false);
    assert.equal(t.name, 'main');
  });

  it('executes the top-level and named templates', () => {
    assert.equal(t.execute(1n), 'B1main');
    assert.equal(t.executeTemplate('b', 'x'), 'Bx');
  });

  it('can be executed many times with different data', () => {
    const greet = parse('g', 'hi {{.}}');
    assert.deepEqual(
      ['a', 'b', 'c'].map((d) => greet.execute(d)),
      ['hi a', 'hi b', 'hi c'],
    );
  });

  it('lets a function execute another template while one is running', () => {
    const inner = parse('inner', '<{{.}}>');
    const outer = parse('outer', '{{render "x"}}{{.}}', {
      funcs: { render: (s: unknown) => inner.execute(s) },
    });
    assert.equal(outer.execute('y'), '<x>y');
  });
});

describe('TemplateError', () => {
  it('describes a parse error', () => {
    const err = catchError(() => parse('p', 'a\n  {{nope}}'));
    assert.equal(err.message, 'template: p:2: function "nope" not defined');
    assert.equal(err.phase, 'parse');
    assert.equal(err.templateName, 'p');
    assert.equal(err.line, 2);
    assert.equal(err.column, 4);
    assert.equal(err.name, 'TemplateError');
  });

  it('describes an execution error', () => {
    const err = catchError(() =>
      parse('x', '{{define "d"}}\n  {{.a.b}}{{end}}{{template "d" .}}').execute({ a: null }),
    );
    assert.equal(err.phase, 'exec');
    assert.equal(err.templateName, 'd');
    assert.equal(err.line, 2);
    assert.equal(err.column, 6);
    assert.equal(err.action, '.a.b');
  });

  it('keeps the function error as the cause', () => {
    const boom = new Error('disk on fire');
    const err = catchError(() =>
      parse('f', '{{explode}}', {
        funcs: {
          explode: () => {
            throw boom;
          },
        },
      }).execute(null),
    );
    assert.equal(
      err.message,
      'template: f:1:2: executing "f" at <explode>: error calling explode: disk on fire',
    );
    assert.equal(err.cause, boom);
  });

  it('reports a thrown non-Error value like Go reports a panic value', () => {
    const err = catchError(() =>
      parse('f', '{{oops}}', {
        funcs: {
          oops: () => {
            // eslint-disable-next-line @typescript-eslint/only-throw-error
            throw 'plain string';
          },
        },
      }).execute(null),
    );
    assert.match(err.message, /error calling oops: plain string$/);
  });
});

describe('robustness', () => {
  it('stops runaway template recursion', () => {
    const t = parse('main', '{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}');
    const err = catchError(() => t.execute(null));
    assert.equal(
      err.message,
      `template: main:1:25: executing "r" at <{{template "r" .}}>: exceeded maximum template depth (${MAX_EXEC_DEPTH})`,
    );
  });

  it('allows deep but bounded recursion', () => {
    const t = parse(
      'main',
      '{{define "r"}}{{if gt . 0}}x{{template "r" (dec .)}}{{end}}{{end}}{{template "r" .}}',
      {
        funcs: { dec: withSignature({ params: ['int'] }, (n: bigint) => n - 1n) },
      },
    );
    assert.equal(t.execute(500n).length, 500);
  });

  it('turns a throwing getter on the data into a TemplateError', () => {
    const data = goStruct('main.Lazy', {
      get Broken(): string {
        throw new Error('getter failed');
      },
    });
    const err = catchError(() => parse('g', 'a {{.Broken}}').execute(data));
    assert.equal(err.message, 'template: g:1:4: executing "g" at <.Broken>: getter failed');
  });

  it('turns printing of cyclic data into a TemplateError', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const err = catchError(() => parse('c', '{{.}}').execute(cyclic));
    assert.match(err.message, /^template: c:1:2: executing "c" at <{{.}}>: stack overflow/);
  });

  it('rejects deeply nested parentheses at parse time', () => {
    const err = catchError(() => parse('p', '{{' + '('.repeat(1100) + '1' + ')'.repeat(1100) + '}}'));
    assert.equal(err.message, 'template: p:1: max expression depth exceeded');
  });

  it('rejects invalid function names and non-functions', () => {
    assert.equal(
      catchError(() => parse('f', 'x', { funcs: { 'bad-name': () => 1 } })).message,
      'template: f: function name "bad-name" is not a valid identifier',
    );
    const notAFunction = 42 as unknown as TemplateFunction;
    assert.equal(
      catchError(() => parse('f', 'x', { funcs: { n: notAFunction } })).message,
      'template: f: value for n not a function',
    );
  });

  it('rejects an unknown missingkey option', () => {
    const err = catchError(() => parse('m', 'x', { missingKey: 'bogus' as 'zero' }));
    assert.equal(err.message, 'template: m: unrecognized option: missingkey=bogus');
  });

  it('makes break and continue ordinary functions when the func map defines them', () => {
    const t = parse('b', '{{break}}', { funcs: { break: () => 'broke' } });
    assert.equal(t.execute(null), 'broke');
  });

  it('lets a user function override a builtin', () => {
    const t = parse('o', '{{len "abc"}} {{and 0 1}}', {
      funcs: { len: () => 'custom', and: (...args: unknown[]) => args.length },
    });
    assert.equal(t.execute(null), 'custom 2');
  });

  it('calls a plain JS function with null for missing values', () => {
    const seen: unknown[] = [];
    const t = parse('n', '{{spy .missing nil}}', {
      funcs: { spy: (...args: unknown[]) => seen.push(...args) },
    });
    t.execute({});
    assert.deepEqual(seen, [null, null]);
  });
});

describe('parse limits', () => {
  it('turns nesting that exhausts the stack into a TemplateError', () => {
    const depth = 20000;
    const err = catchError(() => parse('deep', '{{if 1}}'.repeat(depth) + '{{end}}'.repeat(depth)));
    assert.equal(err.message, 'template: deep: template nested too deeply');
    assert.equal(err.phase, 'parse');
  });
});
