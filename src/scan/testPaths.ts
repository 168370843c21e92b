// Tests before implementation is rarely what a question wants. A test file
// repeats the words of the code it tests (its names, its error messages, the
// behaviour in its titles), so on a repository that ships its tests they crowd
// the answer out: on the JavaScript set, 179 of the 258 files ranked above a
// gold file were tests (docs/benchmarks.md). So chunks of test files count
// less, unless the question is about tests.

/** Directories that hold tests, fixtures and mocks, in any language. */
const TEST_DIRECTORY = /(?:^|\/)(?:tests?|__tests__|specs?|testdata|__mocks__|e2e)\//i;
/** File names: foo.test.js, foo.spec.ts, foo_test.go, test_foo.py, foo_spec.rb, FooTest.java, FooTests.cs, conftest.py. */
const TEST_FILE_NAME = /(?:[._-](?:test|spec)s?\.[^/]+$|(?:^|\/)test_[^/]+\.py$|[a-z0-9]Tests?\.[^/.]+$|(?:^|\/)conftest\.py$)/;

export function isTestPath(path: string): boolean {
  return TEST_DIRECTORY.test(path) || TEST_FILE_NAME.test(path);
}
