/**
 * Turns text into vectors for semantic search. Every provider (the offline word
 * vectors, and later Ollama / OpenAI / ONNX) sits behind this one interface.
 */
export interface Embedder {
  /**
   * Model id recorded by each project, e.g. 'word-vectors-sg-100d@1'. Vectors from
   * different ids must never be compared: a provider changes its id whenever its
   * output changes.
   */
  readonly id: string;
  readonly dimensions: number;
  /**
   * True when each vector costs a network call or a model run, so vectors are
   * worth keeping in the store's shared cache. The offline word vectors are
   * cheaper to recompute than to look up.
   */
  readonly costly?: boolean;
  /** Embeds code chunks; one unit-length vector per text, in order. */
  embedDocuments(texts: string[]): Promise<Float32Array[]>;
  /** Embeds a natural-language or identifier query; unit length. */
  embedQuery(text: string): Promise<Float32Array>;
}
