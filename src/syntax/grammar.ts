// The chevrotain lexer and line grammar of iptables-save / iptables-restore text.
// The format is line-oriented, so each line is lexed and parsed on its own: that
// keeps memory flat on 100k-rule dumps and gives line numbers for free
// (shared/reference/perf-notes.md). What an option means, and how many words it
// takes, is decided afterwards by the extension registry (see build.ts).
import { createToken, EmbeddedActionsParser, Lexer, type IToken, type TokenType } from "chevrotain";

const Text = createToken({ name: "Text", pattern: Lexer.NA });
// Complement patterns defeat chevrotain's first-char optimisation unless it is told the start characters.
const WORD_START: string[] = [];
for (let c = 0x21; c < 0x7f; c++) if (c !== 0x22) WORD_START.push(String.fromCharCode(c));
for (let c = 0xa0; c < 0x100; c++) WORD_START.push(String.fromCharCode(c));
export const Word = createToken({ name: "Word", pattern: /[^\s"]+/, start_chars_hint: WORD_START, categories: [Text] });
export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\f\v]+/, group: Lexer.SKIPPED });
export const Counters = createToken({ name: "Counters", pattern: /\[\d+:\d+\]/, longer_alt: Word, categories: [Text] });
export const Bang = createToken({ name: "Bang", pattern: /!/, longer_alt: Word });
export const Quoted = createToken({ name: "Quoted", pattern: /"(?:[^"\\]|\\.)*"/ });
export const Commit = createToken({ name: "Commit", pattern: /COMMIT/, longer_alt: Word, categories: [Text] });
export const TableName = createToken({ name: "TableName", pattern: /\*[^\s"]+/, categories: [Text] });
export const ChainName = createToken({ name: "ChainName", pattern: /:[^\s"]+/, categories: [Text] });
export const Command = createToken({
  name: "Command",
  pattern: /-[AINFXPDREZ]|--(?:append|insert|new-chain|flush|delete-chain|policy|delete|replace|rename-chain|zero)/,
  longer_alt: Word,
  categories: [Text],
});
export const Option = createToken({ name: "Option", pattern: /--?[A-Za-z0-9][^\s"]*/, longer_alt: Word, categories: [Text] });

const allTokens: TokenType[] = [WhiteSpace, Counters, Bang, Quoted, Commit, TableName, ChainName, Command, Option, Word, Text];

export const lineLexer = new Lexer(allTokens, {
  positionTracking: "onlyOffset",
  ensureOptimizations: true,
  // the grammar is checked by the tests; skipping it here saves start-up time
  skipValidations: process.env.DOCKWALL_VALIDATE_GRAMMAR !== "1",
});

/** One word of a rule line: an option, a value, a `!` or a quoted string. */
export interface Arg {
  kind: "bang" | "quoted" | "text" | "option";
  /** The word with quotes removed and escapes resolved. */
  text: string;
  /** 0-based offset of the first character in the line, and the end offset. */
  start: number;
  end: number;
}

export type LineNode =
  | { kind: "table"; name: string; start: number; end: number }
  | { kind: "chain"; name: string; policy: string; counters?: string; start: number; end: number; policyStart: number }
  | { kind: "commit"; start: number; end: number }
  | { kind: "command"; counters?: Arg; command: Arg; args: Arg[] };

export function unquote(image: string): string {
  return image.slice(1, -1).replace(/\\(.)/g, "$1");
}

function toArg(t: IToken): Arg {
  const end = t.startOffset + t.image.length;
  if (t.tokenType === Bang) return { kind: "bang", text: "!", start: t.startOffset, end };
  if (t.tokenType === Quoted) return { kind: "quoted", text: unquote(t.image), start: t.startOffset, end };
  if (t.tokenType === Option || t.tokenType === Command) return { kind: "option", text: t.image, start: t.startOffset, end };
  return { kind: "text", text: t.image, start: t.startOffset, end };
}

class LineParser extends EmbeddedActionsParser {
  constructor() {
    super(allTokens, { skipValidations: process.env.DOCKWALL_VALIDATE_GRAMMAR !== "1" });
    this.performSelfAnalysis();
  }

  public line = this.RULE("line", (): LineNode => {
    return this.OR([
      { ALT: () => this.SUBRULE(this.tableHeader) },
      { ALT: () => this.SUBRULE(this.chainDeclaration) },
      { ALT: () => this.SUBRULE(this.commitLine) },
      { ALT: () => this.SUBRULE(this.commandLine) },
    ]);
  });

  /** `*filter` */
  public tableHeader = this.RULE("tableHeader", (): LineNode => {
    const t = this.CONSUME(TableName);
    return { kind: "table", name: t.image.slice(1), start: t.startOffset, end: t.startOffset + t.image.length };
  });

  /** `:INPUT ACCEPT [0:0]` or `:DOCKER - [0:0]` */
  public chainDeclaration = this.RULE("chainDeclaration", (): LineNode => {
    const c = this.CONSUME(ChainName);
    const p = this.CONSUME(Text);
    let counters: string | undefined;
    this.OPTION(() => {
      counters = this.CONSUME(Counters).image;
    });
    return {
      kind: "chain",
      name: c.image.slice(1),
      policy: p.image,
      counters,
      start: c.startOffset,
      end: c.startOffset + c.image.length,
      policyStart: p.startOffset,
    };
  });

  public commitLine = this.RULE("commitLine", (): LineNode => {
    const t = this.CONSUME(Commit);
    return { kind: "commit", start: t.startOffset, end: t.startOffset + 6 };
  });

  /** `[0:0] -A CHAIN args...`, `-N CHAIN`, `-P CHAIN POLICY`, ... */
  public commandLine = this.RULE("commandLine", (): LineNode => {
    let counters: Arg | undefined;
    this.OPTION(() => {
      counters = toArg(this.CONSUME(Counters));
    });
    const command = toArg(this.CONSUME(Command));
    const args: Arg[] = [];
    this.MANY(() => {
      args.push(this.SUBRULE(this.argument));
    });
    return { kind: "command", counters, command, args };
  });

  public argument = this.RULE("argument", (): Arg => {
    return this.OR([
      { ALT: () => toArg(this.CONSUME(Bang)) },
      { ALT: () => toArg(this.CONSUME(Quoted)) },
      { ALT: () => toArg(this.CONSUME(Text)) },
    ]);
  });
}

export const lineParser = new LineParser();

export interface LineSyntaxError {
  message: string;
  /** 0-based offset in the line */
  offset: number;
}

export function parseLine(line: string): LineNode | LineSyntaxError {
  const lexed = lineLexer.tokenize(line);
  if (lexed.errors.length > 0) {
    const e = lexed.errors[0]!;
    const rest = line.slice(e.offset);
    return {
      offset: e.offset,
      message: rest.startsWith('"') ? "unterminated quoted string (the line looks cut off)" : `unexpected character '${rest[0]}'`,
    };
  }
  lineParser.input = lexed.tokens;
  const node = lineParser.line();
  if (lineParser.errors.length > 0) {
    const e = lineParser.errors[0]!;
    const tok = e.token;
    const offset = Number.isFinite(tok.startOffset) ? tok.startOffset : line.length;
    const first = lexed.tokens[0];
    let message: string;
    if (first?.tokenType === ChainName) message = "a chain line needs a policy: `:NAME POLICY [packets:bytes]` (use `-` for user chains)";
    else if (first?.tokenType === Counters || first?.tokenType === Option || first?.tokenType === Word)
      message = `expected a command such as -A CHAIN, found '${tok.image || first.image}'`;
    else message = `unexpected '${tok.image || "end of line"}'`;
    return { offset, message };
  }
  return node;
}

/** The grammar as chevrotain serialises it; grammar/ renders it as a railroad diagram. */
export function serializedGrammar() {
  return lineParser.getSerializedGastProductions();
}
