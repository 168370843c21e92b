// Which syntax nodes are declarations, per language: their kind and name.
// Node type names come from each grammar in tree-sitter-wasms@0.1.13.

import type { Node } from 'web-tree-sitter';

export interface Declaration {
  name: string;
  kind: string;
  /** The declaration node itself, then each wrapper around it, innermost first. */
  chain: Node[];
}

type DeclarationRule = string | ((node: Node) => { name: string | null; kind: string } | null);

interface LanguageRules {
  /** Node type → kind (name from the `name` field), or a rule computing both. */
  declarations: Record<string, DeclarationRule>;
  /** Wrapper node type → the declaration inside it (decorators, `export`, templates). */
  wrappers?: Record<string, (node: Node) => Node | null>;
  /** Non-comment node types that belong to the declaration after them. */
  leading?: string[];
}

const IDENTIFIER_TYPE = /(?:^|_)identifier$|^name$|^constant$|^word$/;

/** `Foo<T>` → Foo, `*Server` → Server, `Point::describe` / `M:sum` → dotted. */
function cleanName(text: string): string | null {
  const name = text
    .replace(/\s+/g, '')
    .replace(/^['"`]|['"`]$/g, '')
    .replace(/[<[(].*$/, '')
    .replace(/^[*&]+/, '')
    .replace(/::|:|->|\\/g, '.')
    .replace(/^\.+|\.+$/g, '');
  return name === '' ? null : name;
}

function firstIdentifierChild(node: Node): Node | null {
  for (const child of node.namedChildren) {
    if (child !== null && IDENTIFIER_TYPE.test(child.type)) return child;
  }
  return null;
}

function nameOf(node: Node): string | null {
  const nameNode = node.childForFieldName('name') ?? firstIdentifierChild(node);
  return nameNode === null ? null : cleanName(nameNode.text);
}

function keywordChild(node: Node, keywords: ReadonlySet<string>): string | null {
  for (const child of node.children) {
    if (child !== null && !child.isNamed && keywords.has(child.type)) return child.type;
  }
  return null;
}

function field(name: string): (node: Node) => Node | null {
  return (node) => node.childForFieldName(name);
}

function firstNamedChildOf(types: ReadonlySet<string>): (node: Node) => Node | null {
  return (node) => node.namedChildren.find((child) => child !== null && types.has(child.type)) ?? null;
}

// ---- JavaScript / TypeScript

const FUNCTION_VALUES = new Set(['arrow_function', 'function_expression', 'function', 'generator_function']);
const CLASS_VALUES = new Set(['class', 'class_expression']);

/** `const load = () => …` / `let Widget = class {…}` declare a function / class. */
function variableDeclaration(node: Node): { name: string | null; kind: string } | null {
  for (const declarator of node.namedChildren) {
    if (declarator?.type !== 'variable_declarator') continue;
    const value = declarator.childForFieldName('value');
    if (value === null) continue;
    if (FUNCTION_VALUES.has(value.type)) return { name: nameOf(declarator), kind: 'function' };
    if (CLASS_VALUES.has(value.type)) return { name: nameOf(declarator), kind: 'class' };
  }
  return null;
}

/** Class fields holding a function (`handle = () => …`) are methods. */
function functionField(node: Node): { name: string | null; kind: string } | null {
  const value = node.childForFieldName('value');
  if (value === null || !FUNCTION_VALUES.has(value.type)) return null;
  const nameNode = node.childForFieldName('name') ?? node.childForFieldName('property');
  return { name: nameNode === null ? null : cleanName(nameNode.text), kind: 'method' };
}

const ECMASCRIPT: LanguageRules = {
  declarations: {
    function_declaration: 'function',
    generator_function_declaration: 'function',
    function_signature: 'function',
    class_declaration: 'class',
    abstract_class_declaration: 'class',
    method_definition: 'method',
    method_signature: 'method',
    abstract_method_signature: 'method',
    interface_declaration: 'interface',
    type_alias_declaration: 'type',
    enum_declaration: 'enum',
    internal_module: 'namespace',
    module: 'module',
    lexical_declaration: variableDeclaration,
    variable_declaration: variableDeclaration,
    public_field_definition: functionField,
    field_definition: functionField,
  },
  wrappers: {
    export_statement: field('declaration'),
    ambient_declaration: (node) => node.firstNamedChild,
    // `namespace Foo {}` parses as an expression statement around internal_module.
    expression_statement: (node) => {
      const child = node.firstNamedChild;
      return child?.type === 'internal_module' ? child : null;
    },
  },
  leading: ['decorator'],
};

// ---- Go

function goReceiverType(node: Node): string | null {
  const receiver = node.childForFieldName('receiver');
  const parameter = receiver?.namedChildren.find((child) => child?.type === 'parameter_declaration');
  const type = parameter?.childForFieldName('type');
  return type ? cleanName(type.text) : null;
}

const GO_TYPE_KINDS: Record<string, string> = { struct_type: 'struct', interface_type: 'interface' };

const GO: LanguageRules = {
  declarations: {
    function_declaration: 'function',
    method_declaration: (node) => {
      const name = nameOf(node);
      const receiver = goReceiverType(node);
      return { name: receiver && name ? `${receiver}.${name}` : name, kind: 'method' };
    },
    type_declaration: (node) => {
      const spec = node.namedChildren.find((child) => child?.type === 'type_spec' || child?.type === 'type_alias');
      if (!spec) return null;
      const type = spec.childForFieldName('type');
      return { name: nameOf(spec), kind: (type && GO_TYPE_KINDS[type.type]) ?? 'type' };
    },
  },
};

// ---- C / C++

/** Follows `declarator` fields down to the declared name: `*buffer_new(size_t)` → buffer_new. */
function declaratorName(node: Node): Node | null {
  let current: Node | null = node.childForFieldName('declarator');
  while (current !== null) {
    const inner = current.childForFieldName('declarator');
    if (inner === null) return current;
    current = inner;
  }
  return null;
}

function cFunction(node: Node): { name: string | null; kind: string } | null {
  const nameNode = declaratorName(node);
  if (nameNode === null) return null;
  // `Point::describe` defined outside its class is still a method.
  const kind = nameNode.type === 'qualified_identifier' ? 'method' : 'function';
  return { name: cleanName(nameNode.text), kind };
}

/** `struct buffer { … }` declares; a bare `struct buffer` reference does not. */
function taggedType(kind: string): DeclarationRule {
  return (node) => (node.childForFieldName('body') === null ? null : { name: nameOf(node), kind });
}

function typeDefinition(node: Node): { name: string | null; kind: string } | null {
  const nameNode = declaratorName(node);
  return { name: nameNode === null ? null : cleanName(nameNode.text), kind: 'type' };
}

const C_DECLARATIONS: Record<string, DeclarationRule> = {
  function_definition: cFunction,
  struct_specifier: taggedType('struct'),
  union_specifier: taggedType('union'),
  enum_specifier: taggedType('enum'),
  type_definition: typeDefinition,
  preproc_function_def: 'macro',
};

const C: LanguageRules = { declarations: C_DECLARATIONS };

const CPP_DECLARED = new Set(['function_definition', 'class_specifier', 'struct_specifier', 'union_specifier',
  'enum_specifier', 'alias_declaration', 'concept_definition', 'declaration']);

const CPP: LanguageRules = {
  declarations: {
    ...C_DECLARATIONS,
    class_specifier: taggedType('class'),
    namespace_definition: 'namespace',
    alias_declaration: 'type',
  },
  wrappers: { template_declaration: firstNamedChildOf(CPP_DECLARED) },
};

// ---- Other grammars

const RUST: LanguageRules = {
  declarations: {
    function_item: 'function',
    function_signature_item: 'function',
    struct_item: 'struct',
    enum_item: 'enum',
    union_item: 'union',
    trait_item: 'trait',
    impl_item: (node) => {
      const type = node.childForFieldName('type');
      return { name: type ? cleanName(type.text) : null, kind: 'impl' };
    },
    mod_item: 'module',
    type_item: 'type',
    macro_definition: 'macro',
  },
  leading: ['attribute_item'],
};

const PYTHON: LanguageRules = {
  declarations: { function_definition: 'function', class_definition: 'class' },
  wrappers: { decorated_definition: field('definition') },
};

const JAVA: LanguageRules = {
  declarations: {
    class_declaration: 'class',
    interface_declaration: 'interface',
    enum_declaration: 'enum',
    record_declaration: 'record',
    annotation_type_declaration: 'interface',
    method_declaration: 'method',
    constructor_declaration: 'method',
    compact_constructor_declaration: 'method',
  },
};

const CSHARP: LanguageRules = {
  declarations: {
    class_declaration: 'class',
    struct_declaration: 'struct',
    interface_declaration: 'interface',
    enum_declaration: 'enum',
    record_declaration: 'record',
    record_struct_declaration: 'record',
    delegate_declaration: 'type',
    method_declaration: 'method',
    constructor_declaration: 'method',
    destructor_declaration: 'method',
    property_declaration: 'property',
    local_function_statement: 'function',
    namespace_declaration: 'namespace',
    file_scoped_namespace_declaration: 'namespace',
  },
};

const RUBY: LanguageRules = {
  declarations: { class: 'class', module: 'module', method: 'function', singleton_method: 'method' },
};

const PHP: LanguageRules = {
  declarations: {
    class_declaration: 'class',
    interface_declaration: 'interface',
    trait_declaration: 'trait',
    enum_declaration: 'enum',
    function_definition: 'function',
    method_declaration: 'method',
    namespace_definition: 'namespace',
  },
};

const BASH: LanguageRules = { declarations: { function_definition: 'function' } };

const KOTLIN_CLASS_KEYWORDS = new Set(['interface', 'enum']);

const KOTLIN: LanguageRules = {
  declarations: {
    class_declaration: (node) => {
      const keyword = keywordChild(node, KOTLIN_CLASS_KEYWORDS);
      const isEnum = node.namedChildren.some((child) => child?.type === 'enum_class_body');
      return { name: nameOf(node), kind: isEnum ? 'enum' : keyword ?? 'class' };
    },
    object_declaration: 'object',
    companion_object: (node) => ({ name: nameOf(node) ?? 'Companion', kind: 'object' }),
    function_declaration: (node) => {
      // The receiver type of an extension function comes before the name.
      const nameNode = node.namedChildren.find((child) => child?.type === 'simple_identifier');
      return { name: nameNode ? cleanName(nameNode.text) : null, kind: 'function' };
    },
    type_alias: 'type',
  },
};

const SCALA: LanguageRules = {
  declarations: {
    class_definition: 'class',
    trait_definition: 'trait',
    object_definition: 'object',
    enum_definition: 'enum',
    function_definition: 'function',
    function_declaration: 'function',
    type_definition: 'type',
  },
};

const SWIFT_CLASS_KEYWORDS = new Set(['class', 'struct', 'enum', 'extension', 'actor']);

const SWIFT: LanguageRules = {
  declarations: {
    class_declaration: (node) => ({ name: nameOf(node), kind: keywordChild(node, SWIFT_CLASS_KEYWORDS) ?? 'class' }),
    protocol_declaration: 'protocol',
    function_declaration: 'function',
    protocol_function_declaration: 'method',
    init_declaration: () => ({ name: 'init', kind: 'method' }),
    typealias_declaration: 'type',
  },
};

const LUA: LanguageRules = {
  declarations: {
    function_declaration: 'function',
    function_definition_statement: 'function',
    local_function_definition_statement: 'function',
  },
};

const RULES: Readonly<Record<string, LanguageRules>> = {
  python: PYTHON,
  javascript: ECMASCRIPT,
  typescript: ECMASCRIPT,
  tsx: ECMASCRIPT,
  go: GO,
  java: JAVA,
  rust: RUST,
  c: C,
  cpp: CPP,
  csharp: CSHARP,
  ruby: RUBY,
  php: PHP,
  bash: BASH,
  kotlin: KOTLIN,
  scala: SCALA,
  swift: SWIFT,
  lua: LUA,
};

/** Kinds whose functions are methods. */
const TYPE_KINDS = new Set(['class', 'struct', 'interface', 'trait', 'impl', 'enum', 'object', 'protocol',
  'record', 'extension', 'actor', 'union']);

export interface DeclarationFinder {
  /** The declaration `node` is (or wraps), or null. */
  declarationOf(node: Node): Declaration | null;
  /** Comments, decorators and attributes: they belong to the code that follows. */
  isLeading(node: Node): boolean;
  /** Node types declarationOf may accept. */
  declaringTypes: string[];
}

const finders = new Map<string, DeclarationFinder>();

export function declarationFinder(language: string): DeclarationFinder {
  let finder = finders.get(language);
  if (finder === undefined) {
    finder = buildFinder(RULES[language] ?? { declarations: {} });
    finders.set(language, finder);
  }
  return finder;
}

function buildFinder(rules: LanguageRules): DeclarationFinder {
  const leading = new Set(rules.leading ?? []);

  function declarationOf(node: Node): Declaration | null {
    const rule = rules.declarations[node.type];
    if (rule !== undefined) {
      const found = typeof rule === 'string' ? { name: nameOf(node), kind: rule } : rule(node);
      if (found === null || found.name === null) return null;
      return { name: found.name, kind: found.kind, chain: [node] };
    }
    const unwrap = rules.wrappers?.[node.type];
    const inner = unwrap?.(node);
    if (!inner) return null;
    const declaration = declarationOf(inner);
    if (declaration === null) return null;
    declaration.chain.push(node);
    return declaration;
  }

  return {
    declarationOf,
    isLeading: (node) => node.type.includes('comment') || leading.has(node.type),
    declaringTypes: [...Object.keys(rules.declarations), ...Object.keys(rules.wrappers ?? {})],
  };
}

export interface Scope {
  /** Dotted name that declarations inside are prefixed with ('' at file level). */
  name: string;
  kind: string | null;
}

export const FILE_SCOPE: Scope = { name: '', kind: null };

/** The symbol and kind of a declaration found inside `scope`. */
export function placeDeclaration(declaration: Declaration, scope: Scope): { symbol: string; kind: string } {
  const symbol = scope.name === '' ? declaration.name : `${scope.name}.${declaration.name}`;
  const kind = declaration.kind === 'function' && scope.kind !== null && TYPE_KINDS.has(scope.kind)
    ? 'method'
    : declaration.kind;
  return { symbol, kind };
}

/**
 * The scope for what is declared inside a declaration. Namespaces do not
 * qualify names: a whole-file C# or PHP namespace would prefix every symbol.
 */
export function innerScope(declaration: Declaration, scope: Scope): Scope {
  if (declaration.kind === 'namespace') return scope;
  const { symbol, kind } = placeDeclaration(declaration, scope);
  return { name: symbol, kind };
}
