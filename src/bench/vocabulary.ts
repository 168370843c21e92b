// Words the generated corpus and its benchmark queries are built from. Each
// module belongs to a domain and names its code mostly with that domain's
// nouns, so that related files really are related and a query can find them.

export interface Domain {
  name: string;
  nouns: readonly string[];
}

function words(text: string): readonly string[] {
  return text.trim().split(/\s+/);
}

export const DOMAINS: readonly Domain[] = [
  { name: 'billing', nouns: words('invoice payment refund ledger balance charge discount coupon tax currency receipt subscription price vendor statement credit debit surcharge') },
  { name: 'shipping', nouns: words('shipment parcel carrier route warehouse pallet courier tracking manifest destination freight label customs dock container consignment delivery') },
  { name: 'identity', nouns: words('account password session token credential permission role profile login signature certificate secret nonce challenge membership passport') },
  { name: 'inventory', nouns: words('product stock item catalog supplier barcode shelf quantity reservation batch sku bundle variant replenishment forecast depot') },
  { name: 'messaging', nouns: words('message channel topic subscriber inbox mailbox thread notification recipient broadcast envelope attachment digest template newsletter outbox') },
  { name: 'analytics', nouns: words('metric report dashboard histogram sample series aggregate dimension cohort funnel percentile gauge counter trend anomaly snapshot') },
  { name: 'storage', nouns: words('bucket blob volume snapshot chunk segment replica partition checksum archive backup shard blocklist cursor offset compaction') },
  { name: 'scheduling', nouns: words('job task worker queue schedule deadline retry backoff timer cron lease heartbeat priority window slot calendar') },
  { name: 'search', nouns: words('query document index posting ranking score snippet synonym facet filter highlight tokenizer stemmer vocabulary suggestion relevance') },
  { name: 'media', nouns: words('image thumbnail video frame codec audio playlist caption subtitle resolution bitrate watermark gallery album poster stream') },
  { name: 'geography', nouns: words('region country city address coordinate latitude longitude boundary territory postcode timezone province district atlas border landmark') },
  { name: 'healthcare', nouns: words('patient appointment clinic diagnosis prescription dosage referral physician ward allergy vaccine symptom treatment insurance claim chart') },
  { name: 'education', nouns: words('student course lesson grade teacher classroom enrollment semester exam assignment curriculum transcript tutor quiz syllabus campus') },
  { name: 'networking', nouns: words('packet socket request response header proxy gateway endpoint handshake certificate cookie redirect tunnel bandwidth latency firewall') },
  { name: 'configuration', nouns: words('setting option profile environment variable override fallback flag feature rollout toggle preference schema secret manifest revision') },
  { name: 'commerce', nouns: words('order cart checkout customer basket wishlist promotion storefront merchant seller review rating voucher fulfillment shopper exchange') },
];

/** Verbs in their base form; other forms come from `conjugate`. */
export const VERBS = words(`
  validate compute build parse render resolve load save fetch update create delete merge split normalize
  serialize encode decode encrypt decrypt sign verify schedule cancel retry refresh rebuild reconcile
  archive restore export import publish subscribe notify dispatch route filter sort rank score index
  collect aggregate summarize estimate predict allocate reserve release lock unlock register approve reject
  assign transfer convert format sanitize compress expand prune evict cache flush sync replicate migrate
  audit inspect monitor track measure report calculate apply generate clone compare match select group
  batch stream buffer throttle limit enqueue drain poll wrap unwrap attach detach emit handle process
`);

export const ADJECTIVES = words(`
  pending active stale expired primary secondary remote local cached encrypted signed verified partial
  daily weekly monthly nightly recurring urgent delayed failed orphaned duplicate missing invalid external
  internal default custom legacy temporary permanent shared private public incoming outgoing archived
  compressed sorted filtered weighted normalized scheduled approved rejected draft final regional global
  nested flat raw parsed dirty clean hot cold lazy eager optional mandatory
`);

/** Suffixes of class names, as real code bases use them. */
export const ROLES = words(`
  Manager Service Repository Validator Builder Client Handler Scheduler Cache Registry Parser Formatter
  Resolver Tracker Policy Store Queue Monitor Exporter Importer Adapter Controller Factory Planner
  Reconciler Dispatcher Serializer Calculator Aggregator Provider Gateway Collector Processor Notifier
`);

/** Phrases that close a generated comment sentence. */
export const REASONS = words(`
  consistency performance correctness auditing compatibility safety throughput latency fairness
  idempotency durability readability isolation accuracy
`);

/** Reserved words of Python, TypeScript and Go: never used alone as a name. */
const RESERVED = new Set(
  words(`
    and as assert async await break case catch chan class const continue def default defer del delete do elif
    else enum except export extends false finally for from func function global go goto if import in
    instanceof interface is lambda let map new nil none nonlocal not null or package pass raise range
    return select self static struct super switch this throw true try type typeof var void while with yield
    any number string symbol object boolean never unknown print
  `),
);

export function isReserved(word: string): boolean {
  return RESERVED.has(word);
}

const IRREGULAR_PAST: Readonly<Record<string, string>> = { build: 'built', rebuild: 'rebuilt', split: 'split' };
const DOUBLED_FINAL = new Set(['split', 'drop', 'plan', 'ship', 'stop', 'tag', 'wrap', 'unwrap']);

export interface VerbForms {
  base: string;
  third: string;
  past: string;
  ing: string;
}

export function conjugate(verb: string): VerbForms {
  const stem = DOUBLED_FINAL.has(verb) ? verb + verb.at(-1) : verb;
  const third = /(s|x|z|ch|sh)$/.test(verb) ? `${verb}es` : /[^aeiou]y$/.test(verb) ? `${verb.slice(0, -1)}ies` : `${verb}s`;
  const past =
    IRREGULAR_PAST[verb] ??
    (verb.endsWith('e') ? `${verb}d` : /[^aeiou]y$/.test(verb) ? `${verb.slice(0, -1)}ied` : `${stem}ed`);
  const ing = verb.endsWith('e') && !verb.endsWith('ee') ? `${verb.slice(0, -1)}ing` : `${stem}ing`;
  return { base: verb, third, past, ing };
}

export function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** ['reserve', 'stock', 'item'] → 'reserveStockItem'. */
export function camelCase(parts: readonly string[]): string {
  return parts.map((part, index) => (index === 0 ? part : capitalize(part))).join('');
}

export function pascalCase(parts: readonly string[]): string {
  return parts.map(capitalize).join('');
}

export function snakeCase(parts: readonly string[]): string {
  return parts.join('_');
}
