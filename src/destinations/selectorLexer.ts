import { positionError, showChar } from './selectorErrors';

/** Reserved words, matched case-insensitively; none can be a header name. */
export const KEYWORDS = ['AND', 'OR', 'NOT', 'IN', 'LIKE', 'ESCAPE', 'IS', 'NULL', 'BETWEEN', 'TRUE', 'FALSE'] as const;
/** A reserved word, upper-case. */
export type Keyword = (typeof KEYWORDS)[number];
const KEYWORD_SET: ReadonlySet<string> = new Set(KEYWORDS);

/** Operators and punctuation. */
export type SelectorSymbol = '=' | '<>' | '<' | '>' | '<=' | '>=' | '(' | ')' | ',';

/** A token; `pos` is where it starts (the end of the text for `end`). */
export type Token =
  | { readonly kind: 'ident'; readonly pos: number; readonly name: string }
  | { readonly kind: 'string'; readonly pos: number; readonly value: string }
  | { readonly kind: 'number'; readonly pos: number; readonly value: number; readonly raw: string }
  | { readonly kind: 'keyword'; readonly pos: number; readonly word: Keyword }
  | { readonly kind: 'symbol'; readonly pos: number; readonly symbol: SelectorSymbol }
  | { readonly kind: 'end'; readonly pos: number };

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isLetter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isIdentStart = (c: number): boolean => isLetter(c) || c === 0x5f /* _ */ || c === 0x24; /* $ */
const isIdentPart = (c: number): boolean => isIdentStart(c) || isDigit(c) || c === 0x2e /* . */ || c === 0x2d; /* - */
const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

/** Hints for characters people bring from other languages. */
const OPERATOR_HINTS: Readonly<Record<string, string>> = {
  '!=': "unknown operator '!=' (use '<>')",
  '==': "unknown operator '==' (use '=')",
  '&&': "unknown operator '&&' (use AND)",
  '||': "unknown operator '||' (use OR)",
  '!': "unknown operator '!' (use NOT)",
  '"': "unexpected character '\"' (strings use single quotes)",
};

/**
 * Splits a selector into tokens on demand, one token of lookahead, so that errors come in reading
 * order (a parse error before a later unterminated string is reported first).
 */
export class SelectorLexer {
  private pos = 0;
  private peeked: Token | undefined;

  constructor(private readonly text: string) {}

  peek(): Token {
    return (this.peeked ??= this.scan());
  }

  next(): Token {
    const token = this.peek();
    this.peeked = undefined;
    return token;
  }

  private scan(): Token {
    const text = this.text;
    while (this.pos < text.length && isSpace(text.charCodeAt(this.pos))) this.pos++;
    const start = this.pos;
    if (start >= text.length) return { kind: 'end', pos: text.length };
    const c = text.charCodeAt(start);
    const ch = text[start];
    const two = text.slice(start, start + 2);
    if (ch === "'") return this.string(start);
    if (isDigit(c) || (ch === '-' && isDigit(text.charCodeAt(start + 1)))) return this.number(start);
    if (isIdentStart(c)) return this.word(start);
    if (two === '<>' || two === '<=' || two === '>=') return this.symbol(two, start);
    if (two === '==') throw positionError('selector', OPERATOR_HINTS[two], start);
    if (ch === '=' || ch === '<' || ch === '>' || ch === '(' || ch === ')' || ch === ',') return this.symbol(ch, start);
    const hint = OPERATOR_HINTS[two] ?? OPERATOR_HINTS[ch];
    throw positionError('selector', hint ?? `unexpected character ${showChar(text, start)}`, start);
  }

  private symbol(symbol: SelectorSymbol, start: number): Token {
    this.pos = start + symbol.length;
    return { kind: 'symbol', pos: start, symbol };
  }

  /** `'…'` with `''` standing for one quote. */
  private string(start: number): Token {
    const text = this.text;
    let value = '';
    let from = start + 1;
    for (;;) {
      const quote = text.indexOf("'", from);
      if (quote < 0) throw positionError('selector', 'unterminated string', start);
      value += text.slice(from, quote);
      if (text[quote + 1] !== "'") {
        this.pos = quote + 1;
        return { kind: 'string', pos: start, value };
      }
      value += "'";
      from = quote + 2;
    }
  }

  /** `-?digits(.digits)?`, not followed by a letter, digit, `.`, `_`, `$` or `-`. */
  private number(start: number): Token {
    const text = this.text;
    let i = text[start] === '-' ? start + 1 : start;
    while (isDigit(text.charCodeAt(i))) i++;
    if (text[i] === '.') {
      i++;
      if (!isDigit(text.charCodeAt(i))) throw positionError('selector', 'invalid number (expected a digit after the point)', start);
      while (isDigit(text.charCodeAt(i))) i++;
    }
    if (i < text.length && isIdentPart(text.charCodeAt(i))) throw positionError('selector', 'invalid number', start);
    const raw = text.slice(start, i);
    const value = Number(raw);
    if (!Number.isFinite(value)) throw positionError('selector', 'number out of range', start);
    this.pos = i;
    return { kind: 'number', pos: start, value, raw };
  }

  /** A header name, or a keyword (keywords are case-insensitive and cannot be header names). */
  private word(start: number): Token {
    const text = this.text;
    let i = start + 1;
    while (i < text.length && isIdentPart(text.charCodeAt(i))) i++;
    this.pos = i;
    const name = text.slice(start, i);
    const upper = name.toUpperCase();
    if (KEYWORD_SET.has(upper)) return { kind: 'keyword', pos: start, word: upper as Keyword };
    return { kind: 'ident', pos: start, name };
  }
}

/** Where the `index`-th character of a string literal's value is in the source (`''` is 2 long). */
export function stringSourcePosition(text: string, quotePos: number, index: number): number {
  let pos = quotePos + 1;
  for (let i = 0; i < index; i++) pos += text[pos] === "'" ? 2 : 1;
  return pos;
}

/** A token as an error message names it: "the end of the selector", "the string 'ab'", "AND", "'='". */
export function describeToken(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end of the selector';
    case 'string':
      return `the string '${clip(token.value)}'`;
    case 'number':
      return `the number ${clip(token.raw)}`;
    case 'ident':
      return `the header name ${clip(token.name)}`;
    case 'keyword':
      return token.word;
    case 'symbol':
      return `'${token.symbol}'`;
  }
}

function clip(s: string): string {
  return s.length <= 24 ? s : `${s.slice(0, 24)}…`;
}
