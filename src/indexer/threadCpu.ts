// CPU time of the calling thread, for the index's stage profile: stages run on
// different threads (preparation workers, the main thread), and wall time on a
// busy 2-core machine counts the time a thread waited for a core. Linux gives
// each thread's time on a CPU in nanoseconds (/proc/thread-self/schedstat, its
// first field); elsewhere there is no per-thread clock in Node 20, and the
// stage CPU times are left out.
import { closeSync, openSync, readSync } from 'node:fs';

let handle: number | null | undefined;
const buffer = Buffer.alloc(96);

/** Milliseconds this thread has run on a CPU, or null where the system does not say. */
export function threadCpuMs(): number | null {
  if (handle === undefined) {
    try {
      handle = openSync('/proc/thread-self/schedstat', 'r');
    } catch {
      handle = null;
    }
  }
  if (handle === null) return null;
  try {
    // Read again from the start: the file is regenerated on every read.
    const length = readSync(handle, buffer, 0, buffer.length, 0);
    const nanoseconds = Number(buffer.toString('latin1', 0, length).split(' ', 1)[0]);
    return Number.isFinite(nanoseconds) ? nanoseconds / 1e6 : null;
  } catch {
    closeSync(handle);
    handle = null;
    return null;
  }
}
