// Embeddings from a local ONNX model through @huggingface/transformers
// (transformers.js on onnxruntime-node). The library is an optional dependency,
// loaded only when this provider is chosen, so everything else works without
// it. A model directory on disk works fully offline; a Hugging Face model id is
// downloaded (and cached) where the network allows.

import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, resolve, sep } from 'node:path';
import { UserError } from '../errors/userError.js';
import { createConcurrencyLimiter } from './concurrencyLimiter.js';
import type { Embedder } from './embedder.js';
import { embedInBatches } from './embeddingBatches.js';
import { unitVectorFrom } from './providerVectors.js';
import { taskPrefixesFor, type TaskPrefixes } from './taskPrefixes.js';

export const TRANSFORMERS_PACKAGE = '@huggingface/transformers';

/** How to install the optional library (its onnxruntime postinstall would try a download outside npm). */
export const TRANSFORMERS_INSTALL_COMMAND = `ONNXRUNTIME_NODE_INSTALL=skip npm install ${TRANSFORMERS_PACKAGE}@4`;

export type TransformersDtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4';

export interface TransformersEmbedderOptions {
  /** A directory holding an ONNX export (config.json, tokenizer.json, onnx/model.onnx), or a Hugging Face model id. */
  model: string;
  /** Where downloaded models are cached (hub ids only). */
  cacheDir?: string;
  /** Which weights file: fp32 → onnx/model.onnx, q8 → onnx/model_quantized.onnx, … (default fp32). */
  dtype?: TransformersDtype;
  /** Texts per forward pass (default 16): they are padded to the longest of them. */
  batchSize?: number;
  /** How token vectors become one vector (default mean, what sentence-transformers models use). */
  pooling?: 'mean' | 'cls';
  /** Tests replace how the library is imported. */
  loadLibrary?: () => Promise<unknown>;
}

export const TRANSFORMERS_DEFAULTS = { batchSize: 16, pooling: 'mean', dtype: 'fp32' } as const;

// The slice of the library this module uses; it has no types here because it
// is not a dependency at build time.
interface TransformersLibrary {
  env: {
    allowRemoteModels: boolean;
    allowLocalModels: boolean;
    localModelPath: string;
    cacheDir: string | null;
  };
  pipeline(
    task: 'feature-extraction',
    model: string,
    options: { dtype?: string; local_files_only?: boolean },
  ): Promise<FeatureExtractor>;
}

type FeatureExtractor = ((
  texts: string[],
  options: { pooling: 'mean' | 'cls'; normalize: boolean },
) => Promise<{ dims: number[]; data: Float32Array }>) & { dispose?: () => Promise<void> };

interface ModelLocation {
  /** Id for `pipeline()`: a hub id, or the directory's name under `localModelPath`. */
  pipelineId: string;
  /** Name for the embedder id and messages. */
  name: string;
  localDirectory?: string;
}

/** `transformers:<model>`, plus the dtype and pooling when they are not the defaults (they change the vectors). */
export function transformersEmbedderId(options: Pick<TransformersEmbedderOptions, 'model' | 'dtype' | 'pooling'>): string {
  const name = looksLikePath(options.model) ? basename(expandHome(options.model)) : options.model;
  const dtype = options.dtype && options.dtype !== 'fp32' ? `@${options.dtype}` : '';
  const pooling = options.pooling === 'cls' ? '+cls' : '';
  return `transformers:${name}${dtype}${pooling}`;
}

// The library keeps its settings in one global `env`: loads take turns so
// each sees its own settings.
let loadQueue: Promise<unknown> = Promise.resolve();

export async function createTransformersEmbedder(options: TransformersEmbedderOptions): Promise<Embedder> {
  const location = await locateModel(options.model);
  const library = await importLibrary(options.loadLibrary);
  const load = loadQueue.then(() => loadPipeline(library, location, options));
  loadQueue = load.catch(() => undefined);
  const extractor = await load;

  const pooling = options.pooling ?? TRANSFORMERS_DEFAULTS.pooling;
  const provider = `ONNX model ${location.name}`;
  const probe = await runExtractor(extractor, ['dimension probe'], pooling, location.name);
  const dimensions = probe.dims[1] ?? 0;
  if (probe.dims.length !== 2 || dimensions === 0) {
    throw new UserError(
      'EMBEDDER_UNAVAILABLE',
      `${provider} produced output of shape [${probe.dims.join(', ')}], not one vector per text`,
      'Use a feature-extraction (sentence embedding) model.',
    );
  }
  return new TransformersEmbedder(
    transformersEmbedderId(options),
    dimensions,
    extractor,
    provider,
    location.name,
    pooling,
    taskPrefixesFor(location.name),
    options.batchSize ?? TRANSFORMERS_DEFAULTS.batchSize,
  );
}

class TransformersEmbedder implements Embedder {
  /** Each vector costs a model run: worth sharing across projects. */
  readonly costly = true;
  // One forward pass at a time: onnxruntime already uses every core for one.
  private readonly limit = createConcurrencyLimiter(1);

  constructor(
    readonly id: string,
    readonly dimensions: number,
    private readonly extractor: FeatureExtractor,
    private readonly provider: string,
    private readonly name: string,
    private readonly pooling: 'mean' | 'cls',
    private readonly prefixes: TaskPrefixes,
    private readonly batchSize: number,
  ) {}

  async embedDocuments(texts: string[]): Promise<Float32Array[]> {
    // Texts of similar length batch together, so little compute goes to padding.
    const order = texts.map((_, i) => i).sort((a, b) => texts[a].length - texts[b].length);
    const sorted = order.map((i) => this.prefixes.document + texts[i]);
    const vectors = await embedInBatches(sorted, { maxInputs: this.batchSize, maxChars: Infinity }, this.limit, (batch) =>
      this.embedBatch(batch),
    );
    const inOrder = new Array<Float32Array>(texts.length);
    order.forEach((original, position) => (inOrder[original] = vectors[position]));
    return inOrder;
  }

  async embedQuery(text: string): Promise<Float32Array> {
    // Through the limiter, but it waits for the running batch only (see embedInBatches).
    const [vector] = await this.limit(() => this.embedBatch([this.prefixes.query + text]));
    return vector;
  }

  private async embedBatch(batch: string[]): Promise<Float32Array[]> {
    const output = await runExtractor(this.extractor, batch, this.pooling, this.name);
    const dims = output.dims[1];
    return batch.map((_, row) =>
      unitVectorFrom(output.data.subarray(row * dims, (row + 1) * dims), this.dimensions, this.provider, row),
    );
  }
}

async function runExtractor(extractor: FeatureExtractor, texts: string[], pooling: 'mean' | 'cls', name: string) {
  try {
    return await extractor(texts, { pooling, normalize: true });
  } catch (error) {
    throw new UserError(
      'EMBEDDER_UNAVAILABLE',
      `The ONNX model ${name} failed to embed: ${(error as Error).message ?? String(error)}`,
      'Check that the model is a text embedding (feature-extraction) model exported for transformers.js.',
    );
  }
}

async function importLibrary(loadLibrary?: () => Promise<unknown>): Promise<TransformersLibrary> {
  try {
    // A variable specifier: TypeScript must not try to resolve an optional package.
    const specifier: string = TRANSFORMERS_PACKAGE;
    return (await (loadLibrary ? loadLibrary() : import(specifier))) as TransformersLibrary;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new UserError(
        'EMBEDDER_UNAVAILABLE',
        `The transformers embedder needs the optional package ${TRANSFORMERS_PACKAGE}, which is not installed.`,
        `Install it where codebase-mcp is installed (add -g for a global install): ${TRANSFORMERS_INSTALL_COMMAND}`,
      );
    }
    throw new UserError(
      'EMBEDDER_UNAVAILABLE',
      `${TRANSFORMERS_PACKAGE} is installed but could not be loaded: ${(error as Error).message ?? String(error)}`,
      `Reinstall it (${TRANSFORMERS_INSTALL_COMMAND}); onnxruntime-node must have a native binary for this platform.`,
    );
  }
}

async function loadPipeline(
  library: TransformersLibrary,
  location: ModelLocation,
  options: TransformersEmbedderOptions,
): Promise<FeatureExtractor> {
  const { env } = library;
  if (location.localDirectory) {
    // Offline: the library looks for `localModelPath + id`, and never asks the hub.
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
    env.localModelPath = dirname(location.localDirectory) + sep;
  } else {
    env.allowLocalModels = false;
    env.allowRemoteModels = true;
    if (options.cacheDir) env.cacheDir = options.cacheDir;
  }
  try {
    return await library.pipeline('feature-extraction', location.pipelineId, {
      dtype: options.dtype ?? TRANSFORMERS_DEFAULTS.dtype,
      local_files_only: location.localDirectory !== undefined,
    });
  } catch (error) {
    const reason = (error as Error).message ?? String(error);
    if (location.localDirectory) {
      throw new UserError(
        'EMBEDDER_UNAVAILABLE',
        `Could not load the ONNX model in ${location.localDirectory}: ${reason}`,
        'The directory needs config.json, tokenizer.json, tokenizer_config.json and onnx/model.onnx (onnx/model_quantized.onnx for dtype q8), as in the ONNX exports published for transformers.js.',
      );
    }
    throw new UserError(
      'EMBEDDER_UNAVAILABLE',
      `Could not load the model ${location.name} from the Hugging Face hub: ${reason}`,
      'Downloading needs access to huggingface.co. Offline, download the model elsewhere and set CODEBASE_MCP_EMBEDDING_MODEL to its directory.',
    );
  }
}

async function locateModel(model: string): Promise<ModelLocation> {
  if (!looksLikePath(model)) {
    // `models/minilm` may be a relative directory rather than a hub id: an export there wins.
    const config = await stat(resolve(model, 'config.json')).catch(() => undefined);
    if (!config?.isFile()) return { pipelineId: model, name: model };
  }
  const directory = resolve(expandHome(model));
  const info = await stat(directory).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new UserError(
      'EMBEDDER_UNAVAILABLE',
      `The ONNX model directory ${directory} does not exist.`,
      'Set CODEBASE_MCP_EMBEDDING_MODEL to a directory with an ONNX export, or to a Hugging Face model id such as Xenova/all-MiniLM-L6-v2.',
    );
  }
  return { pipelineId: basename(directory), name: basename(directory), localDirectory: directory };
}

/** Surely a path: absolute, or starting with `.` or `~`. (`org/name` is a hub id unless it is a model directory.) */
function looksLikePath(model: string): boolean {
  return isAbsolute(model) || model.startsWith('.') || model.startsWith('~');
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
}
