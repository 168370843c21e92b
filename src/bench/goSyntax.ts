// Go spelling of generated modules: every file is in package `bench`; a class
// becomes a struct with a constructor and methods on a pointer receiver;
// functions return (value, error).

import type { ClassPlan, FunctionPlan, ModuleHeader, Step, Words } from './codePlan.js';
import { nameHash, type LanguageSyntax } from './languageSyntax.js';
import { camelCase, pascalCase } from './vocabulary.js';

const STANDARD_IMPORTS = ['"errors"', '"fmt"', '"log"', '"strings"', '"sort"', '"time"', '"sync"'];
const TYPES = ['string', 'int', '[]string', 'map[string]int', 'bool', 'interface{}', 'time.Duration'];

const local = (words: Words) => camelCase(words);
const typeOf = (words: Words) => TYPES[nameHash(words) % TYPES.length];
const functionName = (fn: FunctionPlan) => (fn.exported ? pascalCase(fn.name) : camelCase(fn.name));
const receiver = (cls: ClassPlan) => cls.name[0].charAt(0);

function comments(lines: string[], indent = ''): string[] {
  return lines.map((line) => `${indent}// ${line}`);
}

function call(callee: Words, args: Words[], owner: ClassPlan | null, onSelf: boolean): string {
  const target = onSelf && owner ? `${receiver(owner)}.${pascalCase(callee)}` : camelCase(callee);
  return `${target}(${args.map(local).join(', ')})`;
}

export const goSyntax: LanguageSyntax = {
  language: 'go',
  extension: '.go',
  topLevelGap: 1,
  memberGap: 1,

  header(header: ModuleHeader): string[] {
    const count = Math.max(3, Math.min(STANDARD_IMPORTS.length, header.standardImports + 2));
    const lines = [...comments([`${header.fileName}: ${header.summary}`, ...header.details]), 'package bench', '', 'import ('];
    for (let i = 0; i < count; i++) lines.push(`\t${STANDARD_IMPORTS[i]}`);
    lines.push(')');
    if (header.constants.length) {
      lines.push('', 'const (');
      for (const { name, value } of header.constants) lines.push(`\t${camelCase(name)} = ${value}`);
      lines.push(')');
    }
    return lines;
  },

  functionHead(fn: FunctionPlan, owner: ClassPlan | null): string[] {
    const params = fn.params.map((param) => `${local(param)} ${typeOf(param)}`).join(', ');
    const name = owner ? pascalCase(fn.name) : functionName(fn);
    const head = owner ? `func (${receiver(owner)} *${pascalCase(owner.name)}) ${name}(${params})` : `func ${name}(${params})`;
    const summary = `${name} ${fn.summary.charAt(0).toLowerCase()}${fn.summary.slice(1)}`;
    return [...comments([summary, ...fn.details]), `${head} (interface{}, error) {`];
  },

  functionTail(fn: FunctionPlan): string[] {
    return [`\treturn ${local(fn.result)}, nil`, '}'];
  },

  step(step: Step, owner: ClassPlan | null): string[] {
    switch (step.kind) {
      case 'call':
        return [`\t${local(step.target)} := ${call(step.callee, step.args, owner, step.onSelf)}`];
      case 'guard':
        return [`\tif ${local(step.subject)} == nil {`, `\t\treturn nil, errors.New("${step.message}")`, '\t}'];
      case 'loop':
        return [
          `\t${local(step.accumulator)} := make([]interface{}, 0)`,
          `\tfor _, ${local(step.item)} := range ${local(step.collection)} {`,
          `\t\t${local(step.accumulator)} = append(${local(step.accumulator)}, ${camelCase(step.callee)}(${local(step.item)}))`,
          '\t}',
        ];
      case 'attempt':
        return [
          `\tif _, err := ${call(step.callee, step.args, owner, false)}; err != nil {`,
          `\t\tlog.Printf("${step.message}: %v", err)`,
          '\t}',
        ];
      case 'log':
        return [`\tlog.Printf("${step.message}: %v", ${local(step.subject)})`];
      case 'comment':
        return [`\t// ${step.text}`];
      case 'table':
        return [
          `\t${local(step.target)} := map[string]int{`,
          ...step.entries.map((entry) => `\t\t"${entry.key}": ${entry.value},`),
          '\t}',
        ];
    }
  },

  classHead(cls: ClassPlan): string[] {
    const type = pascalCase(cls.name);
    const fields = cls.fields.map((field) => `${local(field)} ${typeOf(field)}`);
    return [
      ...comments([`${type}: ${cls.summary}`, ...cls.details]),
      `type ${type} struct {`,
      ...fields.map((field) => `\t${field}`),
      '}',
      '',
      `// New${type} builds a ${type} from its parts.`,
      `func New${type}(${fields.join(', ')}) *${type} {`,
      `\treturn &${type}{${cls.fields.map((field) => `${local(field)}: ${local(field)}`).join(', ')}}`,
      '}',
    ];
  },

  classTail(): string[] {
    return [];
  },

  comment(text: string): string {
    return `// ${text}`;
  },
};
