// Renames function imports of a WebAssembly module. The grammars of
// tree-sitter-wasms@0.1.13 were built against an older tree-sitter runtime:
// the bash scanner imports libc's `isalpha`, which web-tree-sitter@0.25 does not
// export, so every bash file whose scanner reaches it would fail to parse.
// Pointing the import at `iswalpha` (same i32 → i32 signature, same answer for
// ASCII) fixes that without touching the runtime.

const IMPORT_SECTION = 2;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Imports the grammars need that the runtime lacks, and what serves instead. */
export const GRAMMAR_IMPORT_SUBSTITUTES: ReadonlyMap<string, string> = new Map([['isalpha', 'iswalpha']]);

function readUnsigned(bytes: Uint8Array, offset: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (offset >= bytes.length) throw new Error('truncated LEB128');
    const byte = bytes[offset++];
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, offset];
    shift += 7;
  }
}

function writeUnsigned(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

function skipLimits(bytes: Uint8Array, offset: number): number {
  const flags = bytes[offset++];
  offset = readUnsigned(bytes, offset)[1];
  return flags & 1 ? readUnsigned(bytes, offset)[1] : offset;
}

/** Offset just past an import descriptor (function, table, memory, global or tag). */
function skipImportDescriptor(bytes: Uint8Array, offset: number): number {
  const kind = bytes[offset++];
  switch (kind) {
    case 0: return readUnsigned(bytes, offset)[1];
    case 1: return skipLimits(bytes, offset + 1);
    case 2: return skipLimits(bytes, offset);
    case 3: return offset + 2;
    case 4: return readUnsigned(bytes, offset + 1)[1];
    default: throw new Error(`unknown import kind ${kind}`);
  }
}

function rewriteImports(section: Uint8Array, renames: ReadonlyMap<string, string>): Uint8Array | null {
  const parts: Uint8Array[] = [];
  let [count, offset] = readUnsigned(section, 0);
  parts.push(section.subarray(0, offset));
  let renamed = false;
  for (; count > 0; count--) {
    const [moduleLength, moduleStart] = readUnsigned(section, offset);
    const moduleEnd = moduleStart + moduleLength;
    const [nameLength, nameStart] = readUnsigned(section, moduleEnd);
    const nameEnd = nameStart + nameLength;
    const descriptorEnd = skipImportDescriptor(section, nameEnd);
    const replacement = renames.get(decoder.decode(section.subarray(nameStart, nameEnd)));
    parts.push(section.subarray(offset, moduleEnd));
    if (replacement === undefined) {
      parts.push(section.subarray(moduleEnd, nameEnd));
    } else {
      const name = encoder.encode(replacement);
      parts.push(Uint8Array.from(writeUnsigned(name.length)), name);
      renamed = true;
    }
    parts.push(section.subarray(nameEnd, descriptorEnd));
    offset = descriptorEnd;
  }
  parts.push(section.subarray(offset));
  return renamed ? concat(parts) : null;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** The module with the named imports renamed; the input itself when nothing matched or it cannot be read. */
export function renameWasmImports(wasm: Uint8Array, renames: ReadonlyMap<string, string>): Uint8Array {
  try {
    let offset = 8; // magic + version
    while (offset < wasm.length) {
      const id = wasm[offset];
      const [size, contentStart] = readUnsigned(wasm, offset + 1);
      const contentEnd = contentStart + size;
      if (id === IMPORT_SECTION) {
        const content = rewriteImports(wasm.subarray(contentStart, contentEnd), renames);
        if (content === null) return wasm;
        return concat([
          wasm.subarray(0, offset),
          Uint8Array.from([IMPORT_SECTION, ...writeUnsigned(content.length)]),
          content,
          wasm.subarray(contentEnd),
        ]);
      }
      offset = contentEnd;
    }
  } catch {
    // A module this reader does not understand is loaded as it is.
  }
  return wasm;
}
