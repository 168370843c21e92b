// A file's lines with O(1) size queries over any line range, which is what the
// chunk size bounds are checked against.

export interface ChunkBounds {
  maxLines: number;
  maxChars: number;
  minLines: number;
}

export class SourceLines {
  readonly lines: string[];
  /** charsBefore[i] = characters in lines 0..i-1, one newline counted per line. */
  private readonly charsBefore: Int32Array;

  constructor(content: string) {
    const lines = content.split('\n');
    // A final newline ends the last line; it does not start another one.
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    this.lines = lines;
    this.charsBefore = new Int32Array(lines.length + 1);
    for (let i = 0; i < lines.length; i++) {
      this.charsBefore[i + 1] = this.charsBefore[i] + lines[i].length + 1;
    }
  }

  get count(): number {
    return this.lines.length;
  }

  /** Characters of rows start..end (0-based, inclusive) joined by '\n'. */
  chars(start: number, end: number): number {
    return this.charsBefore[end + 1] - this.charsBefore[start] - 1;
  }

  fits(start: number, end: number, bounds: ChunkBounds): boolean {
    return end - start + 1 <= bounds.maxLines && this.chars(start, end) <= bounds.maxChars;
  }

  text(start: number, end: number): string {
    return this.lines.slice(start, end + 1).join('\n');
  }

  isBlank(row: number): boolean {
    return this.lines[row].trim() === '';
  }
}
