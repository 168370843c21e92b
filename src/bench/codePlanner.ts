// Draws names, sentences and statements for one generated module from the
// vocabulary. Everything comes from the module's own seeded generator, so a
// module's text depends only on (seed, module index, language, line target).

import type { ClassPlan, FunctionPlan, Step, Words } from './codePlan.js';
import { SeededRandom } from './seededRandom.js';
import { ADJECTIVES, capitalize, conjugate, DOMAINS, REASONS, ROLES, VERBS, type Domain } from './vocabulary.js';

/** What every module exposes to the modules that import it: decided before its body is written. */
export interface ModuleIdentity {
  domain: Domain;
  /** A second domain the module borrows some words from. */
  neighbour: Domain;
  /** The module's first classes, importable by later modules. */
  classNames: Words[];
}

export function moduleIdentity(seed: number, index: number): ModuleIdentity {
  const rng = SeededRandom.derive(seed, index * 2);
  const domain = rng.pick(DOMAINS);
  const neighbour = rng.pick(DOMAINS.filter((candidate) => candidate !== domain));
  const planner = new CodePlanner(rng, { domain, neighbour, classNames: [] });
  const classNames: Words[] = [];
  const count = rng.int(1, 3);
  while (classNames.length < count) {
    const name = planner.className();
    if (!classNames.some((known) => known.join() === name.join())) classNames.push(name);
  }
  return { domain, neighbour, classNames };
}

/** Names a function body has declared so far, so new ones stay unique and uses refer to real ones. */
export interface BodyScope {
  declared: Words[];
  /** Functions or methods the body may call. */
  callees: Words[];
  /** Inside a class: methods callable on self/this/the receiver. */
  methods: Words[];
}

export class CodePlanner {
  constructor(
    readonly rng: SeededRandom,
    readonly identity: ModuleIdentity,
  ) {}

  noun(): string {
    return this.rng.pick(this.rng.chance(0.8) ? this.identity.domain.nouns : this.identity.neighbour.nouns);
  }

  verb(): string {
    return this.rng.pick(VERBS);
  }

  adjective(): string {
    return this.rng.pick(ADJECTIVES);
  }

  /** verb + 1–2 nouns, sometimes an adjective: ['reserve', 'stock', 'item']. */
  functionName(): Words {
    const parts = [this.verb()];
    if (this.rng.chance(0.25)) parts.push(this.adjective());
    parts.push(this.noun());
    if (this.rng.chance(0.5)) parts.push(this.noun());
    return dedupeAdjacent(parts);
  }

  className(): Words {
    const parts: string[] = [];
    if (this.rng.chance(0.3)) parts.push(this.adjective());
    parts.push(this.noun());
    if (this.rng.chance(0.4)) parts.push(this.noun());
    parts.push(this.rng.pick(ROLES).toLowerCase());
    return dedupeAdjacent(parts);
  }

  /** Two or three words, never one (a single word could be a keyword somewhere). */
  variableName(): Words {
    const first = this.rng.chance(0.35) ? this.adjective() : this.noun();
    const parts = dedupeAdjacent([first, this.noun()]);
    if (parts.length < 2 || this.rng.chance(0.15)) parts.push(this.rng.pick(['count', 'total', 'list', 'map', 'id', 'value', 'state']));
    return parts;
  }

  freshVariable(scope: BodyScope): Words {
    for (let attempt = 0; attempt < 4; attempt++) {
      const name = this.variableName();
      if (!scope.declared.some((known) => known.join() === name.join())) return name;
    }
    const name = [...this.variableName(), String(scope.declared.length)];
    return name;
  }

  /** A sentence for a comment or a docstring, ending in a full stop. */
  sentence(): string {
    const noun = () => this.noun();
    const verb = conjugate(this.verb());
    const other = conjugate(this.verb());
    const adjective = this.adjective();
    const reason = this.rng.pick(REASONS);
    const templates = [
      () => `${capitalize(verb.third)} the ${adjective} ${noun()} for the given ${noun()}.`,
      () => `Returns the ${noun()} ${noun()} after ${verb.ing} every ${adjective} ${noun()}.`,
      () => `The ${noun()} is ${verb.past} before the ${noun()} so that ${reason} holds.`,
      () => `Keeps ${adjective} ${noun()} entries out of the ${noun()} for ${reason}.`,
      () => `Raises an error when the ${noun()} cannot be ${verb.past}.`,
      () => `${capitalize(verb.ing)} the ${noun()} twice would hurt ${reason}.`,
      () => `Callers must ${verb.base} the ${noun()} before ${other.ing} any ${noun()}.`,
      () => `A ${adjective} ${noun()} is ${other.past} lazily to save ${reason} work.`,
      () => `Only ${adjective} ${noun()} records reach this point.`,
      () => `See the ${noun()} ${noun()} notes for why this is ${verb.past} here.`,
    ];
    return this.rng.pick(templates)();
  }

  /** Docstring summary that says what the name says. */
  functionSummary(name: Words, params: Words[]): string {
    const [verb, ...object] = name;
    const target = params.length ? ` for the given ${params[0].join(' ')}` : '';
    return `${capitalize(conjugate(verb).third)} the ${object.join(' ')}${target}.`;
  }

  details(max: number): string[] {
    const count = this.rng.int(0, max);
    return Array.from({ length: count }, () => this.sentence());
  }

  functionSkeleton(scope: BodyScope, maxDetails: number): FunctionPlan {
    const name = this.functionName();
    const params: Words[] = [];
    const paramCount = this.rng.int(0, 3);
    while (params.length < paramCount) {
      const param = this.variableName();
      if (!params.some((known) => known.join() === param.join())) params.push(param);
    }
    scope.declared.push(...params);
    return {
      name,
      params,
      summary: this.functionSummary(name, params),
      details: this.details(maxDetails),
      steps: [],
      result: params[0] ?? ['empty', 'result'],
      exported: this.rng.chance(0.5),
    };
  }

  private someVariable(scope: BodyScope): Words {
    return scope.declared.length ? this.rng.pick(scope.declared) : this.variableName();
  }

  private callee(scope: BodyScope): { callee: Words; onSelf: boolean } {
    if (scope.methods.length && this.rng.chance(0.35)) return { callee: this.rng.pick(scope.methods), onSelf: true };
    if (scope.callees.length && this.rng.chance(0.6)) return { callee: this.rng.pick(scope.callees), onSelf: false };
    return { callee: this.functionName(), onSelf: false };
  }

  private args(scope: BodyScope): Words[] {
    const count = this.rng.int(0, Math.min(3, scope.declared.length));
    return this.rng.sample(scope.declared, count);
  }

  /** The next statement of a body; declares what it assigns in `scope`. */
  step(scope: BodyScope): Step {
    const roll = this.rng.next();
    if (roll < 0.34) {
      const { callee, onSelf } = this.callee(scope);
      const step: Step = { kind: 'call', target: this.freshVariable(scope), callee, args: this.args(scope), onSelf };
      scope.declared.push(step.target);
      return step;
    }
    if (roll < 0.46) return { kind: 'guard', subject: this.someVariable(scope), message: this.message() };
    if (roll < 0.6) {
      const collection = this.someVariable(scope);
      const item = this.freshVariable(scope);
      scope.declared.push(item);
      const accumulator = this.freshVariable(scope);
      scope.declared.push(accumulator);
      return { kind: 'loop', item, collection, accumulator, callee: this.callee(scope).callee };
    }
    if (roll < 0.7) return { kind: 'attempt', callee: this.callee(scope).callee, args: this.args(scope), message: this.message() };
    if (roll < 0.8) return { kind: 'log', message: this.message(), subject: this.someVariable(scope) };
    if (roll < 0.92) return { kind: 'comment', text: this.sentence() };
    const target = this.freshVariable(scope);
    scope.declared.push(target);
    const keys = new Set<string>();
    const size = this.rng.int(2, 5);
    while (keys.size < size) keys.add(`${this.adjective()}_${this.noun()}`);
    return { kind: 'table', target, entries: [...keys].map((key) => ({ key, value: this.rng.int(0, 5000) })) };
  }

  /** Short lower-case text for errors and log lines. */
  message(): string {
    const verb = conjugate(this.verb());
    return this.rng.pick([
      () => `could not ${verb.base} ${this.noun()}`,
      () => `${this.noun()} ${this.noun()} ${verb.past}`,
      () => `${this.adjective()} ${this.noun()} while ${verb.ing} ${this.noun()}`,
      () => `missing ${this.noun()} for ${this.noun()}`,
    ])();
  }

  classSkeleton(name: Words, baseCandidates: Words[]): ClassPlan {
    const fields: Words[] = [];
    const fieldCount = this.rng.int(1, 4);
    while (fields.length < fieldCount) {
      const field = this.variableName();
      if (!fields.some((known) => known.join() === field.join())) fields.push(field);
    }
    const role = name[name.length - 1];
    const subject = name.slice(0, -1).join(' ');
    const verb = conjugate(this.verb());
    return {
      name,
      summary: `${capitalize(role)} that ${verb.third} ${subject} records.`,
      details: this.details(2),
      fields,
      base: baseCandidates.length && this.rng.chance(0.3) ? this.rng.pick(baseCandidates) : null,
      methods: [],
    };
  }
}

function dedupeAdjacent(parts: string[]): string[] {
  return parts.filter((part, index) => part !== parts[index - 1]);
}
