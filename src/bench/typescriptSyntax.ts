// TypeScript spelling of generated modules: camelCase functions, exported
// classes with parameter properties, JSDoc comments, try/catch.

import type { ClassPlan, FunctionPlan, ModuleHeader, Step, Words } from './codePlan.js';
import { moduleStem, nameHash, type LanguageSyntax } from './languageSyntax.js';
import { camelCase, pascalCase, snakeCase } from './vocabulary.js';

const STANDARD_IMPORTS = [
  'import { createHash } from "node:crypto";',
  'import { readFile, writeFile } from "node:fs/promises";',
  'import { join } from "node:path";',
  'import { EventEmitter } from "node:events";',
  'import { setTimeout as sleep } from "node:timers/promises";',
];

const TYPES = ['string', 'number', 'string[]', 'Record<string, number>', 'boolean', 'Map<string, string>'];

const name = (words: Words) => camelCase(words);
const typeOf = (words: Words) => TYPES[nameHash(words) % TYPES.length];

function jsDoc(indent: string, summary: string, details: string[]): string[] {
  if (details.length === 0) return [`${indent}/** ${summary} */`];
  return [`${indent}/**`, `${indent} * ${summary}`, ...details.map((line) => `${indent} * ${line}`), `${indent} */`];
}

function bodyIndent(owner: ClassPlan | null): string {
  return owner ? '    ' : '  ';
}

function call(callee: Words, args: Words[], onSelf: boolean): string {
  return `${onSelf ? 'this.' : ''}${name(callee)}(${args.map(name).join(', ')})`;
}

export const typescriptSyntax: LanguageSyntax = {
  language: 'typescript',
  extension: '.ts',
  topLevelGap: 1,
  memberGap: 1,

  header(header: ModuleHeader): string[] {
    const lines = [`// ${header.fileName}: ${header.summary}`, ...header.details.map((line) => `// ${line}`), ''];
    const count = Math.min(STANDARD_IMPORTS.length, header.standardImports);
    for (let i = 0; i < count; i++) lines.push(STANDARD_IMPORTS[i]);
    for (const imported of header.imports) {
      lines.push(`import { ${imported.names.map(pascalCase).join(', ')} } from "./${moduleStem(imported.module)}";`);
    }
    lines.push('', 'const logger = console;');
    for (const { name: constantName, value } of header.constants) {
      lines.push(`export const ${snakeCase(constantName).toUpperCase()} = ${value};`);
    }
    return lines;
  },

  functionHead(fn: FunctionPlan, owner: ClassPlan | null): string[] {
    const indent = owner ? '  ' : '';
    const params = fn.params.map((param) => `${name(param)}: ${typeOf(param)}`).join(', ');
    const declaration = owner ? `${indent}${name(fn.name)}(${params}): unknown {` : `export function ${name(fn.name)}(${params}): unknown {`;
    return [...jsDoc(indent, fn.summary, fn.details), declaration];
  },

  functionTail(fn: FunctionPlan, owner: ClassPlan | null): string[] {
    return [`${bodyIndent(owner)}return ${name(fn.result)};`, `${owner ? '  ' : ''}}`];
  },

  step(step: Step, owner: ClassPlan | null): string[] {
    const at = bodyIndent(owner);
    switch (step.kind) {
      case 'call':
        return [`${at}const ${name(step.target)} = ${call(step.callee, step.args, step.onSelf && owner !== null)};`];
      case 'guard':
        return [`${at}if (${name(step.subject)} === undefined) {`, `${at}  throw new Error("${step.message}");`, `${at}}`];
      case 'loop':
        return [
          `${at}const ${name(step.accumulator)}: unknown[] = [];`,
          `${at}for (const ${name(step.item)} of ${name(step.collection)} as unknown[]) {`,
          `${at}  if (${name(step.item)} == null) continue;`,
          `${at}  ${name(step.accumulator)}.push(${name(step.callee)}(${name(step.item)}));`,
          `${at}}`,
        ];
      case 'attempt':
        return [
          `${at}try {`,
          `${at}  ${call(step.callee, step.args, false)};`,
          `${at}} catch (error) {`,
          `${at}  logger.warn("${step.message}", error);`,
          `${at}}`,
        ];
      case 'log':
        return [`${at}logger.debug("${step.message}", ${name(step.subject)});`];
      case 'comment':
        return [`${at}// ${step.text}`];
      case 'table':
        return [
          `${at}const ${name(step.target)}: Record<string, number> = {`,
          ...step.entries.map((entry) => `${at}  ${entry.key}: ${entry.value},`),
          `${at}};`,
        ];
    }
  },

  classHead(cls: ClassPlan): string[] {
    const base = cls.base ? ` extends ${pascalCase(cls.base)}` : '';
    const lines = [...jsDoc('', cls.summary, cls.details), `export class ${pascalCase(cls.name)}${base} {`];
    if (cls.base) {
      // A subclass's constructor must call super(); keep the fields as plain properties.
      lines.push(...cls.fields.map((field) => `  ${name(field)}?: ${typeOf(field)};`));
    } else {
      lines.push('  constructor(', ...cls.fields.map((field) => `    private readonly ${name(field)}: ${typeOf(field)},`), '  ) {}');
    }
    return lines;
  },

  classTail(): string[] {
    return ['}'];
  },

  comment(text: string): string {
    return `// ${text}`;
  },
};
