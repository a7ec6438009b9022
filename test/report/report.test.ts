// The HTML report writer: the page has its sections, every inline SVG is well-formed XML with
// finite coordinates, nothing is fetched from outside (the only scripts are inline), the min/max
// downsampling keeps a one-step spike, and (where Chromium is installed) the page renders to a
// non-blank screenshot. The zoom script in a browser: browser.test.ts.
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { attackResults, missedAttacks, renderReport, writeReport } from '../../tools/report';
import { linePlot, minMaxBuckets } from '../../tools/report/svg';
import { findChromium, NO_CHROMIUM, screenshot } from './chromium';
import { readPng } from './png';
import { sampleReportInput } from './sample';

/**
 * Checks that `xml` is one well-formed element: tags nest and close, attribute values are
 * quoted, text holds only the predefined entities or character references. Returns the tags.
 */
export function checkXml(xml: string): string[] {
  const tag = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>/y;
  const text = /[^<]+/y;
  const stack: string[] = [];
  const seen: string[] = [];
  let i = 0;
  while (i < xml.length) {
    tag.lastIndex = text.lastIndex = i;
    const m = tag.exec(xml);
    if (m) {
      const [all, close, name, , self] = m;
      if (close) {
        const open = stack.pop();
        if (open !== name) throw new Error(`</${name}> closes <${open}> at ${i}`);
      } else {
        seen.push(name);
        if (!self) stack.push(name);
      }
      if (!stack.length && i + all.length < xml.length) throw new Error(`content after the root element at ${i + all.length}`);
      i += all.length;
      continue;
    }
    const t = text.exec(xml);
    if (!t) throw new Error(`malformed markup at ${i}: ${JSON.stringify(xml.slice(i, i + 40))}`);
    const bad = t[0].match(/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[\da-fA-F]+);)/);
    if (bad) throw new Error(`bare & in text at ${i + bad.index!}`);
    i += t[0].length;
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('> <')}>`);
  return seen;
}

const svgs = (html: string): string[] => html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];

describe('HTML report', () => {
  const input = sampleReportInput();
  const html = renderReport(input);

  it('has the title, every section and a table row per scorer and per attack', () => {
    for (const id of ['evaluation', 'attacks', 'episodes', 'scores', 'series']) assert.match(html, new RegExp(`<section id="${id}">`), id);
    assert.match(html, /<title>Sample report<\/title>/);
    const evalTable = html.match(/<table class="eval">[\s\S]*?<\/table>/)![0];
    assert.match(evalTable, /VUS-PR \(L=100\)[\s\S]*AUC-PR[\s\S]*AUC-ROC[\s\S]*precision[\s\S]*point-adjusted F1/, 'threshold-free columns first, PA-F1 last');
    assert.match(evalTable, /<th colspan="1" class="diag">diagnostic only<\/th>/);
    assert.equal((evalTable.match(/<tr/g) ?? []).length, 2 + input.reports.length);
    const attacks = html.match(/<table class="attacks">[\s\S]*?<\/table>/)![0];
    assert.equal((attacks.match(/<tr/g) ?? []).length, 1 + input.attacks.length);
    assert.match(attacks, /A1<\/td><td class="l">sensor-constant<\/td><td class="l">LIT101<\/td><td>5.0 min<\/td><td class="l"><span class="yes">50 s<\/span> · <b>LIT101<\/b>/);
    assert.match(attacks, /A2 <span class="tag">stealthy<\/span>[\s\S]*missed/);
  });

  it('lists the alarm episodes: the attack caught, and the one-row spike as a false alarm', () => {
    // Rows 1550-1799 score about 0.17 (> 0.05) inside A1; row 3000 is the 0.3 spike; A2's rise stays under.
    const table = html.match(/<table class="episodes">[\s\S]*?<\/table>/)![0];
    const rows = [...table.matchAll(/<tr data-start="(\d+)" data-end="(\d+)">([\s\S]*?)<\/tr>/g)];
    assert.deepEqual(rows.map((r) => [+r[1], +r[2]]), [[1550, 1800], [3000, 3001]]);
    assert.match(rows[0][3], /2024-01-01 00:25:50<\/td><td class="l">2024-01-01 00:29:59<\/td><td>4\.2 min<\/td>/);
    assert.match(rows[0][3], /<td class="l"><b>LIT101<\/b>, [^]*<\/td><td class="l">A1<\/td>$/, 'the attacked channel first');
    assert.match(rows[1][3], /<td>1 s<\/td><td>0\.3<\/td>.*<td class="l fa">false alarm<\/td>$/);
    assert.match(html, /1 false alarms \(no labelled row in them\); labelled events with no episode: A2/);
  });

  it('plots every channel: the key ones in an open group, the rest collapsed by group', () => {
    assert.match(html, /<details open><summary>key channels \(1\)<\/summary>\n<svg[^>]*aria-label="LIT101 \(mm\)"/);
    assert.match(html, /<details><summary>stage 1 \(2; LIT101 above\)<\/summary>\n<svg[^>]*aria-label="FIT101 \(m3\/h\)"[\s\S]*aria-label="P101"/);
  });

  it('draws one well-formed SVG per score and per channel, with finite coordinates and shaded spans', () => {
    const plots = svgs(html);
    assert.equal(plots.length, input.runs.length + input.channels!.length);
    for (const svg of plots) {
      const tags = checkXml(svg);
      assert.ok(tags.includes('path') && tags.includes('rect'), 'a line and a frame');
      assert.doesNotMatch(svg, /NaN|undefined|Infinity/);
      for (const [, d] of svg.matchAll(/ d="([^"]*)"/g)) assert.match(d, /^(?:[MLvh]-?\d+(?:\.\d+)? ?(?:-?\d+(?:\.\d+)?)?z?)+$/, 'path data');
      assert.equal((svg.match(/class="span attack"/g) ?? []).length, 1);
      assert.equal((svg.match(/class="span stealthy"/g) ?? []).length, 1);
      assert.equal((svg.match(/class="span benign"/g) ?? []).length, 1);
    }
    assert.match(plots[0], /class="threshold"/);
    assert.match(plots[0], /class="alarm"/);
  });

  it('is self-contained: inline scripts only, no external resources', () => {
    assert.doesNotMatch(html, /<link|<img|<iframe|@import|url\(|src=|href="(?!#)/i);
    assert.deepEqual(html.match(/<script[^>]*>/g), ['<script type="application/json" id="vigil-plot-data">', '<script>']);
    assert.match(html, /^<!DOCTYPE html>/);
    const data = JSON.parse(html.match(/id="vigil-plot-data">([^<]*)<\/script>/)![1]);
    assert.equal(data.plots.length, 4, 'one score and three channels');
    assert.equal(data.every, 2, '6000 rows in at most 4000 points');
    assert.ok(html.length < 600_000, `${html.length} bytes for 6000 rows`);
  });

  it('keeps a one-step spike when downsampling (min/max per pixel column)', () => {
    const v = new Float32Array(100_000);
    v[54_321] = 9;
    const { min, max } = minMaxBuckets(v, 1000);
    assert.equal(max[543], 9);
    assert.equal(min[543], 0);
    assert.equal(max.filter((x) => x === 9).length, 1);
    const svg = linePlot({ title: 't', values: v, width: 1000 });
    checkXml(svg);
    assert.ok(svg.length < 40_000, `${svg.length} bytes for 100k points`);
  });

  it('escapes names', () => {
    const svg = linePlot({ title: 'a<b & "c"', values: [1, 2, 3], spans: [{ start: 0, end: 1, label: '<x>' }] });
    checkXml(svg);
    assert.match(svg, /a&lt;b &amp; &quot;c&quot;/);
  });
});

describe('per-attack detection', () => {
  const attacks = [
    { id: 'a1', kind: 'k', startRow: 2, endRow: 5, channels: ['x'], stealthy: false },
    { id: 'a2', kind: 'k', startRow: 7, endRow: 9, channels: ['y'], stealthy: false },
    { id: 'a3', kind: 'k', startRow: 9, endRow: 10, channels: ['x'], stealthy: true },
  ];
  //                       0  1  2  3  4  5  6  7  8  9
  const m1 = { name: 'm1', scores: [9, 0, 0, 0, 5, 9, 0, 0, 0, 0], threshold: 1,
    channelErrors: [0, 0, 0, 0, 0, 0, 0, 0, 1, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], channelScale: [1, 4] };
  const pca = { name: 'PCA', scores: [0, 0, 0, 0, 0, 0, 0, 0, 5, 0], threshold: 1 };
  const r = attackResults(attacks, [m1, pca], { columns: ['x', 'y'], stepSeconds: 10, detectors: ['m1'] });

  it('finds the first flagged row inside each attack, its delay and the blamed channels', () => {
    assert.deepEqual(r[0].detections[0], { model: 'm1', detectedAt: 4, delaySteps: 2, delaySeconds: 20, flaggedRows: 1, top: ['y', 'x'] });
    assert.equal(r[1].detections[0].detectedAt, null, 'row 5 is after a1 and before a2: no detection');
    assert.equal(r[1].detections[1].detectedAt, 8);
    assert.equal(r[0].detected, true);
  });

  it('counts only the named detectors, and exempts stealthy attacks from the check', () => {
    assert.equal(r[1].detected, false, 'PCA alone does not count');
    assert.deepEqual(missedAttacks(r).map((a) => a.id), ['a2']);
  });

  it('ranks attribution by error relative to the channel\'s normal error', () => {
    const s = attackResults([attacks[0]], [{ ...m1, channelErrors: [0, 0, 0, 0, 0, 0, 0, 0, 3, 8, 0, 0], scores: [0, 0, 0, 0, 5, 0], channelScale: [1, 4] }], { columns: ['x', 'y'] });
    assert.deepEqual(s[0].detections[0].top, ['x', 'y'], '3/1 > 8/4');
  });
});

describe('HTML report in a real browser', function () {
  this.timeout(60000);
  const chromium = findChromium();
  let dir: string;
  before(function () {
    if (!chromium) {
      console.log(`      ${NO_CHROMIUM}`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'vigil-report-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('renders to a screenshot with text, plots and shaded attack spans', () => {
    const page = writeReport(dir, sampleReportInput());
    const png = join(dir, 'shot.png');
    const err = screenshot(chromium!, page, png, 1400, 1600);
    assert.ok(existsSync(png), `no screenshot: ${err}`);
    const img = readPng(readFileSync(png));
    assert.equal(img.width, 1400);
    const colours = new Set<number>();
    let ink = 0, attackShade = 0, line = 0;
    for (let i = 0; i < img.width * img.height; i++) {
      const [R, G, B] = img.rgba.subarray(i * 4, i * 4 + 3);
      colours.add((R << 16) | (G << 8) | B);
      if (R + G + B < 600) ink++;
      if (R > 240 && G > 200 && G < 235 && B > 200 && B < 235) attackShade++; // #e8474f at 16% over white
      if (B > 140 && R < 80 && G < 130) line++; // the blue score line
    }
    assert.ok(colours.size > 500, `${colours.size} distinct colours`);
    assert.ok(ink > img.width * img.height * 0.01, `${ink} dark pixels`);
    assert.ok(attackShade > 500, `${attackShade} pixels of attack shading`);
    assert.ok(line > 200, `${line} pixels of the score line`);
  });
});
