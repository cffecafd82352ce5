// A Go text/template engine for TypeScript, with no Kubernetes knowledge.
//
//   const t = parse('sidecar', text, { funcs });   // parse once (cached by content), throws TemplateError
//   const out = t.execute(data);                    // execute many times, throws TemplateError
//
// Semantics, output and error messages follow Go's text/template and fmt (Go 1.26). How JS values map to
// Go values (int vs float64, typed maps, structs, methods) is described in values.ts.
export { parse, Template, MAX_EXEC_DEPTH, type ParseOptions, type MissingKey } from './template.ts';
export { TemplateError, type TemplatePhase, type TemplateErrorDetails } from './errors.ts';
export {
  withSignature,
  type FuncMap,
  type TemplateFunction,
  type FunctionSignature,
  type ParamType,
} from './funcs.ts';
export { goSprint, goSprintf, goSprintln } from './fmt.ts';
export { htmlEscapeString, jsEscapeString, queryEscape } from './builtins.ts';
export {
  isTrue,
  goStruct,
  goStringMap,
  goTypedMap,
  goNilPointer,
  goNamed,
  goTypeName,
  GoNamed,
  type GoMethod,
} from './values.ts';
