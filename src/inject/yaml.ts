// YAML in and out, the way Kubernetes tools read it.
//
// Manifests and Istio's ConfigMaps are read by Go tools through sigs.k8s.io/yaml, which follows YAML 1.1
// (`yes`/`no` are booleans, `0755` is octal), so we parse with js-yaml's YAML 1.1 schema to read the same
// values kubectl would. Multi-document streams are split on `---` lines ourselves so that every error can name
// the document (index and first line) it came from, not just a position in the whole stream.
import { Schema, YAML11_SCHEMA, YAMLException, binaryTag, dump, load, timestampTag } from 'js-yaml';

// YAML 1.1 as sigs.k8s.io/yaml reads it into JSON: timestamps and !!binary stay strings (JSON has no dates or
// bytes), so an unquoted date in an annotation or a rendered template is text, not a JS Date.
const kubernetesSchema = new Schema(YAML11_SCHEMA.tags.filter((t) => t !== timestampTag && t !== binaryTag));

/** A YAML document from a stream: its 0-based index, the 1-based line where it starts, and its value. */
export interface YamlDocument {
  readonly index: number;
  readonly line: number;
  readonly value: unknown;
  /** The document's own text, without the separator line (kept so unknown kinds can be echoed unchanged). */
  readonly text: string;
}

/** A YAML syntax error, located by source name, document and line/column in the whole source. */
export class YamlError extends Error {
  override readonly name = 'YamlError';
  readonly source: string;
  readonly documentIndex: number;
  readonly line: number;
  readonly column: number;
  readonly reason: string;

  constructor(source: string, documentIndex: number, line: number, column: number, reason: string) {
    super(`${source}: document ${documentIndex} (line ${line}, column ${column}): ${reason}`);
    this.source = source;
    this.documentIndex = documentIndex;
    this.line = line;
    this.column = column;
    this.reason = reason;
  }
}

// A document separator starts a line and is followed by whitespace or the end of the line.
// (A `---` inside a block scalar is indented, so it never matches at column 0.)
const separator = /^---(?=[ \t]|$)/;
const documentEnd = /^\.\.\.(?=[ \t]|$)/;

interface Chunk {
  readonly text: string;
  /** 0-based line of the chunk's first line in the whole source. */
  readonly firstLine: number;
}

function splitDocuments(text: string): Chunk[] {
  const lines = text.split(/\r?\n/);
  const chunks: Chunk[] = [];
  let current: string[] = [];
  let firstLine = 0;
  const flush = (): void => {
    chunks.push({ text: current.join('\n'), firstLine });
  };
  lines.forEach((line, i) => {
    if (separator.test(line)) {
      flush();
      // Content after `--- ` on the same line belongs to the new document.
      current = [line.slice(3)];
      firstLine = i;
    } else if (documentEnd.test(line)) {
      flush();
      current = [];
      firstLine = i + 1;
    } else {
      current.push(line);
    }
  });
  flush();
  return chunks;
}

function isBlank(text: string): boolean {
  // Blank when no line holds anything but white space or a comment.
  return !/^[ \t]*[^\s#]/m.test(text);
}

function loadChunk(source: string, chunk: Chunk, index: number): unknown {
  try {
    return load(chunk.text, { schema: kubernetesSchema, filename: source });
  } catch (err) {
    if (err instanceof YAMLException) {
      // Both are 0-based; errors report 1-based lines and columns like editors do.
      const mark = err.mark ?? { line: 0, column: 0 };
      throw new YamlError(source, index, chunk.firstLine + mark.line + 1, mark.column + 1, err.reason);
    }
    throw err;
  }
}

/**
 * Parses a multi-document YAML stream. Empty documents (only blank lines or comments) are dropped, as
 * kubectl does; indexes count only the documents kept.
 */
export function parseYamlDocuments(text: string, source: string): YamlDocument[] {
  const documents: YamlDocument[] = [];
  for (const chunk of splitDocuments(text)) {
    if (isBlank(chunk.text)) continue;
    const index = documents.length;
    const value = loadChunk(source, chunk, index);
    if (value === null || value === undefined) continue;
    const leading = chunk.text.split('\n').findIndex((l) => !/^\s*(#.*)?$/.test(l));
    documents.push({ index, line: chunk.firstLine + Math.max(leading, 0) + 1, value, text: chunk.text });
  }
  return documents;
}

/** Parses exactly one YAML document (an empty source gives `undefined`). */
export function parseYaml(text: string, source: string): unknown {
  // Most sources hold one document; parse them in one pass, without splitting the text into lines first.
  if (isBlank(text)) return undefined;
  if (!/^(---|\.\.\.)(?=[ \t]|$)/m.test(text)) {
    const value = loadChunk(source, { text, firstLine: 0 }, 0);
    return value === null ? undefined : value;
  }
  const documents = parseYamlDocuments(text, source);
  if (documents.length > 1) {
    throw new YamlError(source, 1, documents[1]!.line, 1, 'expected a single YAML document, found several');
  }
  return documents[0]?.value;
}

/** Serialises a value as block YAML, keeping key order, never folding long strings. */
export function toYaml(value: unknown): string {
  return dump(value, { lineWidth: -1, noRefs: true });
}
