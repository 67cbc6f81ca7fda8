/**
 * A small SVG line chart for the soak row: one panel per measure (heap, RSS), messages on the x
 * axis, megabytes on the y axis, each run's samples as a line with dots and its second half's
 * fitted line dashed over it. Plain SVG text, no dependencies, so the bench writes it and GitHub
 * shows it.
 */
import type { Fit } from './trend.js';

export interface ChartLine {
  /** In the legend, e.g. "500 drops: second half +1.2 %". */
  label: string;
  /** x: messages, y: MB. */
  points: ReadonlyArray<{ x: number; y: number }>;
  /** Drawn dashed from `fitFrom` to the last x. */
  fit?: Fit;
  fitFrom?: number;
  color: string;
}

/** One panel: a title and its lines on shared axes. */
export interface ChartSeries {
  name: string;
  lines: readonly ChartLine[];
}

const W = 760;
const PANEL_H = 200;
const M = { left: 64, right: 24, top: 34, bottom: 36 };

function niceStep(range: number, ticks: number): number {
  const raw = range / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function panel(s: ChartSeries, top: number, xMax: number): string {
  const ys = s.lines.flatMap((l) => l.points.map((p) => p.y));
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  // The y axis starts at zero unless that would flatten the line into nothing.
  const yMin = lo > 0 && (hi - lo) / hi < 0.25 ? Math.max(0, lo - (hi - lo) * 2 - 1) : 0;
  const yStep = niceStep(Math.max(hi - yMin, 1), 4);
  const yLo = Math.floor(yMin / yStep) * yStep;
  const yHi = Math.ceil((hi * 1.05) / yStep) * yStep;
  const plotW = W - M.left - M.right;
  const plotH = PANEL_H - M.top - M.bottom;
  const px = (x: number) => M.left + (x / xMax) * plotW;
  const py = (y: number) => top + M.top + plotH - ((y - yLo) / (yHi - yLo)) * plotH;
  const out: string[] = [];
  out.push(`<text x="${M.left}" y="${top + 20}" class="title">${esc(s.name)}</text>`);
  let legendX = M.left + 110;
  for (const l of s.lines) {
    out.push(`<line x1="${legendX}" x2="${legendX + 18}" y1="${top + 15}" y2="${top + 15}" stroke="${l.color}" stroke-width="3"/>`);
    out.push(`<text x="${legendX + 24}" y="${top + 20}" class="note">${esc(l.label)}</text>`);
    legendX += 40 + l.label.length * 6.5;
  }
  for (let y = yLo; y <= yHi + 1e-9; y += yStep) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${py(y).toFixed(1)}" y2="${py(y).toFixed(1)}" class="grid"/>`);
    out.push(`<text x="${M.left - 8}" y="${(py(y) + 4).toFixed(1)}" class="tick" text-anchor="end">${y % 1 === 0 ? y : y.toFixed(1)} MB</text>`);
  }
  const xStep = niceStep(xMax, 5);
  for (let x = 0; x <= xMax + 1e-9; x += xStep) {
    out.push(`<line x1="${px(x).toFixed(1)}" x2="${px(x).toFixed(1)}" y1="${top + M.top}" y2="${top + M.top + plotH}" class="grid"/>`);
    out.push(`<text x="${px(x).toFixed(1)}" y="${top + M.top + plotH + 16}" class="tick" text-anchor="middle">${x >= 1000 ? `${x / 1000}k` : x}</text>`);
  }
  for (const l of s.lines) {
    const path = l.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ');
    out.push(`<path d="${path}" fill="none" stroke="${l.color}" stroke-width="2"/>`);
    for (const p of l.points) out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="2.2" fill="${l.color}"/>`);
    if (l.fit && l.fitFrom !== undefined) {
      const x0 = l.fitFrom;
      const x1 = l.points[l.points.length - 1]!.x;
      const y = (x: number) => l.fit!.intercept + l.fit!.slope * x;
      out.push(
        `<line x1="${px(x0).toFixed(1)}" y1="${py(y(x0)).toFixed(1)}" x2="${px(x1).toFixed(1)}" y2="${py(y(x1)).toFixed(1)}" class="fit"/>`,
      );
    }
  }
  return out.join('\n');
}

/** The chart as an SVG document. */
export function lineChartSvg(title: string, xLabel: string, series: readonly ChartSeries[]): string {
  const xMax = Math.max(...series.flatMap((s) => s.lines.flatMap((l) => l.points.map((p) => p.x))), 1);
  const height = 28 + series.length * PANEL_H + 24;
  const body = series.map((s, i) => panel(s, 28 + i * PANEL_H, xMax)).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">
<style>
  .title { font-size: 14px; font-weight: 600; fill: #222; }
  .note { font-size: 12px; font-weight: 400; fill: #444; }
  .tick { font-size: 11px; fill: #555; }
  .grid { stroke: #e4e4e4; stroke-width: 1; }
  .fit { stroke: #222; stroke-width: 1.5; stroke-dasharray: 5 4; }
  .caption { font-size: 12px; fill: #444; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="${M.left}" y="18" class="title">${esc(title)}</text>
${body}
<text x="${W / 2}" y="${height - 8}" class="caption" text-anchor="middle">${esc(xLabel)}</text>
</svg>
`;
}
