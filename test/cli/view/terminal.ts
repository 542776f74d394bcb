/* eslint-disable no-control-regex -- terminal escape sequences are what this file is about */
/**
 * A small terminal for the view's unit tests: a screen of `columns` × `rows` over an unlimited
 * scrollback, with what log-update and the view send (printable text that wraps at the last
 * column, `\n` as a tty's CR LF, cursor up, column 1, erase line, erase down; SGR and cursor
 * visibility ignored). It keeps what a real terminal keeps, so a frame that was not erased
 * stays in its history.
 */
export class FakeTerminal {
  /** Every row: scrollback, then the screen. */
  private readonly buffer: string[] = [''];
  private row = 0;
  private col = 0;

  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {}

  readonly isTTY = true;

  write(text: string): boolean {
    for (const m of text.matchAll(/\x1b\[(\??)(\d*)([A-Za-z])|\n|\r|[^\x1b\n\r]/gu)) {
      const token = m[0];
      if (token === '\n') this.newline();
      else if (token === '\r') this.col = 0;
      else if (m[3] !== undefined) this.control(m[1] ?? '', m[2] ? Number(m[2]) : undefined, m[3]);
      else this.print(token);
    }
    return true;
  }

  /** Scrollback and screen as text, trailing blanks left out. */
  history(): string[] {
    const out = this.buffer.map((l) => l.trimEnd());
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    return out;
  }

  private get top(): number {
    return Math.max(0, this.buffer.length - this.rows);
  }

  private newline(): void {
    this.row++;
    this.col = 0;
    if (this.row >= this.buffer.length) this.buffer.push('');
  }

  private print(ch: string): void {
    if (this.col >= this.columns) this.newline(); // wrap, as a terminal does, on the next character
    const line = (this.buffer[this.row] ?? '').padEnd(this.col);
    this.buffer[this.row] = line.slice(0, this.col) + ch + line.slice(this.col + 1);
    this.col++;
  }

  private control(private_: string, n: number | undefined, op: string): void {
    if (private_) return; // cursor visibility
    if (op === 'A') this.row = Math.max(this.top, this.row - (n ?? 1));
    else if (op === 'G') this.col = (n ?? 1) - 1;
    else if (op === 'K' && n === 2) this.buffer[this.row] = '';
    else if (op === 'J') {
      this.buffer[this.row] = (this.buffer[this.row] ?? '').slice(0, this.col);
      this.buffer.length = this.row + 1;
    } else if (op !== 'm') throw new Error(`FakeTerminal: unsupported escape ${op}`);
  }
}
