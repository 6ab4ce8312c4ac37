// The chevrotain lexer and line grammar of iptables-save / iptables-restore text.
// The format is line-oriented, so each line is lexed and parsed on its own: that
// keeps memory flat on 100k-rule dumps and gives line numbers for free
// (shared/reference/perf-notes.md). What an option means, and how many words it
// takes, is decided afterwards by the module specs (see build.ts and grammar/README.md).
import { createToken, EmbeddedActionsParser, Lexer, type IToken, type TokenType } from "chevrotain";

// A keyword-like token must end where a word ends: "COMMITTED" or "-Afoo" are not
// keywords. A lookahead says so in one regex test per token, where chevrotain's
// longer_alt would run a second pattern for every option of every rule.
// (A negative lookahead, because chevrotain refuses `$` anchors in token patterns.)
const END = String.raw`(?![^\s"])`;

const Text = createToken({ name: "Text", pattern: Lexer.NA });
// Complement patterns defeat chevrotain's first-char optimisation unless it is told the start characters.
const WORD_START: string[] = [];
for (let c = 0x21; c < 0x7f; c++) if (c !== 0x22) WORD_START.push(String.fromCharCode(c));
for (let c = 0xa0; c < 0x100; c++) WORD_START.push(String.fromCharCode(c));
// Above 0xff chevrotain groups characters in blocks of 255 (index 255 + code/255):
// one character per block lets a word start with any of them (UTF-8 comments in restore files).
for (let k = 1; k * 255 <= 0xffff; k++) WORD_START.push(String.fromCharCode(Math.max(0x100, k * 255)));
export const Word = createToken({ name: "Word", pattern: /[^\s"]+/, start_chars_hint: WORD_START, categories: [Text] });
export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\f\v]+/, group: Lexer.SKIPPED });
/** Ends a line; the builder splits a block's tokens into lines here (the grammar never sees it). */
export const Newline = createToken({ name: "Newline", pattern: /\r?\n/, line_breaks: true });
export const Counters = createToken({ name: "Counters", pattern: new RegExp(String.raw`\[\d+:\d+\]` + END), start_chars_hint: ["["], categories: [Text] });
export const Bang = createToken({ name: "Bang", pattern: new RegExp("!" + END), start_chars_hint: ["!"] });
export const Quoted = createToken({ name: "Quoted", pattern: /"(?:[^"\\\r\n]|\\.)*"/ });
export const Commit = createToken({ name: "Commit", pattern: new RegExp("COMMIT" + END), start_chars_hint: ["C"], categories: [Text] });
export const TableName = createToken({ name: "TableName", pattern: /\*[^\s"]+/, categories: [Text] });
export const ChainName = createToken({ name: "ChainName", pattern: /:[^\s"]+/, categories: [Text] });
const COMMANDS = String.raw`(?:-[AINFXPDREZ]|--(?:append|insert|new-chain|flush|delete-chain|policy|delete|replace|rename-chain|zero))` + END;
export const Command = createToken({ name: "Command", pattern: new RegExp(COMMANDS), start_chars_hint: ["-"], categories: [Text] });
// Any dashed word but a command. Tried before Command: a rule has one command and
// about ten options, and each failed pattern is one more regex run in the lexer's loop.
export const Option = createToken({
  name: "Option",
  pattern: new RegExp(`(?!${COMMANDS})` + String.raw`--?[A-Za-z0-9][^\s"]*`),
  start_chars_hint: ["-"],
  categories: [Text],
});

/** Order matters: the first pattern that matches wins (Option and Command exclude each other; both go before Word). */
const allTokens: TokenType[] = [Newline, WhiteSpace, Counters, Bang, Quoted, Commit, TableName, ChainName, Option, Command, Word, Text];

export const lineLexer = new Lexer(allTokens, {
  positionTracking: "onlyOffset",
  ensureOptimizations: true,
  // the grammar is checked by the tests; skipping it here saves start-up time
  skipValidations: process.env.DOCKWALL_VALIDATE_GRAMMAR !== "1",
});

export type LineKind = "table" | "chain" | "commit" | "command";

class LineParser extends EmbeddedActionsParser {
  constructor(validate = process.env.DOCKWALL_VALIDATE_GRAMMAR === "1") {
    super(allTokens, { skipValidations: !validate });
    this.performSelfAnalysis();
  }

  public line = this.RULE("line", (): LineKind => {
    return this.OR([
      { ALT: () => this.SUBRULE(this.tableHeader) },
      { ALT: () => this.SUBRULE(this.chainDeclaration) },
      { ALT: () => this.SUBRULE(this.commitLine) },
      { ALT: () => this.SUBRULE(this.commandLine) },
    ]);
  });

  /** `*filter` */
  public tableHeader = this.RULE("tableHeader", (): LineKind => {
    this.CONSUME(TableName);
    return "table";
  });

  /** `:INPUT ACCEPT [0:0]` or `:DOCKER - [0:0]` */
  public chainDeclaration = this.RULE("chainDeclaration", (): LineKind => {
    this.CONSUME(ChainName);
    this.CONSUME(Text);
    this.OPTION(() => this.CONSUME(Counters));
    return "chain";
  });

  /** `COMMIT` */
  public commitLine = this.RULE("commitLine", (): LineKind => {
    this.CONSUME(Commit);
    return "commit";
  });

  /** `[0:0] -A CHAIN args...`, `-N CHAIN`, `-P CHAIN POLICY`, ... */
  public commandLine = this.RULE("commandLine", (): LineKind => {
    this.OPTION(() => this.CONSUME(Counters));
    this.CONSUME(Command);
    this.MANY(() => this.SUBRULE(this.argument));
    return "command";
  });

  /** One word of a command: what it means is up to the option it follows. */
  public argument = this.RULE("argument", (): void => {
    this.OR([{ ALT: () => this.CONSUME(Bang) }, { ALT: () => this.CONSUME(Quoted) }, { ALT: () => this.CONSUME(Text) }]);
  });
}

export const lineParser = new LineParser();

export interface LineSyntaxError {
  message: string;
  /** 0-based offset in the line */
  offset: number;
}

export function unquote(image: string): string {
  const inner = image.slice(1, -1);
  return inner.indexOf("\\") < 0 ? inner : inner.replace(/\\(.)/g, "$1");
}

/**
 * The words of a line quoted the way iptables-save quotes (double quotes, `\`
 * escapes), with their 1-based columns: for text the rule grammar does not read
 * (`ipset save` lines, a printed rule body split into argv words).
 */
export function quotedWords(line: string): { text: string; col: number }[] {
  const out: { text: string; col: number }[] = [];
  const re = /("(?:[^"\\]|\\.)*")|\S+/g;
  let m;
  while ((m = re.exec(line))) out.push({ text: m[1] !== undefined ? unquote(m[1]) : m[0], col: m.index + 1 });
  return out;
}

/** The words of one line, or where the lexer gave up. */
export function lexLine(line: string): IToken[] | LineSyntaxError {
  const lexed = lineLexer.tokenize(line);
  if (lexed.errors.length === 0) return lexed.tokens;
  return lexError(line, lexed.errors[0]!.offset);
}

/**
 * Lexes a block of whole lines at once: one tokenize() call per ~64 KB instead
 * of one per line (each call has a fixed cost in allocations). Newline tokens
 * separate the lines; `errors` are the offsets where the lexer gave up, in order.
 */
export function lexBlock(text: string): { tokens: IToken[]; errors: number[] } {
  const lexed = lineLexer.tokenize(text);
  return { tokens: lexed.tokens, errors: lexed.errors.map((e) => e.offset) };
}

/** The message for a lexer failure at `offset` of `line`. */
export function lexError(line: string, offset: number): LineSyntaxError {
  const rest = line.slice(offset);
  if (rest.startsWith('"')) return { offset, message: "unterminated quoted string (the line looks cut off)" };
  const c = rest.codePointAt(0) ?? 0;
  // control characters are shown by name, not printed raw into the terminal
  const shown = c === 13 ? "a carriage return (\\r) inside a line: old Mac line ends?" : c < 32 || c === 127 ? `U+${c.toString(16).padStart(4, "0").toUpperCase()}` : `'${String.fromCodePoint(c)}'`;
  return { offset, message: `unexpected character ${shown}` };
}

// The grammar is LL(1) over token types, so whether a line parses, and as what,
// depends only on the sequence of its token types. A dump repeats a few hundred
// such sequences over 100k lines; the trie below remembers chevrotain's verdict
// for each, and chevrotain itself runs once per new sequence (and for every error,
// so messages come from the grammar).
interface TrieNode {
  next: (TrieNode | undefined)[];
  kind: LineKind | undefined;
}
const newNode = (): TrieNode => ({ next: [], kind: undefined });
let trie = newNode();
let trieNodes = 0;
/** Bounds the memory an adversarial input can make the memo take. */
const MAX_TRIE_NODES = 50_000;

/** What kind of line tokens [from, to) form, as the chevrotain line grammar decides. */
export function classifyLine(tokens: IToken[], from: number, to: number, line: () => string): LineKind | LineSyntaxError {
  let node: TrieNode | undefined = trie;
  for (let i = from; i < to && node; i++) node = node.next[tokens[i]!.tokenTypeIdx];
  if (node?.kind) return node.kind;
  const own = tokens.slice(from, to);
  lineParser.input = own;
  const kind = lineParser.line();
  if (lineParser.errors.length > 0) return grammarError(own, line());
  remember(own, kind);
  return kind;
}

function remember(tokens: IToken[], kind: LineKind) {
  if (trieNodes + tokens.length > MAX_TRIE_NODES) return;
  let node = trie;
  for (const t of tokens) {
    let n = node.next[t.tokenTypeIdx];
    if (!n) {
      n = node.next[t.tokenTypeIdx] = newNode();
      trieNodes++;
    }
    node = n;
  }
  node.kind = kind;
}

/** Forgets the memo (tests use it to check that cached and uncached runs agree). */
export function resetLineMemo() {
  trie = newNode();
  trieNodes = 0;
}

function grammarError(tokens: IToken[], line: string): LineSyntaxError {
  const tok = lineParser.errors[0]!.token;
  const offset = Number.isFinite(tok.startOffset) ? tok.startOffset : line.trimEnd().length;
  const first = tokens[0];
  const found = tok.image || "end of line";
  let message: string;
  if (first?.tokenType === ChainName) message = "a chain line needs a policy: `:NAME POLICY [packets:bytes]` (use `-` for user chains)";
  else if (first?.tokenType === TableName || first?.tokenType === Commit) message = `unexpected '${found}' after '${first.image}'`;
  else if (first?.tokenType === Counters && tokens.length === 1) message = "counters must be followed by a command such as -A CHAIN";
  else message = `expected a command such as -A CHAIN, found '${found}'`;
  return { offset, message };
}

/**
 * Builds the grammar again with chevrotain's checks on (ambiguities, left
 * recursion, unreachable alternatives, lexer patterns); the CLI skips them to
 * start faster. Returns the problems, empty when there are none.
 */
export function grammarProblems(): string[] {
  const problems: string[] = [];
  try {
    new Lexer(allTokens, { positionTracking: "onlyOffset", ensureOptimizations: true });
    new LineParser(true);
  } catch (e) {
    problems.push((e as Error).message);
  }
  return problems;
}

/** The grammar as chevrotain serialises it; grammar/ renders it as a railroad diagram. */
export function serializedGrammar() {
  return lineParser.getSerializedGastProductions();
}
