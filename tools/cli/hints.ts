// Library errors in the words of the command line: lib names its options as the API spells
// them (`onBadValue`, `include`, `label`); a CLI user can act only on flags, so the CLI rewrites
// those hints into the flag that does the same (or says what to do where no flag does).
import { DataError, SchemaError } from '../../lib/data/errors';
import { parseTimestamp } from '../../lib/data/timestamps';
import { parseLabel } from '../../lib/data/values';

const BAD_VALUE = "(onBadValue is 'error'; 'ffill' would copy the previous row's value)";

/** The message of `e` with its API-worded hints replaced by CLI flags. */
export function cliMessage(e: Error): string {
  let m = e.message;
  if (e instanceof SchemaError) m = m.replace(/ \(read the data with `include` set to[^)]*\)$/, schemaHint(e));
  if (e instanceof DataError && m.endsWith(BAD_VALUE)) m = m.slice(0, -BAD_VALUE.length) + badValueHint(e);
  return m
    .replace("onBadValue 'ffill' has no previous value", '--on-bad-value ffill has no previous value')
    .replace("strictly increasing; timestampOrder 'nondecreasing' allows repeats", 'strictly increasing; a repeated time usually means duplicated rows')
    .replace('(name it with `label`)', '(name it with --label <column>)');
}

/** A text cell in a numeric column: most often a column the reader was not told about. */
function badValueHint(e: DataError): string {
  const text = (e.found ?? '').trim();
  const column = e.column ?? '<column>';
  if (text && parseTimestamp(text)) return `(it reads as a time: name the timestamp column with --timestamp ${column})`;
  if (text && parseLabel(text) >= 0) return `(it reads as a label: name the label column with --label ${column})`;
  return "(--on-bad-value ffill would copy the previous row's value)";
}

function schemaHint(e: SchemaError): string {
  if (e.unexpected.length) {
    const cols = e.unexpected.join(',');
    return ` (leave them out with --exclude ${cols}; a label or time column is named with --label or --timestamp instead)`;
  }
  return ' (write the columns in the order the model was trained on)';
}
