// Where an entity's own bundle lives in a directory of per-entity bundles (`vigil serve
// --bundles`, the training queue's output). Entity names are free text on the wire, so the file
// name is an escaped form: letters, digits, _ and - stay, a '.' stays unless it leads (no "." or
// ".." names, no hidden files), every other UTF-8 byte becomes %XX. No '/' or '\' survives, so
// the path cannot leave the directory; the mapping is one-to-one, so two entities never share a file.
import { join } from 'node:path';

/** The extension of a bundle file. */
export const BUNDLE_EXT = '.vigil';
/** Most file systems cap a name at 255 bytes; the extension needs 6 of them. */
const MAX_NAME_BYTES = 249;

/** The file name (without directory) of entity's bundle; throws on an empty or too long name. */
export function bundleFileName(entity: string): string {
  if (entity.length === 0) throw new Error('an entity name must not be empty');
  let name = '';
  for (const b of Buffer.from(entity, 'utf8')) {
    const c = String.fromCharCode(b);
    const keep = /[A-Za-z0-9_-]/.test(c) || (c === '.' && name.length > 0);
    name += keep ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  if (name.length > MAX_NAME_BYTES)
    throw new Error(`the entity name "${entity.slice(0, 40)}..." is too long for a bundle file name (${name.length} bytes escaped, at most ${MAX_NAME_BYTES})`);
  return name + BUNDLE_EXT;
}

/** The path of entity's bundle in dir. */
export function bundlePath(dir: string, entity: string): string {
  return join(dir, bundleFileName(entity));
}

/** The entity a bundle file name belongs to, or undefined when the name is not one bundleFileName writes. */
export function entityOfBundleFile(file: string): string | undefined {
  if (!file.endsWith(BUNDLE_EXT)) return undefined;
  const stem = file.slice(0, -BUNDLE_EXT.length);
  if (!/^(?:[A-Za-z0-9_-]|%[0-9A-F]{2})(?:[A-Za-z0-9_.-]|%[0-9A-F]{2})*$/.test(stem)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < stem.length; i++) {
    if (stem[i] === '%') {
      bytes.push(parseInt(stem.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(stem.charCodeAt(i));
  }
  const entity = Buffer.from(bytes).toString('utf8');
  // only the canonical escape decodes: "%41" (an escaped 'A') or invalid UTF-8 is not one of ours
  return bundleFileName(entity) === file ? entity : undefined;
}
