// Parsing into immutable Template objects, and the parse cache.
//
// A Template holds every tree its text defined (the top-level one and each define/block), the function map
// and the options; it never changes after parse, so one parsed template can serve any number of concurrent
// executions and be shared through the cache.
import { BUILTINS } from './builtins.ts';
import { TemplateError } from './errors.ts';
import {
  MAX_EXEC_DEPTH,
  errorLocation,
  execute,
  type FuncEntry,
  type MissingKey,
  type TemplateSet,
} from './exec.ts';
import { isValidFunctionName, signatureOf, type FuncMap } from './funcs.ts';
import { ParseFailure, parseTrees } from './parse.ts';
import { quote } from './strconv.ts';

export interface ParseOptions {
  /** Functions callable from the template, in addition to (and overriding) Go's builtins. */
  readonly funcs?: FuncMap;
  /** Go's missingkey option: what a missing map key evaluates to. Default 'default' (= 'invalid'). */
  readonly missingKey?: MissingKey;
  /** Action delimiters; empty strings mean the default `{{` and `}}`. */
  readonly delims?: readonly [string, string];
}

export class Template {
  readonly name: string;
  readonly #set: TemplateSet;

  /** Use parse(); a Template is only made from a successful parse. */
  constructor(set: TemplateSet) {
    this.name = set.name;
    this.#set = set;
  }

  /** Executes the template named like the parse call; throws TemplateError. */
  execute(data: unknown): string {
    return this.executeTemplate(this.name, data);
  }

  /** Executes one of the templates this text defined; throws TemplateError. */
  executeTemplate(name: string, data: unknown): string {
    const tree = this.#set.trees.get(name);
    if (tree === undefined) {
      throw new TemplateError(
        `template: no template ${quote(name)} associated with template ${quote(this.name)}`,
        { templateName: name, line: 0, column: 0, phase: 'exec' },
      );
    }
    return execute(this.#set, tree, data);
  }

  /** Whether a template of this name was defined. */
  lookup(name: string): boolean {
    return this.#set.trees.has(name);
  }

  /** Names of all defined templates, sorted. */
  templateNames(): string[] {
    return [...this.#set.trees.keys()].sort();
  }
}

const BUILTIN_ENTRIES: ReadonlyMap<string, FuncEntry> = new Map(
  [...BUILTINS].map(([name, b]) => [name, { fn: b.fn, signature: b.signature, builtin: true }]),
);

function resolveFuncs(name: string, funcs: FuncMap | undefined): ReadonlyMap<string, FuncEntry> {
  if (funcs === undefined) return BUILTIN_ENTRIES;
  const entries = new Map(BUILTIN_ENTRIES);
  for (const [fname, fn] of Object.entries(funcs)) {
    const problem = !isValidFunctionName(fname)
      ? `function name ${quote(fname)} is not a valid identifier`
      : typeof fn !== 'function'
        ? `value for ${fname} not a function`
        : undefined;
    if (problem !== undefined) {
      throw new TemplateError(`template: ${name}: ${problem}`, {
        templateName: name,
        line: 0,
        column: 0,
        phase: 'parse',
      });
    }
    entries.set(fname, { fn, signature: signatureOf(fn), builtin: false });
  }
  return entries;
}

function parseUncached(name: string, text: string, options: ParseOptions | undefined): Template {
  const missingKey = options?.missingKey ?? 'default';
  if (!['default', 'invalid', 'zero', 'error'].includes(missingKey)) {
    throw new TemplateError(`template: ${name}: unrecognized option: missingkey=${missingKey}`, {
      templateName: name,
      line: 0,
      column: 0,
      phase: 'parse',
    });
  }
  const funcs = resolveFuncs(name, options?.funcs);
  const [leftDelim, rightDelim] = options?.delims ?? ['', ''];
  try {
    const trees = parseTrees({ name, text, leftDelim, rightDelim, hasFunction: (f) => funcs.has(f) });
    return new Template({ name, text, trees, funcs, missingKey });
  } catch (err) {
    if (err instanceof ParseFailure) {
      const { column } = errorLocation(text, err.pos);
      throw new TemplateError(err.message, { templateName: name, line: err.line, column, phase: 'parse' });
    }
    // Nesting deep enough to exhaust the JS stack (Go's own limit on parentheses is handled above), or
    // an engine bug: either way the caller gets a TemplateError, never a bare JS error.
    const message =
      err instanceof RangeError ? 'template nested too deeply' : `internal error: ${String(err)}`;
    throw new TemplateError(
      `template: ${name}: ${message}`,
      { templateName: name, line: 0, column: 0, phase: 'parse' },
      { cause: err },
    );
  }
}

// --- cache -----------------------------------------------------------------------------------------------

/** Parsed templates kept per function map; the oldest entry goes when a map exceeds this. */
const CACHE_LIMIT = 256;
const NO_FUNCS: FuncMap = Object.freeze({});
const cacheByFuncs = new WeakMap<FuncMap, Map<string, Template>>();

function cacheKey(name: string, text: string, options: ParseOptions | undefined): string {
  const [left, right] = options?.delims ?? ['', ''];
  return `${options?.missingKey ?? 'default'}\u0000${left}\u0000${right}\u0000${name}\u0000${text}`;
}

/**
 * Parses `text` as a Go template named `name` and returns it ready to execute; throws TemplateError with
 * Go's message for a broken template. Results are cached by content (name, text, options) and by the
 * identity of the function map, so keep one FuncMap object per function set.
 */
export function parse(name: string, text: string, options?: ParseOptions): Template {
  const funcs = options?.funcs ?? NO_FUNCS;
  let cache = cacheByFuncs.get(funcs);
  if (cache === undefined) {
    cache = new Map();
    cacheByFuncs.set(funcs, cache);
  }
  const key = cacheKey(name, text, options);
  const cached = cache.get(key);
  if (cached !== undefined) {
    // Re-insert to keep the most recently used entries.
    cache.delete(key);
    cache.set(key, cached);
    return cached;
  }
  const template = parseUncached(name, text, options);
  cache.set(key, template);
  if (cache.size > CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  return template;
}

export { MAX_EXEC_DEPTH };
export type { MissingKey };
