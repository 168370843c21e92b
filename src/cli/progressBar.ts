// A one-line progress display on stderr, only when stderr is a terminal.
import type { IndexProgress } from '../indexer/indexRepository.js';

const WIDTH = 24;

export function createIndexProgressBar(stream: NodeJS.WriteStream = process.stderr) {
  const started = Date.now();
  let lastDraw = 0;
  const enabled = stream.isTTY === true;
  return {
    update(progress: IndexProgress) {
      if (!enabled) return;
      const now = Date.now();
      if (now - lastDraw < 100 && progress.phase === 'indexing') return;
      lastDraw = now;
      const fraction = progress.filesTotal ? progress.filesDone / progress.filesTotal : 0;
      const filled = Math.round(fraction * WIDTH);
      const bar = '█'.repeat(filled) + '░'.repeat(WIDTH - filled);
      const seconds = ((now - started) / 1000).toFixed(1);
      stream.write(
        `\r\x1b[K${progress.phase.padEnd(10)} ${bar} ${progress.filesDone}/${progress.filesTotal} files · ${progress.chunksWritten} chunks · ${seconds}s`,
      );
    },
    done() {
      if (enabled) stream.write('\r\x1b[K');
    },
  };
}

/** Backup and restore: the table being copied and its rows, on one line, only on a terminal. */
export function createSnapshotProgress(verb: string, stream: NodeJS.WriteStream = process.stderr) {
  const started = Date.now();
  let lastDraw = 0;
  const enabled = stream.isTTY === true;
  return {
    update(progress: { table: string; rowsDone: number; rowsTotal: number }) {
      if (!enabled) return;
      const now = Date.now();
      if (now - lastDraw < 100 && progress.rowsDone < progress.rowsTotal) return;
      lastDraw = now;
      const fraction = progress.rowsTotal ? progress.rowsDone / progress.rowsTotal : 1;
      const filled = Math.round(fraction * WIDTH);
      const seconds = ((now - started) / 1000).toFixed(1);
      stream.write(`\r\x1b[K${verb.padEnd(10)} ${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)} ${progress.table} ${progress.rowsDone}/${progress.rowsTotal} rows · ${seconds}s`);
    },
    done() {
      if (enabled) stream.write('\r\x1b[K');
    },
  };
}
