// The building block between parsing and packing: a run of lines that is never
// cut. A unit starts at `start` and ends where the next unit starts, so a list
// of units always partitions the file.

export interface ChunkUnit {
  /** First row (0-based). */
  start: number;
  /** The declaration this unit starts, or (when `inherited`) the one it lies inside. */
  symbol: string | null;
  kind: string | null;
  inherited: boolean;
  /** Every declaration that starts inside the unit. */
  symbols: string[];
  /** First piece of a declaration too large for one chunk: packing keeps it with what follows. */
  startsSplit: boolean;
}
