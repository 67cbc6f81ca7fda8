/**
 * Growth over a run, from a least-squares line through the samples (not from two points, which
 * one GC or one burst can move): the fitted value at the end against the fitted value at the start
 * of the stretch.
 */
export interface Fit {
  /** Per unit of x. */
  slope: number;
  intercept: number;
}

export function linearFit(points: ReadonlyArray<{ x: number; y: number }>): Fit {
  const n = points.length;
  if (n < 2) throw new Error('a fit needs two points at least');
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += p.x;
    sy += p.y;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/** Fitted growth from the first to the last x of `points`, as a fraction of the fitted start (0.05 = 5 %). */
export function fittedGrowth(points: ReadonlyArray<{ x: number; y: number }>): { growth: number; fit: Fit; from: number; to: number } {
  const fit = linearFit(points);
  const x0 = points[0]!.x;
  const x1 = points[points.length - 1]!.x;
  const from = fit.intercept + fit.slope * x0;
  const to = fit.intercept + fit.slope * x1;
  return { growth: (to - from) / from, fit, from, to };
}
