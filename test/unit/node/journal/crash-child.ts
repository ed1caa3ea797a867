/**
 * Child process of the crash test (group-commit.test.ts): appends inputs of 10 events to the journal
 * at argv[2] with group commit, forever, and calls the host's `commit()` every 7th input, writing
 * `C <last seq>` to stdout only after that commit has returned. The parent SIGKILLs it mid-stream.
 */
import { writeSync } from 'node:fs';
import type { EngineEvent } from '../../../../engine/core/events';
import { Journal } from '../../../../engine/node/journal/journal';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: crash-child <journal path>');
const j = new Journal({ path, groupCommit: { maxEvents: 1_000, maxDelayMs: 50 } });
let seq = 0;
for (let input = 1; ; input++) {
  j.batch(() => {
    for (let k = 0; k < 10; k++) {
      seq++;
      j.append({ id: seq, type: 'OrderAccepted', tsEvent: seq, tsInit: seq, clientOrderId: `C-${input}`, venueOrderId: `V-${seq}` } as EngineEvent);
    }
  });
  if (input % 7 === 0) {
    j.commit();
    writeSync(1, `C ${seq}\n`);
  }
}
