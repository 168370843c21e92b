// How one language spells the pieces of a generated module. The module
// writer decides what goes where and how many lines fit; a syntax only turns
// plan pieces into lines of valid source.

import type { ClassPlan, FunctionPlan, ModuleHeader, Step, Words } from './codePlan.js';

export type GeneratedLanguage = 'python' | 'typescript' | 'go';

export interface LanguageSyntax {
  language: GeneratedLanguage;
  /** With the dot: '.py'. */
  extension: string;
  /** Blank lines between top-level declarations. */
  topLevelGap: number;
  /** Blank lines between a class's members. */
  memberGap: number;
  header(header: ModuleHeader): string[];
  /** Doc comment and signature, up to the first body line. */
  functionHead(fn: FunctionPlan, owner: ClassPlan | null): string[];
  /** The return statement and whatever closes the function. */
  functionTail(fn: FunctionPlan, owner: ClassPlan | null): string[];
  step(step: Step, owner: ClassPlan | null): string[];
  /** Doc comment, declaration, fields and constructor. */
  classHead(cls: ClassPlan): string[];
  classTail(cls: ClassPlan): string[];
  /** One module-level comment line. */
  comment(text: string): string;
}

/** A stable small number from a name, so renderers can vary types without drawing random numbers. */
export function nameHash(words: Words): number {
  let hash = 2166136261;
  for (const char of words.join('_')) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
  return hash >>> 0;
}

export function moduleFileName(index: number, extension: string): string {
  return `module_${String(index).padStart(5, '0')}${extension}`;
}

export function moduleStem(index: number): string {
  return `module_${String(index).padStart(5, '0')}`;
}
