/**
 * Two small charts drawn as plain SVG by React (no chart library: two bar charts do not justify one; see README).
 * Amounts are bigint fen; a bar's length is its share of the largest figure, computed in integers (basis points)
 * and handed to SVG as a percentage, so the charts stretch with their card while their text keeps its size: labels
 * and amounts are HTML or SVG text positioned in percent, never scaled by a viewBox, and stay readable at 360 px.
 */

/** `value` as a percentage of `max` with two decimals, from integers; 0 when `max` is 0. */
export function shareOf(value: bigint, max: bigint): number {
  if (max <= 0n || value <= 0n) return 0;
  const basisPoints = (value * 10_000n) / max;
  return Number(basisPoints > 10_000n ? 10_000n : basisPoints) / 100;
}

export interface BarRow {
  key: string;
  label: string;
  /** The whole bar (what is still due). */
  value: bigint;
  /** The part of it drawn in the warning colour (what is overdue). */
  part: bigint;
  /** A limit drawn as a mark across the bar (the factor's appetite), if any. */
  marker: bigint | null;
  /** Shown at the bar's end. */
  text: string;
  /** Read aloud and shown on hover: the figures in words. */
  title: string;
}

/** Horizontal bars, one row each: label, bar (with its overdue part and a limit mark), amount. */
export function BarChart({ rows, testId }: { rows: readonly BarRow[]; testId: string }) {
  const max = rows.reduce((largest, row) => [row.value, row.marker ?? 0n].reduce((a, b) => (a > b ? a : b), largest), 0n);
  return (
    <div className="bar-chart" data-testid={testId} role="list">
      {rows.map((row) => (
        <div className="bar-row" key={row.key} role="listitem" data-testid={`${testId}-row`} title={row.title}>
          <span className="bar-label">{row.label}</span>
          <svg className="bar" width="100%" height="16" role="img" aria-label={row.title}>
            <rect x="0" y="2" width="100%" height="12" rx="3" className="bar-track" />
            <rect x="0" y="2" width={`${shareOf(row.value, max)}%`} height="12" rx="3" className="bar-due" data-testid={`${testId}-due`} />
            {row.part > 0n && <rect x="0" y="2" width={`${shareOf(row.part, max)}%`} height="12" rx="3" className="bar-overdue" />}
            {row.marker !== null && (
              <rect x={`${Math.max(0, shareOf(row.marker, max) - 0.4)}%`} y="0" width="0.8%" height="16" className="bar-marker" />
            )}
          </svg>
          <span className="bar-amount">{row.text}</span>
        </div>
      ))}
    </div>
  );
}

export interface Column {
  key: string;
  /** Under the column. */
  label: string;
  value: bigint;
  part: bigint;
  title: string;
  /** The figures beside the chart, in words (each month's amount: the chart has no room for them at phone width). */
  caption: string;
}

const LADDER_HEIGHT = 140;
const LABEL_SPACE = 18;
const MIN_SLOTS = 6;

/** Vertical columns (a maturity ladder): one per month, the overdue part at its foot. */
export function ColumnChart({ columns, testId }: { columns: readonly Column[]; testId: string }) {
  const max = columns.reduce((largest, column) => (column.value > largest ? column.value : largest), 0n);
  // At least six slots' worth of width each is never exceeded: a lone month is a column, not a wall; the group is centred.
  const slot = 100 / Math.max(columns.length, MIN_SLOTS);
  const offset = (100 - slot * columns.length) / 2;
  const barWidth = slot * 0.6;
  const heightOf = (value: bigint): number => (shareOf(value, max) * (LADDER_HEIGHT - 4)) / 100;
  return (
    <figure className="column-figure">
      <svg
        className="column-chart"
        data-testid={testId}
        width="100%"
        height={LADDER_HEIGHT + LABEL_SPACE}
        role="img"
        aria-label={columns.map((column) => column.title).join("; ")}
      >
        <line x1="0" x2="100%" y1={LADDER_HEIGHT} y2={LADDER_HEIGHT} className="axis" />
        {columns.map((column, index) => {
          const x = offset + index * slot + (slot - barWidth) / 2;
          const height = heightOf(column.value);
          const part = heightOf(column.part);
          return (
            <g key={column.key} data-testid={`${testId}-column`}>
              <title>{column.title}</title>
              <rect x={`${x}%`} y={LADDER_HEIGHT - height} width={`${barWidth}%`} height={height} className="bar-due" />
              {part > 0 && <rect x={`${x}%`} y={LADDER_HEIGHT - part} width={`${barWidth}%`} height={part} className="bar-overdue" />}
              <text x={`${offset + index * slot + slot / 2}%`} y={LADDER_HEIGHT + 14} textAnchor="middle" className="column-label">
                {column.label}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="column-captions">
        {columns.map((column) => (
          <span key={column.key} data-testid={`${testId}-caption`}>
            {column.caption}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
