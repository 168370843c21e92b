import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codeTokens, splitIdentifier } from './codeTokens.js';

/** The rules splitIdentifier implements in one pass, as the regular expressions they were first written as. */
function splitByRegularExpressions(identifier: string): string[] {
  return identifier
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .replace(/([A-Za-z])([0-9])/g, '$1 $2')
    .replace(/([0-9])([A-Za-z])/g, '$1 $2')
    .split(/[\s_$]+/)
    .filter((piece) => piece.length > 0)
    .map((piece) => piece.toLowerCase());
}

test('splitIdentifier splits camel case, capital runs, digits and separators', () => {
  assert.deepEqual(splitIdentifier('parseHTTPResponse2'), ['parse', 'http', 'response', '2']);
  assert.deepEqual(splitIdentifier('MAX_RETRY_count'), ['max', 'retry', 'count']);
  assert.deepEqual(splitIdentifier('getUserById'), ['get', 'user', 'by', 'id']);
  assert.deepEqual(splitIdentifier('utf8Decode'), ['utf', '8', 'decode']);
  assert.deepEqual(splitIdentifier('__init__'), ['init']);
  assert.deepEqual(splitIdentifier('$el'), ['el']);
  assert.deepEqual(splitIdentifier('x2d'), ['x', '2', 'd']);
  assert.deepEqual(splitIdentifier('IOError'), ['io', 'error']);
  assert.deepEqual(splitIdentifier('ABCDef'), ['abc', 'def']);
  assert.deepEqual(splitIdentifier('self'), ['self']);
  assert.deepEqual(splitIdentifier('___'), []);
  assert.deepEqual(splitIdentifier(''), []);
});

test('splitIdentifier agrees with the regular-expression rules on 20,000 random identifiers', () => {
  const alphabet = 'abzABZ09_$';
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < 20_000; i++) {
    let identifier = '';
    const length = 1 + Math.floor(random() * 12);
    for (let j = 0; j < length; j++) identifier += alphabet[Math.floor(random() * alphabet.length)];
    assert.deepEqual(splitIdentifier(identifier), splitByRegularExpressions(identifier), identifier);
  }
});

test('codeTokens keeps a compound identifier whole beside its pieces, without $', () => {
  assert.deepEqual(codeTokens('user.getName($x) + my$var', true), ['user', 'getname', 'get', 'name', 'x', 'myvar', 'my', 'var']);
  assert.deepEqual(codeTokens('user.getName()'), ['user', 'get', 'name']);
});
