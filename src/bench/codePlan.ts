// The language-neutral shape of generated code: names are lists of words and
// each renderer (Python, TypeScript, Go) cases and punctuates them its own way.

/** e.g. ['reconcile', 'invoice', 'ledger']. */
export type Words = readonly string[];

export type Step =
  /** target = callee(args); `onSelf` calls a method of the enclosing class. */
  | { kind: 'call'; target: Words; callee: Words; args: Words[]; onSelf: boolean }
  /** Stop with an error when `subject` is missing. */
  | { kind: 'guard'; subject: Words; message: string }
  /** accumulator = [callee(item) for item in collection if item present]. */
  | { kind: 'loop'; item: Words; collection: Words; accumulator: Words; callee: Words }
  /** Call `callee`, log and carry on when it fails. */
  | { kind: 'attempt'; callee: Words; args: Words[]; message: string }
  | { kind: 'log'; message: string; subject: Words }
  | { kind: 'comment'; text: string }
  /** target = { key: number, … } */
  | { kind: 'table'; target: Words; entries: { key: string; value: number }[] };

export interface FunctionPlan {
  name: Words;
  params: Words[];
  /** First sentence of the docstring. */
  summary: string;
  /** Further docstring lines. */
  details: string[];
  steps: Step[];
  /** The variable returned at the end. */
  result: Words;
  /** Go: exported (capitalised) name. */
  exported: boolean;
}

export interface ClassPlan {
  name: Words;
  summary: string;
  details: string[];
  fields: Words[];
  /** Python: base class, when it has one. */
  base: Words | null;
  methods: FunctionPlan[];
}

export interface ModuleImport {
  /** Index of the module imported from. */
  module: number;
  names: Words[];
}

export interface ModuleHeader {
  fileName: string;
  summary: string;
  details: string[];
  /** Standard-library modules the file imports (renderer's own list, picked by index). */
  standardImports: number;
  imports: ModuleImport[];
  constants: { name: Words; value: number }[];
}
