// Words that carry no meaning for semantic search and are left out of embeddings.
// Code is full of keywords and plumbing words whose vectors (from news text) would
// pull every chunk toward the same direction.

const ENGLISH = `
a about above after again against all also am an and any are aren as at be because been before being below
between both but by can cannot could couldn did didn do does doesn doing don down during each either else
etc ever every few for from further had hadn has hasn have haven having he her here hers herself him himself
his how however i if in into is isn it its itself just let ll me might more most must mustn my myself neither
no nor not now of off often on once only onto or other others otherwise our ours ourselves out over own per
quite rather re same shall shan she should shouldn since so some such than that the their theirs them
themselves then there these they this those though through thus to too under until up upon us very via was
wasn we were weren what whatever when whenever where whereas wherever whether which while who whom whose why
will with within without won would wouldn yet you your yours yourself yourselves
`;

// Keywords and boilerplate of common languages (Python, JS/TS, Java, C#, C/C++,
// Go, Rust, Ruby, PHP), plus placeholder names. Words that are keywords but also
// say what code does (`delete`, `match`, `select`, `async`) stay meaningful.
const CODE = `
abstract and args as assert async auto await begin bool boolean break byte case catch char class cls const
constexpr continue crate def default defer del dict do double elif else elsif end enum except explicit
export extends extern false final finally float fn for foreach friend from func function global go goto if
impl implements import in inline instanceof int interface internal is isinstance lambda len let long mod
module mut namespace native new nil none nonlocal not null nullptr object of operator or override package
param params pass private protected pub public raise readonly ref register require return self short
signed sizeof static str struct super switch synchronized template then this throw throws transient true
try typedef typename typeof uint undefined unless unsigned use using util utils val var virtual void volatile when
where while with yield foo bar baz qux todo fixme xxx eslint noqa pragma php endif ifdef ifndef define
include println printf sprintf
`;

const STOP_WORDS = new Set(`${ENGLISH} ${CODE}`.split(/\s+/).filter((word) => word.length > 0));

export function isStopWord(word: string): boolean {
  return STOP_WORDS.has(word);
}
