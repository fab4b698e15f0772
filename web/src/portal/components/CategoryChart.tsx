/**
 * A small hand-drawn SVG bar chart (no chart library: the portal's JS budget is 200 KB). The
 * figures are also written in the chart and in the list below, so the chart is never the only
 * way to read them.
 */
import { useT } from '../i18n.ts';

export function CategoryChart({ categories }: { categories: { label: string; value: number }[] }) {
  const { t } = useT();
  const row = 46;
  const width = 320;
  const height = categories.length * row + 4;
  const summary = categories.map((c) => `${c.label} ${Math.round(c.value * 100)}%`).join('；');
  return (
    <svg className="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby="chart-title chart-desc" data-testid="category-chart">
      <title id="chart-title">{t.tr.chart}</title>
      <desc id="chart-desc">{t.tr.chartDesc(summary)}</desc>
      {categories.map((c, i) => {
        const y = i * row;
        const pct = Math.round(c.value * 100);
        const w = Math.max(0, Math.min(1, c.value)) * (width - 50);
        return (
          <g key={c.label} aria-hidden="true">
            <text x={0} y={y + 14} fontSize={12} fill="#1f1f1f">{c.label.length > 24 ? `${c.label.slice(0, 23)}…` : c.label}</text>
            <rect x={0} y={y + 20} width={width - 50} height={16} fill="#e3e0dc" stroke="#8a8a8a" />
            <rect x={0} y={y + 20} width={w} height={16} fill="#1d6b34" />
            <text x={width - 44} y={y + 33} fontSize={13} fontWeight={700} fill="#1f1f1f">{pct}%</text>
          </g>
        );
      })}
    </svg>
  );
}
