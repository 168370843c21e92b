// Search queries for the latency benchmark, drawn from the corpus vocabulary
// with their own seeded stream: questions in words, identifiers in each
// casing, and keyword lists, the mix a developer sends to a code search.

import { SeededRandom } from './seededRandom.js';
import { ADJECTIVES, camelCase, conjugate, DOMAINS, pascalCase, ROLES, snakeCase, VERBS } from './vocabulary.js';

const QUERY_STREAM = 0x2545f491;

export function benchmarkQueries(count: number, seed: number): string[] {
  const rng = SeededRandom.derive(seed ^ QUERY_STREAM, 0);
  const queries: string[] = [];
  while (queries.length < count) {
    const domain = rng.pick(DOMAINS);
    const noun = () => rng.pick(domain.nouns);
    const verb = conjugate(rng.pick(VERBS));
    const adjective = rng.pick(ADJECTIVES);
    const templates = [
      () => `how do we ${verb.base} the ${noun()} ${noun()}`,
      () => `where is the ${adjective} ${noun()} ${verb.past}`,
      () => `what happens when a ${noun()} cannot be ${verb.past}`,
      () => `${verb.base} ${adjective} ${noun()} before ${conjugate(rng.pick(VERBS)).ing} the ${noun()}`,
      () => snakeCase([verb.base, noun(), noun()]),
      () => camelCase([verb.base, adjective, noun()]),
      () => pascalCase([noun(), noun(), rng.pick(ROLES).toLowerCase()]),
      () => `${noun()} ${noun()} ${verb.base}`,
      () => `${adjective} ${noun()} error`,
    ];
    queries.push(rng.pick(templates)());
  }
  return queries;
}
