// The dashboard's 24-hour mail chart, drawn as inline SVG (no chart library:
// a few polylines are cheaper than any dependency).

import type { MailCountsHour } from '../../api-types.ts';

export interface Series {
  readonly key: 'in' | 'out' | 'rejectedDnsbl' | 'rejectedAuth' | 'bounced';
  readonly label: string;
  readonly color: string;
}

export const MAIL_SERIES: readonly Series[] = [
  { key: 'in', label: 'Received', color: '#2563eb' },
  { key: 'out', label: 'Sent', color: '#16a34a' },
  { key: 'rejectedDnsbl', label: 'Refused: blocklist', color: '#d97706' },
  { key: 'rejectedAuth', label: 'Refused: SPF/DMARC', color: '#9333ea' },
  { key: 'bounced', label: 'Bounced', color: '#dc2626' },
];

const W = 600;
const H = 180;
const PAD = { left: 34, right: 22, top: 10, bottom: 22 };

/** A round number at or above `n` for the y axis: 1, 2, 5, 10, 20, 50, ... */
function niceMax(n: number): number {
  if (n <= 4) return 4;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power;
  return 10 * power;
}

export function MailChart({ series }: { readonly series: readonly MailCountsHour[] }) {
  const max = niceMax(Math.max(0, ...series.flatMap((h) => MAIL_SERIES.map((s) => h[s.key]))));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (series.length <= 1 ? 0 : (i / (series.length - 1)) * plotW);
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const totals = MAIL_SERIES.map((s) => `${s.label} ${series.reduce((sum, h) => sum + h[s.key], 0)}`).join(', ');
  const ticks = [0, max / 2, max];
  return (
    <figure class="chart" style={{ margin: 0 }}>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Mail in the last 24 hours: ${totals}`}>
        {ticks.map((t) => (
          <g key={t}>
            <line class="axis" x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
            <text x={PAD.left - 4} y={y(t) + 3} text-anchor="end">
              {t}
            </text>
          </g>
        ))}
        {series.map((h, i) =>
          i % 6 === 0 || i === series.length - 1 ? (
            <text key={h.hour} x={x(i)} y={H - 6} text-anchor="middle">
              {new Date(h.hour).getHours()}:00
            </text>
          ) : null,
        )}
        {MAIL_SERIES.map((s) => (
          <polyline
            key={s.key}
            fill="none"
            stroke={s.color}
            stroke-width="2"
            stroke-linejoin="round"
            points={series.map((h, i) => `${x(i).toFixed(1)},${y(h[s.key]).toFixed(1)}`).join(' ')}
          />
        ))}
      </svg>
      {series.every((h) => MAIL_SERIES.every((s) => h[s.key] === 0)) ? <p class="small muted">No mail in the last 24 hours yet.</p> : null}
      <figcaption class="legend">
        {MAIL_SERIES.map((s) => (
          <span key={s.key}>
            <i style={{ background: s.color }} />
            {s.label}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
