// Writes one generated module of an exact number of lines: a header, then
// classes and functions sized to fit what is left, then module comments to
// fill the last few lines.

import type { ClassPlan, FunctionPlan, ModuleImport, Words } from './codePlan.js';
import { CodePlanner, moduleIdentity, type BodyScope } from './codePlanner.js';
import { moduleFileName, type LanguageSyntax } from './languageSyntax.js';
import { SeededRandom } from './seededRandom.js';

export interface ModuleRequest {
  seed: number;
  index: number;
  syntax: LanguageSyntax;
  lineCount: number;
  /** Index of each module and its syntax, for imports of earlier modules in the same language. */
  languageOf: (index: number) => LanguageSyntax;
}

export interface GeneratedModule {
  path: string;
  content: string;
  lines: number;
}

/** Smallest function any syntax can write: head, one step, tail. */
const MIN_FUNCTION_LINES = 8;

export function writeModule(request: ModuleRequest): GeneratedModule {
  const { seed, index, syntax, lineCount } = request;
  const identity = moduleIdentity(seed, index);
  const rng = SeededRandom.derive(seed, index * 2 + 1);
  const planner = new CodePlanner(rng, identity);
  const fileName = moduleFileName(index, syntax.extension);

  const imports = importsFor(rng, seed, index, request.languageOf, syntax);
  const importedClasses = imports.flatMap((imported) => imported.names);
  const lines = syntax.header({
    fileName,
    summary: planner.sentence(),
    details: planner.details(2),
    standardImports: rng.int(1, 5),
    imports,
    constants: Array.from({ length: rng.int(0, 3) }, () => ({ name: ['max', ...planner.variableName()], value: rng.int(1, 500) })),
  });

  const moduleFunctions: Words[] = [];
  const pendingClasses = [...identity.classNames];
  // Leave room for one gap plus the smallest unit; the rest is filled with comments.
  while (lineCount - lines.length >= syntax.topLevelGap + MIN_FUNCTION_LINES) {
    const remaining = lineCount - lines.length - syntax.topLevelGap;
    let unit: string[] | null;
    if (pendingClasses.length > 0) {
      const share = Math.floor(remaining / pendingClasses.length);
      unit = writeClass(planner, syntax, pendingClasses.shift() as Words, importedClasses, moduleFunctions, Math.min(share, rng.int(30, 220)));
    } else if (rng.chance(0.3)) {
      unit = writeClass(planner, syntax, planner.className(), importedClasses, moduleFunctions, Math.min(remaining, rng.int(30, 220)));
    } else {
      const written = writeFunction(planner, syntax, null, { declared: [], callees: moduleFunctions, methods: [] }, Math.min(remaining, rng.int(MIN_FUNCTION_LINES, 70)));
      if (written) moduleFunctions.push(written.plan.name);
      unit = written?.lines ?? null;
    }
    if (unit === null) break;
    lines.push(...Array<string>(syntax.topLevelGap).fill(''), ...unit);
  }
  if (lines.length < lineCount) lines.push('');
  while (lines.length < lineCount) lines.push(syntax.comment(planner.sentence()));
  return { path: fileName, content: `${lines.join('\n')}\n`, lines: lines.length };
}

function importsFor(
  rng: SeededRandom,
  seed: number,
  index: number,
  languageOf: (index: number) => LanguageSyntax,
  syntax: LanguageSyntax,
): ModuleImport[] {
  // Go files share one package: nothing to import between them.
  if (syntax.language === 'go') return [];
  const earlier: number[] = [];
  for (let candidate = index - 1; candidate >= 0 && earlier.length < 40; candidate--) {
    if (languageOf(candidate) === syntax) earlier.push(candidate);
  }
  return rng
    .sample(earlier, rng.int(0, 3))
    .sort((a, b) => a - b)
    .map((module) => ({ module, names: [moduleIdentity(seed, module).classNames[0]] }));
}

/** A function (or method, with `owner`) of at most `budget` lines, or null if not even the smallest fits. */
function writeFunction(
  planner: CodePlanner,
  syntax: LanguageSyntax,
  owner: ClassPlan | null,
  scope: BodyScope,
  budget: number,
): { lines: string[]; plan: FunctionPlan } | null {
  const plan: FunctionPlan = planner.functionSkeleton(scope, 2);
  let head = syntax.functionHead(plan, owner);
  let tail = syntax.functionTail(plan, owner);
  if (head.length + tail.length + 1 > budget) {
    plan.details = [];
    head = syntax.functionHead(plan, owner);
    if (head.length + tail.length + 1 > budget) return null;
  }
  const body: string[] = [];
  for (let attempt = 0; attempt < 40; attempt++) {
    const room = budget - head.length - tail.length - body.length;
    if (room <= 0) break;
    const declaredBefore = scope.declared.length;
    const step = planner.step(scope);
    const stepLines = syntax.step(step, owner);
    if (stepLines.length > room) {
      scope.declared.length = declaredBefore;
      if (room < 3) break;
      continue;
    }
    plan.steps.push(step);
    body.push(...stepLines);
    // Most functions stop well before their budget; the budget is a ceiling.
    if (planner.rng.chance(0.08)) break;
  }
  if (body.length === 0) {
    const step = { kind: 'comment' as const, text: planner.sentence() };
    plan.steps.push(step);
    body.push(...syntax.step(step, owner));
  }
  // Return something the body declared, when it declared anything.
  if (scope.declared.length > plan.params.length && planner.rng.chance(0.7)) {
    plan.result = scope.declared[scope.declared.length - 1];
    tail = syntax.functionTail(plan, owner);
  }
  return { lines: [...head, ...body, ...tail], plan };
}

function writeClass(
  planner: CodePlanner,
  syntax: LanguageSyntax,
  name: Words,
  bases: Words[],
  moduleFunctions: Words[],
  budget: number,
): string[] | null {
  const plan = planner.classSkeleton(name, bases);
  const head = syntax.classHead(plan);
  const tail = syntax.classTail(plan);
  if (head.length + tail.length + syntax.memberGap + MIN_FUNCTION_LINES > budget) return null;
  const members: string[] = [];
  const methodNames: Words[] = [];
  const methodCount = planner.rng.int(1, 8);
  for (let method = 0; method < methodCount; method++) {
    const room = budget - head.length - tail.length - members.length - syntax.memberGap;
    if (room < MIN_FUNCTION_LINES) break;
    const scope: BodyScope = { declared: [], callees: moduleFunctions, methods: methodNames };
    const written = writeFunction(planner, syntax, plan, scope, Math.min(room, planner.rng.int(MIN_FUNCTION_LINES, 50)));
    if (written === null) break;
    methodNames.push(written.plan.name);
    plan.methods.push(written.plan);
    members.push(...Array<string>(syntax.memberGap).fill(''), ...written.lines);
  }
  return [...head, ...members, ...tail];
}
