// The report in headless Chromium: the page is not blank, its zoom script runs without a console
// error, the alarm table has its rows, and a zoom (a #rows=A-B link, as the episode table's)
// redraws the plots over those rows: another line, ticks inside the range, spans moved; a drag
// across a plot (mouse events dispatched by a script appended to a copy) zooms, a hover names the row.
// Skipped, saying why, where no Chromium is installed.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { writeReport } from '../../tools/report';
import { dumpDom, findChromium, NO_CHROMIUM } from './chromium';
import { sampleReportInput } from './sample';

const attr = (tag: string, name: string): string | undefined => new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1];
const firstPlot = (dom: string): string => dom.match(/<svg[^>]*data-plot="0"[\s\S]*?<\/svg>/)![0];
const lineOf = (svg: string): string => attr(svg.match(/<path[^>]*class="line"[^>]*>/)![0], 'd')!;
const ticksOf = (svg: string): string[] => [...svg.matchAll(/class="xtick"[^>]*>([^<]*)</g)].map((m) => m[1]);

describe('HTML report in headless Chromium: script, alarm table, zoom', function () {
  this.timeout(120000);
  const chromium = findChromium();
  let dir = '';
  let page = '';
  before(function () {
    if (!chromium) {
      console.log(`      ${NO_CHROMIUM}`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'vigil-browser-'));
    page = writeReport(dir, sampleReportInput());
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('renders the page, runs the script without console errors, and shows the alarm table', () => {
    const { dom, console: logged } = dumpDom(chromium!, page);
    assert.deepEqual(logged, [], 'nothing on the console');
    const body = dom.match(/<body[^>]*>/)![0];
    assert.equal(attr(body, 'data-zoom'), 'ready', 'the script ran to its end');
    assert.equal(attr(body, 'data-view'), '0-6000', 'the whole series in view');
    assert.ok(dom.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, '').trim().length > 1000, 'text on the page');
    const rows = [...dom.matchAll(/<tr data-start="(\d+)" data-end="(\d+)">[\s\S]*?<\/tr>/g)];
    assert.deepEqual(rows.map((r) => [+r[1], +r[2]]), [[1550, 1800], [3000, 3001]]);
    assert.match(rows[0][0], />A1<\/td><\/tr>$/);
    assert.match(rows[1][0], />false alarm<\/td><\/tr>$/);
    assert.match(dom, /<button type="button">zoom out<\/button><button type="button">reset zoom<\/button>/);
  });

  it('zooms to #rows=A-B: the plotted range, the line, the ticks and the spans follow', () => {
    const full = dumpDom(chromium!, page).dom;
    const { dom, console: logged } = dumpDom(chromium!, page, '#rows=1500-1900');
    assert.deepEqual(logged, []);
    assert.equal(attr(dom.match(/<body[^>]*>/)![0], 'data-view'), '1500-1900');
    const [before, after] = [firstPlot(full), firstPlot(dom)];
    assert.notEqual(lineOf(after), lineOf(before), 'the line is redrawn');
    // Rows are 1 s from 2024-01-01 00:00 UTC: rows 1500-1900 are 00:25:00-00:31:40.
    const ticks = ticksOf(after);
    assert.ok(ticks.length >= 3, ticks.join(' | '));
    for (const t of ticks) assert.ok(t >= '2024-01-01 00:25' && t <= '2024-01-01 00:31:40', `tick ${t} outside the zoomed range`);
    assert.ok(ticksOf(before).some((t) => t > '2024-01-01 01:00'), 'unzoomed ticks span the hours');
    // A1 spans rows 1500-1800, three quarters of the view from its left edge: x = 62 + 0.75 * 1126.
    const a1 = after.match(/<rect[^>]*class="span attack"[^>]*>/)![0];
    assert.equal(Math.round(+attr(a1, 'x')!), 62);
    assert.equal(Math.round(+attr(a1, 'width')!), Math.round(0.75 * 1126));
    const a2 = after.match(/<rect[^>]*class="span stealthy"[^>]*>/)![0];
    assert.match(a2, /style="display: none;"/, 'A2 (rows 4000-4600) is out of view');
  });

  it('zooms by a drag across a plot, and a hover shows the time, row and value', () => {
    // The first plot's x axis: 62 px margin, 1126 px wide, rows 0-6000. Drag from a quarter to a half.
    const drive = `<script>
      var s = document.querySelector('svg.plot[data-plot]'), r = s.getBoundingClientRect();
      function at(f) { return r.left + (62 + 1126 * f) * r.width / 1200; }
      function ev(target, type, f) { target.dispatchEvent(new MouseEvent(type, { clientX: at(f), clientY: r.top + 60, bubbles: true })); }
      ev(s, 'mousedown', 0.25); ev(s, 'mousemove', 0.5); ev(window, 'mouseup', 0.5);
      ev(s, 'mousemove', 0.5);
    </script>`;
    const copy = join(dir, 'driven.html');
    writeFileSync(copy, readFileSync(page, 'utf8').replace('</body>', `${drive}\n</body>`));
    const { dom, console: logged } = dumpDom(chromium!, copy);
    assert.deepEqual(logged, []);
    // Rows 1500-3000, give or take the pixel a mouse event's clientX is rounded to (5.3 rows at 6000 rows in 1126 px).
    const [from, to] = attr(dom.match(/<body[^>]*>/)![0], 'data-view')!.split('-').map(Number);
    assert.ok(Math.abs(from - 1500) <= 6 && Math.abs(to - 3001) <= 6, `view ${from}-${to}`);
    // After the zoom the pointer at the middle of the plot is row (from + to) / 2, about 2250 (00:37:30 at 1 s a row);
    // its value is the min to max of the two rows one stored point holds (6000 rows in 4000 points: 2 a point).
    const tip = dom.match(/<div class="tip" style="display: block;[^"]*">(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC · row (\d+) · [\d.e+-]+ to [\d.e+-]+<\/div>/);
    assert.ok(tip, 'the tooltip shows');
    assert.ok(Math.abs(+tip[2] - (from + to) / 2) <= 2, `tooltip row ${tip[2]}`);
    assert.equal(tip[1], new Date(Date.UTC(2024, 0, 1) + +tip[2] * 1000).toISOString().slice(0, 19).replace('T', ' '), 'its time is its row\'s');
  });
});

