/**
 * Latency against offered load as a hand-written SVG, for the README: no plotting dependency for one chart.
 * Both axes are logarithmic: offered loads usually double from point to point, and tails span decades.
 */
export interface LatencyPoint {
  offeredCommandsPerSecond: number;
  /** Milliseconds. */
  p50: number;
  p99: number;
  p999: number;
}

const WIDTH = 720;
const HEIGHT = 420;
const PLOT = { left: 70, right: 560, top: 50, bottom: 360 };
const SERIES = [
  { key: 'p50', label: 'p50', color: '#1b9e77', dash: '' },
  { key: 'p99', label: 'p99', color: '#d95f02', dash: '' },
  { key: 'p999', label: 'p99.9', color: '#7570b3', dash: '6 3' },
] as const;

export function latencyPlotSvg(points: readonly LatencyPoint[], title: string, options: { targetMs?: number } = {}) {
  const sorted = [...points]
    .filter((p) => p.offeredCommandsPerSecond > 0)
    .sort((a, b) => a.offeredCommandsPerSecond - b.offeredCommandsPerSecond);
  const xs = sorted.map((p) => p.offeredCommandsPerSecond);
  const ys = sorted.flatMap((p) => [p.p50, p.p99, p.p999]).filter((y) => Number.isFinite(y) && y > 0);
  if (options.targetMs) ys.push(options.targetMs);

  // Whole decades on the latency axis; a little margin either side of the load axis.
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...ys, 1)));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...ys, 10)));
  const xSpan = xs.length ? Math.log10(Math.max(...xs) / Math.min(...xs)) : 0;
  const xMargin = Math.max(0.05, xSpan * 0.06);
  const xLow = Math.log10(xs.length ? Math.min(...xs) : 1) - xMargin;
  const xHigh = Math.log10(xs.length ? Math.max(...xs) : 10) + xMargin;
  const x = (value: number) =>
    PLOT.left + ((Math.log10(value) - xLow) / (xHigh - xLow || 1)) * (PLOT.right - PLOT.left);
  const y = (value: number) =>
    PLOT.bottom - ((Math.log10(value) - Math.log10(yMin)) / Math.log10(yMax / yMin)) * (PLOT.bottom - PLOT.top);
  const f = (n: number) => n.toFixed(1);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="15" font-weight="600">${escapeXml(title)}</text>`,
  ];

  // Latency ticks at 1, 2 and 5 of each decade; grid lines at the decades.
  for (let decade = yMin; decade < yMax * 1.001; decade *= 10) {
    for (const step of [1, 2, 5]) {
      const value = decade * step;
      if (value > yMax * 1.001) break;
      const py = f(y(value));
      if (step === 1) {
        parts.push(`<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${py}" y2="${py}" stroke="#e5e5e5"/>`);
      }
      parts.push(
        `<line x1="${PLOT.left - 5}" x2="${PLOT.left}" y1="${py}" y2="${py}" stroke="#333"/>`,
        `<text x="${PLOT.left - 8}" y="${py}" text-anchor="end" dominant-baseline="middle">${formatNumber(value)}</text>`,
      );
    }
  }
  for (const value of new Set(xs)) {
    const px = f(x(value));
    parts.push(
      `<line x1="${px}" x2="${px}" y1="${PLOT.top}" y2="${PLOT.bottom}" stroke="#f0f0f0"/>`,
      `<line x1="${px}" x2="${px}" y1="${PLOT.bottom}" y2="${PLOT.bottom + 5}" stroke="#333"/>`,
      `<text x="${px}" y="${PLOT.bottom + 18}" text-anchor="middle">${formatNumber(value)}</text>`,
    );
  }
  parts.push(
    `<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${PLOT.bottom}" y2="${PLOT.bottom}" stroke="#333"/>`,
    `<line x1="${PLOT.left}" x2="${PLOT.left}" y1="${PLOT.top}" y2="${PLOT.bottom}" stroke="#333"/>`,
    `<text x="${(PLOT.left + PLOT.right) / 2}" y="${PLOT.bottom + 40}" text-anchor="middle">offered load (commands/s, log scale)</text>`,
    `<text transform="translate(18 ${(PLOT.top + PLOT.bottom) / 2}) rotate(-90)" text-anchor="middle">latency (ms, log scale)</text>`,
  );

  if (options.targetMs) {
    const py = f(y(options.targetMs));
    parts.push(
      `<line x1="${PLOT.left}" x2="${PLOT.right}" y1="${py}" y2="${py}" stroke="#c00" stroke-dasharray="2 3"/>`,
    );
  }
  for (const series of SERIES) {
    const coordinates = sorted
      .filter((p) => Number.isFinite(p[series.key]) && p[series.key] > 0)
      .map((p) => [f(x(p.offeredCommandsPerSecond)), f(y(p[series.key]))]);
    const dash = series.dash ? ` stroke-dasharray="${series.dash}"` : '';
    parts.push(
      `<polyline fill="none" stroke="${series.color}" stroke-width="2"${dash} points="${coordinates.map((c) => c.join(',')).join(' ')}"/>`,
      ...coordinates.map(([cx, cy]) => `<circle cx="${cx}" cy="${cy}" r="3.5" fill="${series.color}"/>`),
    );
  }

  const legend: { label: string; color: string; dash: string }[] = SERIES.map(({ label, color, dash }) => ({
    label,
    color,
    dash,
  }));
  if (options.targetMs) {
    legend.push({ label: `target ${formatNumber(options.targetMs)} ms`, color: '#c00', dash: '2 3' });
  }
  legend.forEach((entry, i) => {
    const ly = PLOT.top + 10 + i * 22;
    const dash = entry.dash ? ` stroke-dasharray="${entry.dash}"` : '';
    parts.push(
      `<line x1="${PLOT.right + 20}" x2="${PLOT.right + 50}" y1="${ly}" y2="${ly}" stroke="${entry.color}" stroke-width="2"${dash}/>`,
      `<text x="${PLOT.right + 58}" y="${ly}" dominant-baseline="middle">${escapeXml(entry.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function formatNumber(value: number): string {
  return value >= 1
    ? value.toLocaleString('en-US', { maximumFractionDigits: 0 })
    : String(Number(value.toPrecision(2)));
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
