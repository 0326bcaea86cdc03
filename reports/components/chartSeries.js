// Honest time-series helpers for TrendChart.svelte (pure functions, tested with node by
// tests/python/reports/test_chart_series.py on hand-written fixture series).
//
// breakAtMissingPeriods: a line is never joined across a missing period. Each point carries its period's start and
// end (ms since the epoch, or null) and its mid-point x (decimal year). The regular spacing of a series is its
// smallest gap between one period's end and the next one's start (about a day for consecutive years, a year for a
// survey run every other year); a gap longer than that by more than half a typical period (at least 45 days) is a
// missing period, and the line is broken there (a null point, which the chart does not join across).
// Without period dates, the same rule applies to the mid-points in years.
//
// axisStart: where the value axis starts: zero when the data sit close to it (or cross it), else a round number
// below the lowest value or interval limit, which the chart then states in words.

const DAY = 86400000;

export function breakAtMissingPeriods(points) {
	const pts = [...points].sort((a, b) => a.x - b.x);
	if (pts.length < 3) return { points: pts, breaks: [] };
	const dated = pts.every((p) => p.start !== null && p.start !== undefined && p.end !== null && p.end !== undefined);
	const gaps = pts.slice(1).map((p, i) => (dated ? (p.start - pts[i].end) / DAY / 365.25 : p.x - pts[i].x));
	const lengths = dated ? pts.map((p) => (p.end - p.start) / DAY / 365.25) : gaps;
	const typicalLength = [...lengths].sort((a, b) => a - b)[Math.floor(lengths.length / 2)];
	const regular = Math.min(...gaps);
	const tolerance = Math.max(45 / 365.25, typicalLength / 2);
	const out = [pts[0]];
	const breaks = [];
	for (let i = 1; i < pts.length; i++) {
		if (gaps[i - 1] > regular + tolerance) {
			out.push({ x: (pts[i - 1].x + pts[i].x) / 2, y: null, gap: true });
			breaks.push({ after: pts[i - 1].label, before: pts[i].label });
		}
		out.push(pts[i]);
	}
	return { points: out, breaks };
}

export function axisStart(values) {
	const v = values.filter((x) => x !== null && x !== undefined && !Number.isNaN(Number(x))).map(Number);
	if (!v.length) return 0;
	const lo = Math.min(...v);
	const hi = Math.max(...v);
	if (lo <= 0) return null; // values at or below zero: let the chart fit both signs
	const range = hi - lo || Math.abs(hi) || 1;
	if (lo < range) return 0; // zero is nearer than the data's own spread: start at zero
	const mag = Math.pow(10, Math.floor(Math.log10(range)));
	return Math.floor((lo - range * 0.1) / mag) * mag;
}
