// Chooses and builds the embedder from settings (src/embed/embedderSettings.ts):
// the offline code-search model (the default), the offline word vectors,
// Ollama, an OpenAI-compatible API, or a local ONNX model.

import { join } from 'node:path';
import { CODE_SEARCH_EMBEDDER_ID, loadCodeSearchEmbedder, readCodeSearchModelId } from './codeSearch/codeSearchEmbedder.js';
import type { Embedder } from './embedder.js';
import { parseEmbedderSettings, type EmbedderSettings } from './embedderSettings.js';
import type { RetryNotice } from './embeddingHttp.js';
import { createOllamaEmbedder, OLLAMA_DEFAULTS, ollamaEmbedderId } from './ollamaEmbedder.js';
import { createOpenAiEmbedder, openAiEmbedderId } from './openaiEmbedder.js';
import { createTransformersEmbedder, transformersEmbedderId } from './transformersEmbedder.js';
import { loadWordVectorEmbedder, WORD_VECTOR_EMBEDDER_ID } from './wordVectorEmbedder.js';

export * from './embedderSettings.js';

/** What the process supplies beyond the settings. */
export interface EmbedderRuntime {
  /** The product's cache directory: ONNX models downloaded from the hub go under it. */
  cacheDir?: string;
  /** Told about every retry of an embedding request (for logging). */
  onRetry?: (notice: RetryNotice) => void;
}

/** Builds the configured embedder; remote providers are contacted once to learn their dimension. */
export async function createEmbedder(settings: EmbedderSettings, runtime: EmbedderRuntime = {}): Promise<Embedder> {
  const checked = parseEmbedderSettings(settings);
  switch (checked.provider) {
    case 'word-vectors':
      return loadWordVectorEmbedder({ cacheFile: checked.cacheFile });
    case 'code-search':
      return loadCodeSearchEmbedder({ modelFile: checked.modelFile });
    case 'ollama': {
      const { provider: _, ...options } = checked;
      return createOllamaEmbedder({ ...options, onRetry: runtime.onRetry });
    }
    case 'openai': {
      const { provider: _, ...options } = checked;
      return createOpenAiEmbedder({ ...options, onRetry: runtime.onRetry });
    }
    case 'transformers': {
      const { provider: _, ...options } = checked;
      const cacheDir = options.cacheDir ?? (runtime.cacheDir ? join(runtime.cacheDir, 'transformers') : undefined);
      return createTransformersEmbedder({ ...options, cacheDir });
    }
  }
}

/**
 * The id the configured embedder will have, without loading it or calling a
 * server: enough to compare with a project's recorded model.
 */
export function embedderIdFor(settings: EmbedderSettings): string {
  switch (settings.provider) {
    case 'word-vectors':
      return WORD_VECTOR_EMBEDDER_ID;
    case 'code-search':
      return settings.modelFile ? readCodeSearchModelId(settings.modelFile) : CODE_SEARCH_EMBEDDER_ID;
    case 'ollama':
      return ollamaEmbedderId(settings.model ?? OLLAMA_DEFAULTS.model);
    case 'openai':
      return openAiEmbedderId(settings.model, settings.dimensions);
    case 'transformers':
      return transformersEmbedderId(settings);
  }
}
