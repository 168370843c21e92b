// Python spelling of generated modules: snake_case functions, PascalCase
// classes, docstrings, `logging`, try/except.

import type { ClassPlan, FunctionPlan, ModuleHeader, Step, Words } from './codePlan.js';
import { moduleStem, type LanguageSyntax } from './languageSyntax.js';
import { pascalCase, snakeCase } from './vocabulary.js';

const STANDARD_IMPORTS = [
  'import logging',
  'import os',
  'import re',
  'import json',
  'import time',
  'import hashlib',
  'import itertools',
  'from collections import defaultdict, OrderedDict',
  'from dataclasses import dataclass, field',
  'from datetime import datetime, timedelta',
  'from typing import Any, Dict, Iterable, List, Optional',
];

const name = (words: Words) => snakeCase(words);
const constant = (words: Words) => snakeCase(words).toUpperCase();

function docstring(indent: string, summary: string, details: string[]): string[] {
  if (details.length === 0) return [`${indent}"""${summary}"""`];
  return [`${indent}"""${summary}`, '', ...details.map((line) => `${indent}${line}`), `${indent}"""`];
}

function bodyIndent(owner: ClassPlan | null): string {
  return owner ? '        ' : '    ';
}

function call(callee: Words, args: Words[], onSelf: boolean): string {
  return `${onSelf ? 'self.' : ''}${name(callee)}(${args.map(name).join(', ')})`;
}

export const pythonSyntax: LanguageSyntax = {
  language: 'python',
  extension: '.py',
  topLevelGap: 2,
  memberGap: 1,

  header(header: ModuleHeader): string[] {
    const count = Math.min(STANDARD_IMPORTS.length - 1, header.standardImports);
    const lines = [...docstring('', header.summary, header.details), '', STANDARD_IMPORTS[0]];
    for (let i = 1; i <= count; i++) lines.push(STANDARD_IMPORTS[i]);
    for (const imported of header.imports) {
      lines.push(`from ${moduleStem(imported.module)} import ${imported.names.map(pascalCase).join(', ')}`);
    }
    lines.push('', 'logger = logging.getLogger(__name__)');
    for (const { name: constantName, value } of header.constants) lines.push(`${constant(constantName)} = ${value}`);
    return lines;
  },

  functionHead(fn: FunctionPlan, owner: ClassPlan | null): string[] {
    const indent = owner ? '    ' : '';
    const params = [...(owner ? ['self'] : []), ...fn.params.map(name)];
    return [`${indent}def ${name(fn.name)}(${params.join(', ')}):`, ...docstring(bodyIndent(owner), fn.summary, fn.details)];
  },

  functionTail(fn: FunctionPlan, owner: ClassPlan | null): string[] {
    return [`${bodyIndent(owner)}return ${name(fn.result)}`];
  },

  step(step: Step, owner: ClassPlan | null): string[] {
    const at = bodyIndent(owner);
    switch (step.kind) {
      case 'call':
        return [`${at}${name(step.target)} = ${call(step.callee, step.args, step.onSelf && owner !== null)}`];
      case 'guard':
        return [`${at}if ${name(step.subject)} is None:`, `${at}    raise ValueError("${step.message}")`];
      case 'loop':
        return [
          `${at}${name(step.accumulator)} = []`,
          `${at}for ${name(step.item)} in ${name(step.collection)}:`,
          `${at}    if ${name(step.item)} is None:`,
          `${at}        continue`,
          `${at}    ${name(step.accumulator)}.append(${name(step.callee)}(${name(step.item)}))`,
        ];
      case 'attempt':
        return [
          `${at}try:`,
          `${at}    ${call(step.callee, step.args, false)}`,
          `${at}except (KeyError, ValueError) as error:`,
          `${at}    logger.warning("${step.message}: %s", error)`,
        ];
      case 'log':
        return [`${at}logger.debug("${step.message}: %s", ${name(step.subject)})`];
      case 'comment':
        return [`${at}# ${step.text}`];
      case 'table':
        return [
          `${at}${name(step.target)} = {`,
          ...step.entries.map((entry) => `${at}    "${entry.key}": ${entry.value},`),
          `${at}}`,
        ];
    }
  },

  classHead(cls: ClassPlan): string[] {
    const base = cls.base ? `(${pascalCase(cls.base)})` : '';
    return [
      `class ${pascalCase(cls.name)}${base}:`,
      ...docstring('    ', cls.summary, cls.details),
      '',
      `    def __init__(self, ${cls.fields.map(name).join(', ')}):`,
      ...cls.fields.map((fieldName) => `        self.${name(fieldName)} = ${name(fieldName)}`),
    ];
  },

  classTail(): string[] {
    return [];
  },

  comment(text: string): string {
    return `# ${text}`;
  },
};
