// What the bundle fuzz found, one mutant each (with its seed and index where quoted), kept
// as direct edits so a change to the mutation engine does not lose them. Each failed before its
// fix: a bare TypeError or SyntaxError, a message echoing 1 MB, a hang, or a silent result.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadDetector } from '../../lib/detect/detector_bundle';
import { decodeBundle, encodeBundle, encodeSigned, loadBundle, type LoadedBundle } from '../../lib/io/bundle';
import { decodeSafetensors } from '../../lib/io/safetensors';
import { series } from '../detect/detector_fixture';
import { makeBases } from './fuzz/bases';
import { scoreFile } from './fuzz/judge';

describe('reliability: what the bundle fuzz found', function () {
  this.timeout(120000);
  let dir: string;
  const base: Record<string, string> = {};
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-fuzz-found-'));
    Object.assign(base, await makeBases(dir));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  let n = 0;
  const write = (bytes: Buffer) => {
    const path = join(dir, `m${n++}.vigil`);
    writeFileSync(path, bytes);
    return path;
  };
  const signed = (kind: string, edit: (b: LoadedBundle) => void) => {
    const b = loadBundle(base[kind]);
    edit(b);
    return write(encodeBundle({ kind: b.kind, config: b.config, sections: b.sections, tensors: b.tensors }));
  };
  const raw = (kind: string, key: string, text: string) => {
    const f = decodeSafetensors(encodeBundle(decodeBundle(readFileSync(base[kind]))));
    const md = { ...f.metadata };
    delete md.checksum;
    md[key] = text;
    return write(encodeSigned(md, f.tensors));
  };
  const refuses = (path: string, why: RegExp) =>
    assert.throws(() => loadDetector(path), (e: Error) => e.message.startsWith(`model bundle ${path}: `) && why.test(e.message) && e.message.length < 600);

  const CASES: [string, () => string, RegExp][] = [
    ['a section that is not JSON (a bare SyntaxError)', () => raw('lstm-ae', 'threshold', '{"value": NaN}'), /section "threshold" is not valid JSON/],
    ['a 1 MB string section is quoted cut (seed 1 #79)', () => raw('dc-vae', 'threshold', JSON.stringify('a'.repeat(1 << 20))), /threshold must be an object .*\.\.\. \(\d+ characters\)$/],
    ['a config of null (TypeError: reading inputs)', () => raw('lstm-ae', 'config', 'null'), /config must be an object, not null/],
    ['lstm-ae encoder of null (TypeError: reading length)', () => signed('lstm-ae', (b) => (b.config.encoder = null)), /config: lstm-ae: encoder must be a list of one or more positive integers, got null/],
    ['lstm-ae bnMomentum {} (loaded, then a native TypeError)', () => signed('lstm-ae', (b) => (b.config.bnMomentum = {})), /config: lstm-ae: bnMomentum must be a number in \[0, 1\]/],
    ['dc-vae bnEps "12" (loaded, then a native TypeError)', () => signed('dc-vae', (b) => (b.config.bnEps = '12')), /config: DcVae: bnEps must be a finite number >= 0, got "12"/],
    ['dc-vae varianceFloor -Infinity, stored as null (scored differently)', () => signed('dc-vae', (b) => (b.config.varianceFloor = -Infinity)), /varianceFloor must be >= 0 and finite, got null/],
    ['dc-vae latentDilation 1e308 (a native error at scoring)', () => signed('dc-vae', (b) => (b.config.latentDilation = 1e308)), /latentDilation must be a positive 32-bit integer/],
    ['dc-vae 10,000 encoder layers (seed 1 #2565: a hang)', () => signed('dc-vae', (b) => (b.config.encoder = Array(10000).fill(b.config.encoder[0]))), /config\.encoder has 10000 entries, more than the \d+ tensors stored/],
    ['a scaler column renamed (loaded, then TypeError: cut.replace)', () => signed('lstm-ae', (b) => (b.sections.scaler.columns[0] = 1)), /scaler\.columns \[1,"b","c","d"\] are not schema\.columns/],
    ['a schema column renamed (loaded, then refused every series)', () => signed('lstm-ae', (b) => (b.sections.schema.columns[1] = '12')), /are not schema\.columns \["a","12","c","d"\]/],
    ['alpha.up of {} (loaded, then TypeError: a.up.map)', () => signed('dc-vae-alpha', (b) => (b.sections.alpha.up = {})), /alpha\.up must hold 4 numbers >= 0 \(or null: no bound\)/],
    ['an alpha section of null (scored by the threshold instead)', () => raw('dc-vae-alpha', 'alpha', 'null'), /alpha must be an object/],
    ['a tensor shape dropped from the header (TypeError: reading reduce)', () => {
      const buf = readFileSync(base['lstm-ae']);
      const len = Number(buf.readBigUInt64LE(0));
      const header = JSON.parse(buf.subarray(8, 8 + len).toString());
      delete header['out.bias'].shape;
      const json = Buffer.from(JSON.stringify(header));
      const prefix = Buffer.alloc(8);
      prefix.writeBigUInt64LE(BigInt(json.length));
      return write(Buffer.concat([prefix, json, buf.subarray(8 + len)]));
    }, /tensor "out\.bias" has shape undefined, not a list of at most 8 sizes/],
    ['a dc-vae encoder layer of null (seed 18 #356: config: Cannot read properties of null)', () => signed('dc-vae', (b) => (b.config.encoder[1] = null)), /config: DcVae: encoder\[1\] must be \{ units, dilation \}, got null/],
    ['sa-dvcrae measure 3 (seed 3 #874: loaded, then a matrix series error)', () => signed('sa-dvcrae', (b) => (b.config.measure = 3)), /config: sa-dvcrae: measure must be one of inner-product, pearson, student-t, got 3/],
    ['sa-dvcrae measure dropped (seed 3 #1719: scored as inner-product)', () => signed('sa-dvcrae', (b) => delete b.config.measure), /config: sa-dvcrae: measure must be one of .*, got undefined/],
    ['staead measure dropped (scored as inner-product)', () => signed('staead', (b) => delete b.config.measure), /config: staead: measure must be one of .*, got undefined/],
    ['staead padTo 2^31 (seed 1 #2471: loaded, then RangeError at scoring)', () => signed('staead', (b) => (b.config.padTo = 2 ** 31)), /config: staead: padTo 2147483648 is more than 8 x 4, the smallest side for 4 inputs/],
    ['alad slope dropped (seed 3 #1924: scored with no slope)', () => signed('alad', (b) => delete b.config.slope), /config: alad: slope must be a finite number >= 0, got undefined/],
    ['an alad scaler column renamed (seed 4 #231: loaded, then TypeError: cut.replace)', () => signed('alad', (b) => (b.sections.scaler.columns[4] = -1)), /scaler\.columns \["duration","bytes","proto=icmp","proto=tcp",-1,.* are not schema\.columns/],
  ];
  for (const [what, make, why] of CASES) it(`refuses ${what}`, () => refuses(make(), why));

  it('the alpha rule: a finite weight whose score overflows float32 stops scoring, naming the row (seed 1 #39)', async () => {
    const path = signed('dc-vae-alpha', (b) => (b.tensors.get('dec_bn0.bias')!.data[0] = -3e38));
    await assert.rejects(scoreFile(path, series(60)), /the score at row 11 \(0-based\) is Infinity/);
  });
});
