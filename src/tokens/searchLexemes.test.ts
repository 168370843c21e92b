import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { codeTokens } from './codeTokens.js';
import { allOf, anyOf, lexemeOf, queryLexemes, weightedTsvector } from './searchLexemes.js';

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

  it('writes heading lexemes with weight A and body lexemes with weight B, numbered as one sequence', () => {
    const { searchText, lexemes } = weightedTsvector(['auth', 'tokens'], ['sign', 'the', 'token', 'signed']);
    // Positions: auth 1, tokens 2 | sign 3, the 4 (stop word, still counted), token 5, signed 6.
    assert.equal(searchText, "'auth':1A 'token':2A,5B 'sign':3B,6B");
    assert.deepEqual(lexemes, ['auth', 'token', 'sign']);
  });

  it('keeps at most 256 positions per lexeme and positions within 16383', () => {
    const { searchText } = weightedTsvector([], Array.from({ length: 20_000 }, () => 'loop'));
    const positions = searchText.slice("'loop':".length).split(',');
    assert.equal(positions.length, 256);
    assert.equal(positions[0], '1B');
    const late = weightedTsvector([], [...Array.from({ length: 17_000 }, () => 'filler'), 'tail']).searchText;
    assert.match(late, /'tail':16383B$/);
  });

  it('builds tsquery text', () => {
    assert.equal(anyOf(['sign', 'cooki']), "'sign' | 'cooki'");
    assert.equal(allOf(['sign', 'cooki']), "'sign' & 'cooki'");
  });
});
