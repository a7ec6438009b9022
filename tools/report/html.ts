// The page shell of the report: one self-contained HTML document (inline CSS, inline SVG, the
// plots' data and the zoom script inline; no fonts, scripts or links to fetch), so it opens
// offline and can be mailed as one file. Without scripts it still shows every plot, unzoomed.

/** Escapes text for HTML element content and attribute values. */
export function esc(s: string | number): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export interface Section {
  id: string;
  title: string;
  /** Already-escaped HTML. */
  html: string;
}

const CSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d2329; margin: 24px auto; max-width: 1260px; padding: 0 16px; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d5dae0; padding-bottom: 4px; }
p.lead, p.note { color: #4a5560; margin: 4px 0 10px; }
ul.facts { margin: 6px 0 0; padding-left: 20px; color: #333; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #d5dae0; padding: 3px 8px; text-align: right; vertical-align: top; }
th { background: #f0f3f6; font-weight: 600; }
td.l, th.l { text-align: left; }
table.eval td { white-space: nowrap; }
tr.base td { color: #59636e; }
th.diag, td.diag { background: #fbf7ec; color: #6b5a2a; }
td.yes, span.yes { color: #136c2e; font-weight: 600; }
td.no { color: #a3222a; font-weight: 600; }
td.muted { color: #8a939c; }
.tag { display: inline-block; font-size: 11px; padding: 0 5px; border-radius: 3px; background: #eef1f4; color: #4a5560; margin-left: 4px; }
svg.plot { display: block; margin: 2px 0; }
svg .frame { fill: #fcfdfe; stroke: #c9d0d7; stroke-width: 1; }
svg .grid { stroke: #e6eaee; stroke-width: 1; }
svg .axis { stroke: #8a939c; stroke-width: 1; }
svg .line { fill: none; stroke-width: 1; stroke-linejoin: round; }
svg .span.attack { fill: #e8474f; fill-opacity: 0.16; }
svg .span.stealthy { fill: #e89b2f; fill-opacity: 0.22; }
svg .span.benign { fill: #7d8a96; fill-opacity: 0.14; }
svg .spanlabel { font-size: 9px; fill: #a3222a; }
svg .spanlabel.stealthy { fill: #9a5c06; }
svg .spanlabel.benign { fill: #4a5560; }
svg .threshold { stroke: #a3222a; stroke-width: 1.2; stroke-dasharray: 5 3; }
svg .thlabel { font-size: 10px; fill: #a3222a; text-anchor: end; }
svg .strip { fill: #f3f5f7; }
svg .alarm { fill: #d0202a; stroke: none; }
svg .ytick { font-size: 10px; fill: #59636e; text-anchor: end; dominant-baseline: middle; }
svg .xtick { font-size: 10px; fill: #59636e; text-anchor: middle; }
svg .ptitle { font-size: 12px; font-weight: 600; fill: #1d2329; }
.legend span { display: inline-block; margin-right: 14px; }
.legend i { display: inline-block; width: 14px; height: 10px; margin-right: 4px; vertical-align: -1px; }
svg .zone { font-size: 10px; fill: #59636e; text-anchor: end; }
svg .cursor { stroke: #1d2329; stroke-width: 0.8; stroke-dasharray: 2 2; pointer-events: none; }
svg .sel { fill: #1f5fa8; fill-opacity: 0.15; pointer-events: none; }
svg.plot[data-plot] { cursor: crosshair; user-select: none; }
.zoombar { position: sticky; top: 0; background: #fff; padding: 6px 0; z-index: 2; color: #4a5560; font-size: 12px; }
.zoombar:empty { display: none; }
.zoombar button { margin-right: 8px; font: inherit; }
.tip { position: absolute; display: none; background: #1d2329; color: #fff; font-size: 12px; padding: 2px 6px; border-radius: 3px; pointer-events: none; z-index: 3; white-space: nowrap; }
details { margin: 6px 0; }
summary { cursor: pointer; font-weight: 600; }
table.episodes td { white-space: nowrap; }
td.fa { color: #a3222a; }
footer { margin-top: 32px; color: #8a939c; font-size: 12px; }
`;

/**
 * The document. `script` (the zoom script) and `data` (its JSON element, zoom_data.ts) go at
 * the end of the body, after the plots they work on; a bar for its buttons sits above the sections.
 */
export function page(title: string, intro: string, sections: Section[], footer: string, script?: { code: string; data: string }): string {
  const nav = sections.map((s) => `<a href="#${esc(s.id)}">${esc(s.title)}</a>`).join(' · ');
  const body = sections.map((s) => `<section id="${esc(s.id)}">\n<h2>${esc(s.title)}</h2>\n${s.html}\n</section>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${esc(title)}</h1>
${intro}
<p class="note">${nav}</p>
${script ? '<div class="zoombar"></div>' : ''}
${body}
<footer>${footer}</footer>
${script ? `${script.data}\n<script>${script.code}</script>` : ''}
</body>
</html>
`;
}
