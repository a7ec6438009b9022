// A small synthetic plant for the packaging test's programs: three coupled sinusoids with noise
// from a seeded generator, as CSV text with a timestamp column.
function series(rows, seed) {
  let state = 0x9e3779b9 ^ seed;
  const noise = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
  const lines = ['time,flow,level,pump'];
  const t0 = Date.UTC(2026, 0, 1);
  for (let r = 0; r < rows; r++) {
    const phase = (r / 24) * 2 * Math.PI;
    const flow = Math.sin(phase) + 0.05 * noise();
    const level = Math.cos(phase) + 0.05 * noise();
    const pump = flow > 0 ? 1 : 0;
    lines.push(`${new Date(t0 + r * 1000).toISOString()},${flow.toFixed(4)},${level.toFixed(4)},${pump}`);
  }
  return lines.join('\n') + '\n';
}
module.exports = { series };
