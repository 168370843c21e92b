import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codeTokens } from './codeTokens.js';
import { allOf, anyOf, fieldTsvector, identifierCompounds, lexemeOf, queryLexemes, queryTerms } from './searchLexemes.js';

const bodyOnly = (body: string[]) => fieldTsvector({ name: [], directories: [], comments: [], body });

describe('searchLexemes', () => {
  it('stems words like the english configuration and drops its stop words', () => {
    assert.equal(lexemeOf('signed'), 'sign');
    assert.equal(lexemeOf('cookies'), 'cooki');
    assert.equal(lexemeOf('configuration'), 'configur');
    assert.equal(lexemeOf('where'), null);
    assert.equal(lexemeOf('the'), null);
    assert.equal(lexemeOf('utf8'), 'utf8', 'tokens with digits are kept as they are');
    assert.equal(lexemeOf('get_user_name'), null, 'whole snake_case identifiers are not lexemes');
    assert.equal(lexemeOf('x'.repeat(101)), null);
  });

  it('turns a question into its distinct lexemes', () => {
    assert.deepEqual(queryLexemes(codeTokens('Where are the cookies signed? signCookie', true)), ['cooki', 'sign', 'signcooki']);
    assert.deepEqual(queryLexemes(['the', 'a']), []);
  });

  it('writes names with weight A, directories B, comments C and code D, numbered as one sequence', () => {
    const { searchText, lexemes } = fieldTsvector({ name: ['auth', 'tokens'], directories: ['core'], comments: ['signs'], body: ['sign', 'the', 'token', 'signed'] });
    // Positions: auth 1, tokens 2 | core 3 | signs 4 | sign 5, the 6 (stop word, still counted), token 7, signed 8.
    assert.equal(searchText, "'auth':1A 'token':2A,7D 'core':3B 'sign':4C,5D,8D");
    assert.deepEqual(lexemes, ['auth', 'token', 'core', 'sign']);
  });

  it('joins the pieces of a declared name into its compounds', () => {
    assert.deepEqual(identifierCompounds(['parse', 'retry', 'after']), ['parseretry', 'parseretryafter', 'retryafter']);
    assert.deepEqual(identifierCompounds(['oom', 'kill']), ['oomkill']);
    assert.deepEqual(identifierCompounds(['single']), []);
  });

  it("forms the identifier a question's words would make, and the acronyms of its word runs", () => {
    const forms = (query: string) => queryTerms(codeTokens(query, true)).expansions;
    const lexemesOf = (query: string) => forms(query).map((term) => term.lexeme);
    // getUserById is indexed (as a name) under the compound of its pieces.
    assert.ok(lexemesOf('get user by id').includes(lexemeOf('getuserbyid') as string));
    assert.ok(lexemesOf('parse the retry-after header').includes(lexemeOf('retryafter') as string));
    const oom = forms('kill a process when the system runs out of memory').find((term) => term.lexeme === 'oom');
    assert.deepEqual(oom?.covers, ['memori'], '"out of memory" stands for oom, which covers the word memory');
    assert.ok(!lexemesOf('the a of').length, 'runs of stop words alone stand for nothing');
  });

  it('keeps at most 256 positions per lexeme and positions within 16383', () => {
    const { searchText } = bodyOnly(Array.from({ length: 20_000 }, () => 'loop'));
    const positions = searchText.slice("'loop':".length).split(',');
    assert.equal(positions.length, 256);
    assert.equal(positions[0], '1D');
    const late = bodyOnly([...Array.from({ length: 17_000 }, () => 'filler'), 'tail']).searchText;
    assert.match(late, /'tail':16383D$/);
  });

  it('builds tsquery text', () => {
    assert.equal(anyOf(['sign', 'cooki']), "'sign' | 'cooki'");
    assert.equal(allOf(['sign', 'cooki']), "'sign' & 'cooki'");
  });
});
