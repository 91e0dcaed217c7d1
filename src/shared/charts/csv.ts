// Tidy CSV text for the data behind a chart (RFC 4180 quoting, '\n' line ends, header row first).
// Numbers in JavaScript's shortest round-trip form; NaN, Inf and -Inf as such; null as an empty
// cell. The same conventions as the command line's export (src/main/export/csv.ts), but with no
// Node dependency so the renderer can build the file it saves.

export type CsvCell = string | number | boolean | null;

/** A number as CSV text: exact round-trip decimal, 'NaN'/'Inf'/'-Inf' for non-finite, '' for null. */
export function csvNumber(x: number | null): string {
  if (x === null) return '';
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Inf';
  if (x === -Infinity) return '-Inf';
  return String(x);
}

/** A string as a CSV field, quoted when it holds a comma, quote, line break or edge whitespace. */
export function csvString(s: string): string {
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows to CSV text: header first, one line per row, trailing newline. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  const cell = (c: CsvCell) =>
    typeof c === 'string' ? csvString(c) : typeof c === 'boolean' ? String(c) : csvNumber(c);
  return [header.map(csvString).join(','), ...rows.map((r) => r.map(cell).join(','))].join('\n') + '\n';
}
