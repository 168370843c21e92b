// Some embedding models were trained with a task instruction in front of every
// input and embed noticeably worse without it. Whichever provider serves them
// (Ollama, an OpenAI-compatible server, a local ONNX export), the texts get the
// same prefixes.

export interface TaskPrefixes {
  document: string;
  query: string;
}

const NO_PREFIXES: TaskPrefixes = { document: '', query: '' };

const KNOWN_PREFIXES: Array<{ model: RegExp; prefixes: TaskPrefixes }> = [
  // nomic-embed-text (v1, v1.5; Ollama's `nomic-embed-text`, Hugging Face's
  // `nomic-ai/nomic-embed-text-v1.5`): its model card requires these two.
  { model: /nomic-embed-text/i, prefixes: { document: 'search_document: ', query: 'search_query: ' } },
  // E5 (`intfloat/e5-*`, `multilingual-e5-*`): "passage: " and "query: " per its model card.
  { model: /(^|[/:_-])(multilingual-)?e5-(small|base|large)/i, prefixes: { document: 'passage: ', query: 'query: ' } },
];

/** Prefixes a model expects, or empty strings for models that want plain text. */
export function taskPrefixesFor(model: string): TaskPrefixes {
  return KNOWN_PREFIXES.find((entry) => entry.model.test(model))?.prefixes ?? NO_PREFIXES;
}
