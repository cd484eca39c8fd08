/** Percentiles over plain arrays of numbers (nearest rank). */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

export interface Summary {
  n: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

export function summarize(values: number[]): Summary {
  const s = Float64Array.from(values).sort();
  const arr = Array.from(s);
  const r = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);
  return { n: arr.length, p50: r(percentile(arr, 50)), p90: r(percentile(arr, 90)), p99: r(percentile(arr, 99)), max: r(arr.length ? arr[arr.length - 1]! : null) };
}

export const fmt = (x: number | null | undefined, digits = 1) => (x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits));
