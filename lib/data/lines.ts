// Streams a text file (plain or .gz) as batches of lines, a chunk at a time, so a file of any
// size is never held whole in memory: at most one ~1 MiB chunk and its lines are alive.
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

import { DataError } from './errors';

const CHUNK = 1 << 20;

/**
 * Yields the file's lines in order, in batches (one per chunk read). Line ends (\n, \r\n, or a
 * lone \r in files whose first chunk has no \n: old Mac exports) and a leading UTF-8
 * byte-order mark are removed. A last line without a newline is yielded; the empty "line"
 * after a final newline is not. Breaking out of the loop closes the file. A .gz file that is
 * not valid gzip is a DataError naming the file.
 */
export async function* lineBatches(path: string): AsyncGenerator<string[]> {
  const file = createReadStream(path, { highWaterMark: CHUNK });
  let stream: Readable = file;
  if (path.endsWith('.gz')) {
    const gunzip = createGunzip({ chunkSize: CHUNK });
    file.on('error', (e) => gunzip.destroy(e));
    stream = file.pipe(gunzip);
  }
  stream.setEncoding('utf8'); // decodes characters split across chunk boundaries correctly
  let carry = '';
  let first = true;
  let end = '\n';
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      if (first && carry === '' && chunk.indexOf('\n') < 0 && chunk.indexOf('\r') >= 0) end = '\r';
      const lines = (carry + chunk).split(end);
      carry = lines.pop()!;
      if (first && lines.length > 0) {
        if (lines[0].charCodeAt(0) === 0xfeff) lines[0] = lines[0].slice(1);
        first = false;
      }
      stripCr(lines);
      yield lines;
    }
    if (carry !== '') {
      const last = [first && carry.charCodeAt(0) === 0xfeff ? carry.slice(1) : carry];
      stripCr(last);
      yield last;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code?.startsWith('Z_')) throw new DataError(`not a valid gzip file (${(e as Error).message})`, { file: path });
    throw e;
  } finally {
    stream.destroy();
    file.destroy();
  }
}

function stripCr(lines: string[]): void {
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
  }
}

/** The first `n` lines of a file (fewer when it is shorter); reads only what it needs. */
export async function firstLines(path: string, n: number): Promise<string[]> {
  const out: string[] = [];
  if (n <= 0) return out;
  for await (const batch of lineBatches(path)) {
    for (const line of batch) {
      out.push(line);
      if (out.length >= n) return out;
    }
  }
  return out;
}
