// Turns a syntax tree into units that fit the chunk bounds. The file's top-level
// nodes are grouped by the row they start on; a group too large for the bounds
// is replaced by the groups of its children (a class by its header and members,
// a function by its statements), recursively, and only a group with no children
// left becomes line windows. Comments, decorators and attributes directly above
// a group join it.

import type { Node, Tree } from 'web-tree-sitter';
import type { ChunkUnit } from './chunkUnit.js';
import {
  FILE_SCOPE,
  innerScope,
  placeDeclaration,
  type DeclarationFinder,
  type Scope,
} from './declarationRules.js';
import { lineWindows } from './lineWindows.js';
import type { ChunkBounds, SourceLines } from './sourceLines.js';

/** Syntax nodes that start on one row, with leading comments folded in. */
interface NodeGroup {
  start: number;
  /** Last row of the group's own nodes (to tell whether a comment touches what follows). */
  end: number;
  nodes: Node[];
  symbol: string | null;
  kind: string | null;
  inherited: boolean;
  /** True once the group has a name of its own: a declaration, or the header of one. */
  named: boolean;
  /** The scope for declarations found inside it. */
  inner: Scope;
  /** Wrapper and declaration nodes that stand for this group itself: splitting looks through them. */
  self: Set<number>;
  leadingOnly: boolean;
}

/** Last row a node covers; a node ending with its newline ends on the row before. */
function lastRow(node: Node): number {
  const { row, column } = node.endPosition;
  return column === 0 && row > node.startPosition.row ? row - 1 : row;
}

export function syntaxUnits(
  tree: Tree,
  source: SourceLines,
  bounds: ChunkBounds,
  finder: DeclarationFinder,
): ChunkUnit[] {
  const units: ChunkUnit[] = [];
  const lastLine = source.count - 1;

  function group(nodes: Node[], parent: NodeGroup | null, scope: Scope, start: number, end: number): NodeGroup[] {
    const groups: NodeGroup[] = [];
    for (const node of nodes) {
      if (node.startIndex === node.endIndex) continue; // zero-width MISSING tokens
      const row = node.startPosition.row;
      if (row > end) break;
      // A node starting on a row the group already covers (`} else {`, Go's
      // newline terminators, `a(); b()`) joins it: rows are never shared.
      let current = groups[groups.length - 1];
      if (current === undefined || row > current.end) {
        // The first group of a split declaration is its header and keeps its
        // name; later groups lie inside it.
        const isHeader = groups.length === 0 && parent !== null && parent.symbol !== null && !parent.inherited;
        current = {
          start: row,
          end: row,
          nodes: [],
          symbol: parent?.symbol ?? null,
          kind: parent?.kind ?? null,
          inherited: !isHeader && parent?.symbol != null,
          named: isHeader,
          inner: scope,
          self: new Set(),
          leadingOnly: true,
        };
        groups.push(current);
      }
      current.nodes.push(node);
      current.end = Math.max(current.end, lastRow(node));
      current.leadingOnly &&= finder.isLeading(node);
      if (!current.named) nameGroup(current, node, scope);
    }
    return attachLeading(groups, start);
  }

  function nameGroup(target: NodeGroup, node: Node, scope: Scope): void {
    const declaration = finder.declarationOf(node);
    if (declaration === null) return;
    const placed = placeDeclaration(declaration, scope);
    target.symbol = placed.symbol;
    target.kind = placed.kind;
    target.inherited = false;
    target.named = true;
    target.inner = innerScope(declaration, scope);
    target.self = new Set(declaration.chain.map((link) => link.id));
  }

  /** Folds comment-only groups into the group right below them. */
  function attachLeading(groups: NodeGroup[], start: number): NodeGroup[] {
    for (let index = groups.length - 2; index >= 0; index--) {
      const leading = groups[index];
      const next = groups[index + 1];
      if (leading.leadingOnly && leading.end + 1 === next.start) {
        next.start = leading.start;
        groups.splice(index, 1);
      }
    }
    if (groups.length > 0) groups[0].start = start;
    return groups;
  }

  /** The children a group splits into; declaration nodes of the group itself are opened too. */
  function childrenOf(target: NodeGroup): Node[] {
    const children: Node[] = [];
    let opened = false;
    const open = (node: Node): void => {
      for (const child of node.children) {
        if (child === null) continue;
        if (target.self.has(child.id) && child.childCount > 0) open(child);
        else children.push(child);
      }
    };
    for (const node of target.nodes) {
      if (node.childCount > 0) {
        opened = true;
        open(node);
      } else {
        children.push(node);
      }
    }
    return opened ? children : [];
  }

  /**
   * Emits units for groups in order, splitting the ones that do not fit. A work
   * stack instead of recursion: generated code can nest thousands deep.
   */
  function emitAll(groups: NodeGroup[], end: number): void {
    const pending: { target: NodeGroup; end: number }[] = [];
    const pushParts = (parts: NodeGroup[], partsEnd: number): void => {
      for (let index = parts.length - 1; index >= 0; index--) {
        pending.push({ target: parts[index], end: index + 1 < parts.length ? parts[index + 1].start - 1 : partsEnd });
      }
    };
    let splitHeadPending = false;
    const emitUnits = (emitted: ChunkUnit[]): void => {
      if (splitHeadPending) emitted[0].startsSplit = true;
      splitHeadPending = false;
      units.push(...emitted);
    };

    pushParts(groups, end);
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      const { target, end: targetEnd } = next;
      // Rows are never cut, so a one-row group cannot be split any further.
      if (target.start === targetEnd || source.fits(target.start, targetEnd, bounds)) {
        emitUnits([toUnit(target)]);
        continue;
      }
      const children = childrenOf(target);
      const parts = children.length === 0 ? [] : group(children, target, target.inner, target.start, targetEnd);
      if (target.named && !target.inherited) splitHeadPending = true;
      if (parts.length === 0) {
        const { start, ...head } = toUnit(target);
        emitUnits(lineWindows(source, start, targetEnd, bounds, head));
      } else {
        pushParts(parts, targetEnd);
      }
    }
  }

  function toUnit(target: NodeGroup): ChunkUnit {
    return {
      start: target.start,
      symbol: target.symbol,
      kind: target.kind,
      inherited: target.inherited,
      symbols: target.symbol !== null && !target.inherited ? [target.symbol] : [],
      startsSplit: false,
    };
  }

  const root = tree.rootNode;
  const topLevel = group(root.children.filter((node): node is Node => node !== null), null, FILE_SCOPE, 0, lastLine);
  if (topLevel.length === 0) return lineWindows(source, 0, lastLine, bounds);
  emitAll(topLevel, lastLine);
  addNestedSymbols(units, declaredSymbols(root, finder));
  return units;
}

interface DeclaredSymbol {
  row: number;
  symbol: string;
}

/**
 * Every declaration in the file with its qualified name, in order. One
 * descendantsOfType call walks the tree inside wasm: far cheaper than visiting
 * nodes from JavaScript, where each Node object costs more than parsing it.
 */
function declaredSymbols(root: Node, finder: DeclarationFinder): DeclaredSymbol[] {
  const found: DeclaredSymbol[] = [];
  const enclosing: { endIndex: number; scope: Scope }[] = [];
  const named = new Set<number>(); // declarations already named through their wrapper
  for (const node of root.descendantsOfType(finder.declaringTypes)) {
    if (node === null || named.has(node.id)) continue;
    while (enclosing.length > 0 && enclosing[enclosing.length - 1].endIndex <= node.startIndex) enclosing.pop();
    const declaration = finder.declarationOf(node);
    if (declaration === null) continue;
    const scope = enclosing[enclosing.length - 1]?.scope ?? FILE_SCOPE;
    found.push({ row: node.startPosition.row, symbol: placeDeclaration(declaration, scope).symbol });
    for (const link of declaration.chain) named.add(link.id);
    enclosing.push({ endIndex: node.endIndex, scope: innerScope(declaration, scope) });
  }
  return found;
}

/** Lists each declaration in the unit its first row falls in. */
function addNestedSymbols(units: ChunkUnit[], declared: DeclaredSymbol[]): void {
  let next = 0;
  units.forEach((unit, index) => {
    const end = index + 1 < units.length ? units[index + 1].start - 1 : Infinity;
    const symbols = new Set(unit.symbols);
    while (next < declared.length && declared[next].row <= end) symbols.add(declared[next++].symbol);
    unit.symbols = [...symbols];
  });
}
