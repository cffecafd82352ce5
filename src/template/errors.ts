// The one error type the engine throws. Its message is Go's, word for word where Go has one:
//   template: sidecar:12:7: executing "sidecar" at <.Foo.Bar>: nil pointer evaluating interface {}.Bar
//   template: sidecar:3: function "nope" not defined

export type TemplatePhase = 'parse' | 'exec';

export interface TemplateErrorDetails {
  /** The template being parsed, or (exec) the template whose action failed. */
  readonly templateName: string;
  /** 1-based line in the template text; 0 when the error has no position. */
  readonly line: number;
  /** 0-based byte offset within the line, as Go prints it in exec errors; 0 when unknown. */
  readonly column: number;
  readonly phase: TemplatePhase;
  /** The failing action as Go prints it between `<` and `>` (exec errors only). */
  readonly action?: string;
}

export class TemplateError extends Error {
  readonly templateName: string;
  readonly line: number;
  readonly column: number;
  readonly phase: TemplatePhase;
  readonly action: string | undefined;

  constructor(message: string, details: TemplateErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TemplateError';
    this.templateName = details.templateName;
    this.line = details.line;
    this.column = details.column;
    this.phase = details.phase;
    this.action = details.action;
  }
}
