import type { CompareOp, InList, Operand, SelectorNode } from './selectorAst';
import { positionError } from './selectorErrors';
import { compileLike } from './selectorLike';
import { SelectorLexer, describeToken, stringSourcePosition, type Keyword, type Token } from './selectorLexer';

/** Limits on a selector; beyond them `Selector.parse` throws INVALID_ARGUMENTS. */
export const SELECTOR_LIMITS = Object.freeze({
  /** Longest selector text, in UTF-16 units, unless the caller gives another (config `limits.maxSelectorLength`). */
  maxLength: 1024,
  /**
   * Most LIKE conditions in one selector: each one reads the whole header value per message, so
   * they bound what one subscription costs per message.
   */
  maxLikes: 16,
  /** Deepest nesting of parentheses and NOT. */
  maxDepth: 64,
  /** Most entries in one IN list. */
  maxInList: 256,
});

const COMPARE_OPS: ReadonlySet<string> = new Set<CompareOp>(['=', '<>', '<', '>', '<=', '>=']);

/**
 * Parses a selector into its tree (grammar in `Selector`'s doc comment); throws
 * `ActorGridError('INVALID_ARGUMENTS', 'selector: … at position N', { field: 'selector', position })`.
 */
export function parseSelector(text: string, maxLength: number = SELECTOR_LIMITS.maxLength): SelectorNode {
  if (typeof text !== 'string') throw positionError('selector', 'must be a string', 0);
  if (text.length > maxLength) {
    throw positionError('selector', `longer than ${maxLength} characters`, maxLength);
  }
  return new SelectorParser(text).parse();
}

/** Recursive descent, one function per precedence level: OR < AND < NOT < condition. */
class SelectorParser {
  private readonly lexer: SelectorLexer;
  private depth = 0;
  private likes = 0;

  constructor(private readonly text: string) {
    this.lexer = new SelectorLexer(text);
  }

  parse(): SelectorNode {
    const node = this.or();
    const token = this.lexer.peek();
    if (token.kind !== 'end') throw found(token, 'expected AND, OR or the end of the selector');
    return node;
  }

  private or(): SelectorNode {
    const first = this.and();
    if (!this.accept('OR')) return first;
    const of = [first, this.and()];
    while (this.accept('OR')) of.push(this.and());
    return { kind: 'or', of };
  }

  private and(): SelectorNode {
    const first = this.not();
    if (!this.accept('AND')) return first;
    const of = [first, this.not()];
    while (this.accept('AND')) of.push(this.not());
    return { kind: 'and', of };
  }

  private not(): SelectorNode {
    const token = this.lexer.peek();
    if (!isKeyword(token, 'NOT')) return this.condition();
    this.lexer.next();
    this.enter(token);
    const of = this.not();
    this.depth--;
    return { kind: 'not', of };
  }

  private condition(): SelectorNode {
    const open = this.lexer.peek();
    if (open.kind === 'symbol' && open.symbol === '(') {
      this.lexer.next();
      this.enter(open);
      const node = this.or();
      const close = this.lexer.next();
      if (close.kind !== 'symbol' || close.symbol !== ')') {
        throw found(close, `expected AND, OR or ')' (for the '(' at position ${open.pos})`);
      }
      this.depth--;
      return node;
    }
    const [left, leftToken] = this.operand('expected a condition');
    const op = this.lexer.peek();
    if (op.kind === 'symbol' && COMPARE_OPS.has(op.symbol)) {
      this.lexer.next();
      const [right, rightToken] = this.operand(`expected a value after '${op.symbol}'`);
      if (op.symbol !== '=' && op.symbol !== '<>') noBooleanOrder(leftToken, rightToken);
      return { kind: 'compare', op: op.symbol as CompareOp, left, right };
    }
    if (isKeyword(op, 'IS')) {
      this.lexer.next();
      const negated = this.accept('NOT');
      const nullToken = this.lexer.next();
      if (!isKeyword(nullToken, 'NULL')) throw found(nullToken, negated ? 'expected NULL after IS NOT' : 'expected NULL or NOT NULL after IS');
      return { kind: 'isNull', operand: left, negated };
    }
    const negated = this.accept('NOT');
    const keyword = this.lexer.peek();
    if (isKeyword(keyword, 'IN')) return this.in(left, negated);
    if (isKeyword(keyword, 'LIKE')) return this.like(left, negated);
    if (isKeyword(keyword, 'BETWEEN')) return this.between(left, negated);
    if (negated) throw found(keyword, 'expected IN, LIKE or BETWEEN after NOT');
    // A bare header name (a boolean header) or TRUE/FALSE is a condition on its own.
    if (left.kind === 'header' || typeof left.value === 'boolean') return { kind: 'value', operand: left };
    throw found(op, `expected an operator after ${describeToken(leftToken)}`);
  }

  private in(operand: Operand, negated: boolean): SelectorNode {
    this.lexer.next();
    const open = this.lexer.next();
    if (open.kind !== 'symbol' || open.symbol !== '(') throw found(open, "expected '(' after IN");
    const strings = new Set<string>();
    const numbers = new Set<number>();
    const booleans = new Set<boolean>();
    let hasNull = false;
    for (let count = 1; ; count++) {
      const token = this.lexer.next();
      const value = literal(token);
      if (value === undefined) throw found(token, 'expected a literal value in the IN list');
      if (count > SELECTOR_LIMITS.maxInList) {
        throw positionError('selector', `IN list longer than ${SELECTOR_LIMITS.maxInList} entries`, token.pos);
      }
      if (typeof value === 'string') strings.add(value);
      else if (typeof value === 'number') numbers.add(value);
      else if (typeof value === 'boolean') booleans.add(value);
      else hasNull = true;
      const separator = this.lexer.next();
      if (separator.kind === 'symbol' && separator.symbol === ')') break;
      if (separator.kind !== 'symbol' || separator.symbol !== ',') throw found(separator, "expected ',' or ')' in the IN list");
    }
    const list: InList = { strings, numbers, booleans, hasNull };
    return { kind: 'in', operand, list, negated };
  }

  private like(operand: Operand, negated: boolean): SelectorNode {
    const keyword = this.lexer.next();
    if (++this.likes > SELECTOR_LIMITS.maxLikes) {
      throw positionError('selector', `more than ${SELECTOR_LIMITS.maxLikes} LIKE conditions`, keyword.pos);
    }
    const pattern = this.lexer.next();
    if (pattern.kind !== 'string') throw found(pattern, 'expected a string pattern after LIKE');
    let escape: string | undefined;
    if (this.accept('ESCAPE')) {
      const token = this.lexer.next();
      if (token.kind !== 'string') throw found(token, 'expected a one-character string after ESCAPE');
      if ([...token.value].length !== 1) throw positionError('selector', 'the ESCAPE string must be exactly one character', token.pos);
      escape = token.value;
    }
    const matcher = compileLike(pattern.value, escape, (index, what) => {
      throw positionError('selector', what, stringSourcePosition(this.text, pattern.pos, index));
    });
    return { kind: 'like', operand, pattern: matcher, negated };
  }

  private between(operand: Operand, negated: boolean): SelectorNode {
    this.lexer.next();
    const [low, lowToken] = this.operand('expected a value after BETWEEN');
    const and = this.lexer.next();
    if (!isKeyword(and, 'AND')) throw found(and, 'expected AND between the bounds of BETWEEN');
    const [high, highToken] = this.operand('expected a value after AND');
    noBooleanOrder(lowToken, highToken);
    return { kind: 'between', operand, low, high, negated };
  }

  /** A header name or literal, with its token; anything else throws `<expected> but found …`. */
  private operand(expected: string): [Operand, Token] {
    const token = this.lexer.next();
    if (token.kind === 'ident') return [{ kind: 'header', name: token.name }, token];
    const value = literal(token);
    if (value === undefined) throw found(token, expected);
    return [{ kind: 'literal', value }, token];
  }

  private accept(word: Keyword): boolean {
    if (!isKeyword(this.lexer.peek(), word)) return false;
    this.lexer.next();
    return true;
  }

  private enter(token: Token): void {
    if (++this.depth > SELECTOR_LIMITS.maxDepth) {
      throw positionError('selector', `nesting deeper than ${SELECTOR_LIMITS.maxDepth} levels`, token.pos);
    }
  }
}

function isKeyword(token: Token, word: Keyword): boolean {
  return token.kind === 'keyword' && token.word === word;
}

/** The value of a literal token; undefined when the token is no literal. */
function literal(token: Token): string | number | boolean | null | undefined {
  if (token.kind === 'string' || token.kind === 'number') return token.value;
  if (token.kind !== 'keyword') return undefined;
  if (token.word === 'TRUE') return true;
  if (token.word === 'FALSE') return false;
  if (token.word === 'NULL') return null;
  return undefined;
}

/** TRUE and FALSE have no order: `<`, `>`, `<=`, `>=` and BETWEEN with them would never be true. */
function noBooleanOrder(...tokens: Token[]): void {
  for (const token of tokens) {
    if (token.kind === 'keyword' && (token.word === 'TRUE' || token.word === 'FALSE')) {
      throw positionError('selector', `${token.word} can only be compared with '=' or '<>'`, token.pos);
    }
  }
}

function found(token: Token, expected: string): Error {
  return positionError('selector', `${expected} but found ${describeToken(token)}`, token.pos);
}
