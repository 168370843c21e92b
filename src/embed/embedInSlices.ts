// Embedding in-process is CPU work: a big batch is embedded in slices, with a
// turn of the event loop between them, so a server answers requests meanwhile.

export async function embedInSlices(
  texts: readonly string[],
  embedOne: (text: string) => Float32Array,
  sliceSize: number,
): Promise<Float32Array[]> {
  const vectors: Float32Array[] = [];
  for (const text of texts) {
    if (vectors.length > 0 && vectors.length % sliceSize === 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    vectors.push(embedOne(text));
  }
  return vectors;
}
