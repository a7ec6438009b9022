// What the packaging test's user programs do with the package, given its exports (from require in
// app_cjs.cjs, from import in app_esm.mjs): train a tiny detector on a synthetic series, save and
// load it, score new rows as a batch and as a stream. Prints one JSON line the test reads.
const { writeFileSync } = require('node:fs');
const { series } = require('./series.cjs');

async function trainAndScore({ data, pipeline, detect }, tag) {
  writeFileSync('train.csv', series(600, 0));
  writeFileSync('today.csv', series(200, 1));
  const normal = await data.loadSeries({ path: 'train.csv', timestamp: 'time' }, 'train');
  const fitted = await pipeline.fitDetector(normal, {
    kind: 'lstm-ae', config: { window: 12, encoder: [8], latent: 4, decoderDense: 8, decoder: [8] }, epochs: 2, validation: 0.25, seed: 0,
  });
  pipeline.saveFitted(`${tag}.vigil`, fitted);
  fitted.model.dispose();

  const det = await detect.Detector.load(`${tag}.vigil`, { backend: 'native' });
  const today = await data.loadSeries({ path: 'today.csv', timestamp: 'time' }, 'test');
  const rows = [];
  const c = today.columns.length;
  for (let r = 0; r < today.rows; r++) rows.push(Array.from(today.data.subarray(r * c, (r + 1) * c)));
  const batch = await det.scoreBatch(rows);
  const stream = det.stream();
  let same = 0;
  let scored = 0;
  for (let r = 0; r < rows.length; r++) {
    const s = stream.pushSync(rows[r]);
    if (!s.ready) continue;
    scored++;
    if (s.score === batch[r].score) same++;
  }
  await det.dispose();
  const sum = batch.reduce((a, r) => a + (r.ready ? r.score : 0), 0);
  console.log(JSON.stringify({ tag, scored, same, rows: rows.length, sum }));
}

module.exports = { trainAndScore };
