// Parses generated source with the chunker's own tree-sitter runtime and
// reports where the tree has ERROR or MISSING nodes.

import { withSyntaxTree } from '../chunk/treeSitter.js';

export interface SyntaxProblem {
  /** 1-based line of the first error node. */
  line: number;
  /** The node's type ('ERROR') or, for a node tree-sitter inserted, 'MISSING <type>'. */
  node: string;
}

/** The first syntax problem in `content`, null when it parses cleanly; throws when the grammar cannot load. */
export async function firstSyntaxProblem(language: string, content: string): Promise<SyntaxProblem | null> {
  const checked = await withSyntaxTree(language, content, (tree) => {
    if (!tree.rootNode.hasError) return { problem: null };
    const cursor = tree.walk();
    try {
      // Depth-first into subtrees that contain an error, until the error itself.
      for (;;) {
        const node = cursor.currentNode;
        if (node.isError || node.isMissing) {
          return { problem: { line: node.startPosition.row + 1, node: node.isMissing ? `MISSING ${node.type}` : 'ERROR' } };
        }
        if (node.hasError && cursor.gotoFirstChild()) continue;
        while (!cursor.gotoNextSibling()) {
          if (!cursor.gotoParent()) return { problem: { line: 1, node: 'ERROR' } };
        }
      }
    } finally {
      cursor.delete();
    }
  });
  if (checked === null) throw new Error(`no tree-sitter grammar loads for ${language}`);
  return checked.problem;
}
