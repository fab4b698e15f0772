/** Maps paths inside a YAML document (and offsets inside expression strings) to lines and columns. */
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Scalar } from 'yaml';

export interface Pos {
  line: number;
  column: number;
}

export class Locator {
  private readonly doc: Document;
  private readonly lc: LineCounter;
  private readonly text: string;

  constructor(doc: Document, lc: LineCounter, text: string) {
    this.doc = doc;
    this.lc = lc;
    this.text = text;
  }

  private pos(offset: number): Pos {
    const p = this.lc.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { line: p.line, column: p.col };
  }

  /** The node at a path, or the nearest existing ancestor. */
  node(path: readonly (string | number)[]): { node: Node | null; exact: boolean } {
    let cur: unknown = this.doc.contents;
    for (const key of path) {
      const next = isMap(cur) || isSeq(cur) ? cur.get(key, true) : undefined;
      if (next === undefined || next === null) return { node: (cur as Node | null) ?? null, exact: false };
      cur = next;
    }
    return { node: (cur as Node | null) ?? null, exact: true };
  }

  /** Where the key of a map entry is written (for unknown and misnamed fields). */
  keyPos(path: readonly (string | number)[], key: string): Pos | undefined {
    const { node, exact } = this.node(path);
    if (!exact || !isMap(node)) return undefined;
    for (const item of node.items) {
      if (isPair(item) && isScalar(item.key) && String(item.key.value) === key && item.key.range) return this.pos(item.key.range[0]);
    }
    return undefined;
  }

  at(path: readonly (string | number)[], atKey = false): Pos {
    if (atKey && path.length > 0) {
      const last = path[path.length - 1];
      const kp = typeof last === 'string' ? this.keyPos(path.slice(0, -1), last) : undefined;
      if (kp) return kp;
    }
    const { node } = this.node(path);
    if (node?.range) return this.pos(node.range[0]);
    return { line: 1, column: 1 };
  }

  /** Source text of a scalar (to read numbers exactly as written, e.g. 0.30). */
  sourceOf(path: readonly (string | number)[]): string | undefined {
    const { node, exact } = this.node(path);
    if (!exact || !isScalar(node) || !node.range) return undefined;
    return this.text.slice(node.range[0], node.range[1]);
  }

  /** Position of character `offset` of the string value at `path` (an expression). */
  exprPos(path: readonly (string | number)[], offset: number): Pos {
    const { node, exact } = this.node(path);
    if (!exact || !isScalar(node) || !node.range) return this.at(path);
    const start = node.range[0];
    const raw = this.text.slice(start, node.range[1]);
    const mapped = mapOffset(node, raw, offset);
    if (mapped !== undefined) return this.pos(start + mapped);
    if (node.type === 'BLOCK_LITERAL') {
      const p = this.blockLiteralPos(node, start, offset);
      if (p) return p;
    }
    return this.pos(start);
  }

  private blockLiteralPos(node: Scalar, start: number, offset: number): Pos | undefined {
    const value = String(node.value);
    const before = value.slice(0, offset);
    const lineIdx = before.split('\n').length - 1;
    const col = offset - (before.lastIndexOf('\n') + 1);
    const headerLine = this.lc.linePos(start).line; // 1-based line of the `|`
    const starts = this.lc.lineStarts;
    // Content indentation: that of the first non-blank line after the header.
    let indent = 0;
    for (let l = headerLine; l < starts.length; l++) {
      const ls = starts[l] as number;
      const le = (starts[l + 1] as number | undefined) ?? this.text.length;
      const lineText = this.text.slice(ls, le).replace(/\r?\n$/, '');
      if (lineText.trim() !== '') {
        indent = lineText.length - lineText.trimStart().length;
        break;
      }
    }
    const targetStart = starts[headerLine + lineIdx];
    if (targetStart === undefined) return undefined;
    return this.pos(targetStart + indent + col);
  }
}

/** Offset in the raw source of a single-line plain or quoted scalar; undefined when not simple. */
function mapOffset(node: Scalar, raw: string, offset: number): number | undefined {
  if (raw.includes('\n')) return undefined;
  if (node.type === 'PLAIN') return offset;
  if (node.type === 'QUOTE_SINGLE') {
    let v = 0;
    for (let i = 1; i < raw.length; i++) {
      if (v === offset) return i;
      if (raw[i] === "'" && raw[i + 1] === "'") i++;
      v++;
    }
    return raw.length - 1;
  }
  if (node.type === 'QUOTE_DOUBLE') {
    let v = 0;
    for (let i = 1; i < raw.length; i++) {
      if (v === offset) return i;
      if (raw[i] === '\\') {
        const c = raw[i + 1];
        i += c === 'x' ? 3 : c === 'u' ? 5 : c === 'U' ? 9 : 1;
      }
      v++;
    }
    return raw.length - 1;
  }
  return undefined;
}
