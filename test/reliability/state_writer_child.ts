// Writes the service's state file over and over (states that grow each time) until killed;
// prints "writing" once the first write is done so the parent knows when to start killing.
import { writeStates } from '../../examples/service/state';

const path = process.argv[2];
let n = 0;
for (;;) {
  const states: Record<string, { seen: number; rows: number[] }> = {};
  for (let s = 0; s < 50; s++) states[`pump-${s}`] = { seen: n, rows: Array.from({ length: 200 + (n % 97) }, (_, i) => i * n) };
  writeStates(path, states as never);
  if (n++ === 0) process.stdout.write('writing\n');
}
