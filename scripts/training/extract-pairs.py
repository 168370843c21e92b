#!/usr/bin/env python3
"""Mines (description -> code) training pairs for the code-search embedder.

    scripts/training/extract-pairs.py DIR [--corpus PATH ...] [--manifest FILE]

DIR is what scripts/training/fetch-sources.sh filled. Steps, following
/work/shared/training-sources.md:
  1. unpack every archive (dpkg-deb -x, dpkg-source -x, tar) under DIR/unpacked;
  2. read each package's licence (debian/copyright, package.json) and drop the
     package unless it allows redistribution of derived data;
  3. hash every file of the evaluation corpora (DIR/eval: python3-django, the
     PostgreSQL 15 sources, fastify@4 / ws@8 / pino@9; test/fixtures/sample-repo;
     any --corpus directory) and drop training files with those hashes;
  4. skip vendored / generated directories, minified files and exact duplicates;
  5. mine pairs: Python docstrings (ast), JSDoc before JS/TS declarations, Go doc
     comments before declarations, block comments before C function definitions;
     the description is removed from the code side;
  6. hold out a validation split (by file content hash), write
     DIR/pairs/{train,valid}.jsonl and the manifest (package, version, licence,
     per-file content hashes), gzip-compressed.
Deterministic: files are visited in sorted order and nothing is random.
"""
import argparse
import ast
import gzip
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SKIP_DIRS = {'_vendor', 'vendor', 'vendored', 'third_party', 'thirdparty', 'extern', 'node_modules',
             'dist', 'build', '__pycache__', 'locale', '.git'}
EVAL_NPM = {'fastify', 'ws', 'pino'}
EVAL_DEB = {'python3-django'}
EVAL_SRC = {'postgresql-15'}
ALLOWED_LICENCE = re.compile(
    r'\b(MIT|Expat|X11|BSD|Apache|ISC|PSF|Python|MPL|LGPL|GPL|Zlib|curl|public[- ]domain|OpenSSL|Unicode|Artistic|0BSD|Unlicense|CC0)',
    re.I)
LANG_BY_EXT = {'.py': 'python', '.go': 'go', '.js': 'javascript', '.mjs': 'javascript', '.cjs': 'javascript',
               '.ts': 'typescript', '.jsx': 'javascript', '.c': 'c', '.h': 'c', '.rs': 'rust'}
MAX_CODE_LINES = 80
MAX_CODE_CHARS = 4000
MAX_FILE_BYTES = 1_000_000
VALID_PERCENT = 3


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- unpacking

def unpack_all(root: Path):
    """Yields (kind, archive, unpacked dir) for every archive under root/{deb,src,npm}."""
    out = root.parent / 'unpacked' / root.name
    for deb in sorted((root / 'deb').glob('*.deb')):
        dest = out / 'deb' / deb.stem
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(['dpkg-deb', '-x', str(deb), str(dest) + '.tmp'], check=True)
            os.rename(str(dest) + '.tmp', dest)
        yield 'deb', deb, dest
    for dsc in sorted((root / 'src').glob('*.dsc')):
        dest = out / 'src' / dsc.stem
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(['dpkg-source', '--no-check', '-x', str(dsc), str(dest) + '.tmp'], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            os.rename(str(dest) + '.tmp', dest)
        yield 'src', dsc, dest
    for tgz in sorted((root / 'npm').glob('*.tgz')):
        dest = out / 'npm' / tgz.name[:-4]
        if not dest.exists():
            with tarfile.open(tgz) as archive:
                archive.extractall(str(dest) + '.tmp', filter='data')
            os.rename(str(dest) + '.tmp', dest)
        yield 'npm', tgz, dest


def package_identity(kind, archive: Path, unpacked: Path):
    """(name, version) of a package from its archive."""
    if kind in ('deb', 'src'):
        # apt-get writes an epoch's ':' as '%3a' in file names.
        name, version = archive.stem.split('_')[:2]
        return name, urllib.parse.unquote(version)
    meta = json.loads((unpacked / 'package' / 'package.json').read_text())
    return meta['name'], meta['version']


def licence_of(kind, name, unpacked: Path) -> str:
    if kind == 'npm':
        meta = json.loads((unpacked / 'package' / 'package.json').read_text())
        value = meta.get('license') or meta.get('licenses') or ''
        if isinstance(value, list):
            value = ' OR '.join(v.get('type', '') if isinstance(v, dict) else str(v) for v in value)
        if isinstance(value, dict):
            value = value.get('type', '')
        return str(value)
    copyright_file = (unpacked / 'usr/share/doc' / name / 'copyright') if kind == 'deb' else (unpacked / 'debian/copyright')
    if not copyright_file.exists():
        return ''
    text = copyright_file.read_text(errors='replace')
    # DEP-5: the licence of the "Files: *" stanza is the package's main licence.
    for stanza in re.split(r'\n\s*\n', text):
        if re.search(r'^Files:\s*\*\s*$', stanza, re.M):
            match = re.search(r'^License:\s*(.+)$', stanza, re.M)
            if match:
                return match.group(1).strip()
    match = re.search(r'^License:\s*(.+)$', text, re.M)
    if match and ALLOWED_LICENCE.search(match.group(1)):
        return match.group(1).strip()
    # Copyright files that are not DEP-5 quote the licence text itself.
    for phrase, known in (('Permission is hereby granted, free of charge', 'MIT (licence text in debian/copyright)'),
                          ('Redistribution and use in source and binary forms', 'BSD (licence text in debian/copyright)'),
                          ('Permission to use, copy, modify, and distribute', 'ISC (licence text in debian/copyright)')):
        if phrase in text:
            return known
    if match:
        return match.group(1).strip()
    for known in ('MIT', 'BSD', 'Apache', 'LGPL', 'GPL', 'PSF', 'MPL', 'ISC'):
        if re.search(r'\b' + known, text):
            return known + ' (from copyright text)'
    return ''


def source_roots(kind, unpacked: Path):
    if kind == 'deb':
        return [p for p in (unpacked / 'usr/lib/python3/dist-packages', unpacked / 'usr/share/gocode/src',
                            unpacked / 'usr/share/ansible', unpacked / 'usr/lib/python3') if p.exists()][:1] or \
            [p for p in (unpacked / 'usr/share/gocode', unpacked / 'usr/share/cargo/registry') if p.exists()]
    if kind == 'npm':
        return [unpacked / 'package']
    return [unpacked]


def walk_files(root: Path):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith('.'))
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.is_symlink() or not path.is_file():
                continue
            yield path


def is_minified(name: str, text: str) -> bool:
    if '.min.' in name or name.endswith('.bundle.js'):
        return True
    lines = text.count('\n') + 1
    return len(text) / lines > 200 or max((len(l) for l in text.splitlines()), default=0) > 2000


# ---------------------------------------------------------------- descriptions

ROLE = re.compile(r':[a-z]+:`~?([^`]*)`')
MARKUP = re.compile(r'``|`|\*\*|\{@link\s+([^}]*)\}')


def clean_description(text: str):
    """First paragraph of a doc comment, markup removed; None if it says too little."""
    text = text.strip()
    paragraph = re.split(r'\n\s*\n', text, maxsplit=1)[0]
    lines = []
    for line in paragraph.splitlines():
        stripped = line.strip()
        if stripped.startswith('@') or stripped.startswith(':param') or stripped.startswith(':return') \
                or re.match(r'^(Args|Arguments|Parameters|Returns|Raises|Example|Examples|Note|Usage)\s*:?\s*$', stripped):
            break
        lines.append(stripped)
    description = ' '.join(lines)
    description = ROLE.sub(r'\1', description)
    description = MARKUP.sub(lambda m: m.group(1) or '', description)
    description = re.sub(r'\s+', ' ', description).strip()
    if len(description) > 400:
        description = description[:400].rsplit(' ', 1)[0]
    words = re.findall(r'[A-Za-z]{2,}', description)
    if len(words) < 3 or len(description) < 12:
        return None
    lowered = description.lower()
    if lowered.startswith(('todo', 'fixme', 'xxx', 'copyright', 'license', 'deprecated', 'eslint', 'istanbul', 'jshint',
                           'see ', 'noqa', 'pylint', 'type:', 'inherit', 'overrid', '@inherit')) or 'spdx' in lowered \
            or 'copyright' in lowered[:80]:
        return None
    return description


def clip(lines):
    code = '\n'.join(lines[:MAX_CODE_LINES]).rstrip()
    return code[:MAX_CODE_CHARS]


def body_has_code(code: str) -> bool:
    return len([l for l in code.splitlines() if l.strip()]) >= 2


# ---------------------------------------------------------------- miners

def mine_python(text: str):
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    lines = text.splitlines()
    docstring_lines = set()
    nodes = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)):
            body = getattr(node, 'body', [])
            if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], 'value', None), ast.Constant) \
                    and isinstance(body[0].value.value, str):
                docstring_lines.update(range(body[0].lineno - 1, body[0].end_lineno))
                if not isinstance(node, ast.Module):
                    nodes.append(node)
    for node in nodes:
        description = clean_description(ast.get_docstring(node, clean=True) or '')
        if not description:
            continue
        start = min([d.lineno for d in node.decorator_list] + [node.lineno]) - 1
        kept = [lines[i] for i in range(start, node.end_lineno) if i not in docstring_lines]
        code = clip(kept)
        if body_has_code(code):
            yield description, code, node.name


def mine_block_comment_then_brace(text: str, lang: str):
    """JSDoc / Go / C: a doc comment directly above a declaration; the declaration
    ends at the first later line with the declaration's indentation starting with '}'."""
    lines = text.splitlines()
    n = len(lines)
    i = 0
    while i < n:
        stripped = lines[i].strip()
        comment = None
        if stripped.startswith('/*') and (lang != 'javascript' and lang != 'typescript' or stripped.startswith('/**')):
            j = i
            while j < n and '*/' not in lines[j]:
                j += 1
            if j >= n:
                break
            comment = '\n'.join(lines[i:j + 1])
            comment = re.sub(r'^\s*/\*+|\*+/\s*$', '', comment)
            comment = '\n'.join(re.sub(r'^\s*\*+ ?', '', l) for l in comment.splitlines())
            end = j
        elif stripped.startswith('//') and lang in ('go', 'c') or stripped.startswith('/// ') and lang == 'rust':
            marker = '///' if lang == 'rust' else '//'
            j = i
            while j + 1 < n and lines[j + 1].strip().startswith(marker):
                j += 1
            comment = '\n'.join(re.sub(r'^\s*//+ ?', '', l) for l in lines[i:j + 1])
            end = j
        if comment is None:
            i += 1
            continue
        k = end + 1
        while lang == 'rust' and k < n and lines[k].strip().startswith('#['):
            k += 1  # attributes between a Rust doc comment and its item
        if k >= n or not lines[k].strip() or lines[k].strip().startswith(('/*', '//', '#', '@')):
            i = end + 1
            continue
        decl = lines[k]
        indent = len(decl) - len(decl.lstrip())
        if lang == 'c':
            # Tolerate a blank line between a C function's header comment and its definition.
            if not re.match(r'^[A-Za-z_]', decl):
                i = end + 1
                continue
        if not looks_like_declaration(decl.strip(), lang):
            i = end + 1
            continue
        close = None
        limit = min(n, k + 400)
        for m in range(k, limit):
            line = lines[m]
            if m > k and line.strip().startswith('}') and len(line) - len(line.lstrip()) == indent:
                close = m
                break
            if m == k and lang != 'c' and line.rstrip().endswith(('}', '};', ');')) and '{' in line:
                close = m
                break
        if close is None:
            i = end + 1
            continue
        description = comment
        if lang == 'c':
            # PostgreSQL / glib style headers start with the function's name.
            description = re.sub(r'^\s*[A-Za-z_][A-Za-z0-9_]*(\(\))?\s*(--|-|:)\s*', '', description.strip())
        if lang == 'go':
            description = re.sub(r'^Deprecated:.*', '', description.strip())
        description = clean_description(description)
        code = clip(lines[k:close + 1])
        if description and body_has_code(code):
            name = re.findall(r'[A-Za-z_$][A-Za-z0-9_$]*', decl.strip().split('(')[0])
            yield description, code, (name[-1] if name else '')
        i = close + 1 if close is not None else end + 1


JS_DECL = re.compile(r'^(export\s+)?(default\s+)?(async\s+)?(function\b|class\b|(const|let|var)\s+[\w$]+\s*=|'
                     r'(static\s+|get\s+|set\s+|async\s+|public\s+|private\s+|protected\s+)*[\w$]+\s*\(.*\)\s*\{|'
                     r'[\w$.]+\s*=\s*(async\s+)?function\b|[\w$.]+\s*=\s*\(.*=>|[\w$]+\s*:\s*(async\s+)?function\b)')
GO_DECL = re.compile(r'^(func|type)\s')
RUST_DECL = re.compile(r'^(pub(\([a-z]+\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?(fn|struct|enum|trait|impl)\b')
C_DECL = re.compile(r'^[A-Za-z_][\w\s\*]*\(?[\w\s\*]*$|^[A-Za-z_][\w\s\*]*\b[A-Za-z_]\w*\s*\(')


def looks_like_declaration(line: str, lang: str) -> bool:
    if lang in ('javascript', 'typescript'):
        return bool(JS_DECL.match(line)) and not line.startswith(('if', 'for', 'while', 'switch', 'return', 'catch'))
    if lang == 'go':
        return bool(GO_DECL.match(line))
    if lang == 'rust':
        return bool(RUST_DECL.match(line))
    if lang == 'c':
        return bool(C_DECL.match(line)) and not line.startswith(('typedef', 'struct', 'enum', 'union', '#', 'return'))
    return False


def mine(text: str, lang: str):
    if lang == 'python':
        yield from mine_python(text)
    else:
        yield from mine_block_comment_then_brace(text, lang)


# ---------------------------------------------------------------- main

def hash_tree(root: Path, hashes: set):
    count = 0
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink():
                hashes.add(sha256(path.read_bytes()))
                count += 1
    return count


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('dir')
    parser.add_argument('--corpus', action='append', default=[], help='another evaluation corpus directory to exclude')
    parser.add_argument('--manifest', default=str(REPO / 'models-src/code-search-embedder/training-manifest.json.gz'))
    args = parser.parse_args()
    data = Path(args.dir).resolve()

    evaluation_hashes = set()
    evaluation = []
    for kind, archive, unpacked in unpack_all(data / 'eval'):
        name, version = package_identity(kind, archive, unpacked)
        files = hash_tree(unpacked, evaluation_hashes)
        evaluation.append({'name': name, 'version': version, 'registry': kind, 'files': files})
    for corpus in [REPO / 'test/fixtures/sample-repo'] + [Path(c) for c in args.corpus]:
        files = hash_tree(corpus, evaluation_hashes)
        evaluation.append({'name': str(corpus.relative_to(REPO)) if corpus.is_relative_to(REPO) else corpus.name,
                           'version': '', 'registry': 'directory', 'files': files})
    eval_names = {e['name'] for e in evaluation}
    for expected in EVAL_DEB | EVAL_SRC | EVAL_NPM:
        if expected not in eval_names:
            sys.exit(f'evaluation corpus {expected} was not fetched: run scripts/training/fetch-sources.sh {data} first')
    print(f'{len(evaluation_hashes)} evaluation-corpus file hashes', file=sys.stderr)

    seen_files = set()
    seen_pairs = set()
    packages = []
    pairs = {'train': [], 'valid': []}
    stats = {'excluded_eval_hash': 0, 'duplicate_files': 0, 'minified': 0}
    for kind, archive, unpacked in unpack_all(data / 'train'):
        name, version = package_identity(kind, archive, unpacked)
        record = {'name': name, 'version': version, 'registry': {'deb': 'debian', 'src': 'debian-source', 'npm': 'npm'}[kind]}
        bare = name.split('/')[-1]
        if name in EVAL_DEB | EVAL_SRC or bare in EVAL_NPM:
            record['skipped'] = 'evaluation corpus'
            packages.append(record)
            continue
        licence = licence_of(kind, name, unpacked)
        record['licence'] = licence
        if not ALLOWED_LICENCE.search(licence or '') or re.search(r'\b(proprietary|UNLICENSED|non-?commercial)\b', licence, re.I):
            record['skipped'] = 'licence not on the redistribution list'
            packages.append(record)
            continue
        files = []
        for root in source_roots(kind, unpacked):
            for path in walk_files(root):
                lang = LANG_BY_EXT.get(path.suffix)
                if lang is None or path.name.endswith('.d.ts') or path.stat().st_size > MAX_FILE_BYTES:
                    continue
                raw = path.read_bytes()
                digest = sha256(raw)
                if digest in evaluation_hashes:
                    stats['excluded_eval_hash'] += 1
                    continue
                if digest in seen_files:
                    stats['duplicate_files'] += 1
                    continue
                seen_files.add(digest)
                text = raw.decode('utf-8', errors='replace')
                if lang != 'python' and is_minified(path.name, text):
                    stats['minified'] += 1
                    continue
                split = 'valid' if int(digest[:8], 16) % 100 < VALID_PERCENT else 'train'
                mined = 0
                for description, code, symbol in mine(text, lang):
                    if symbol.lower().startswith('test'):
                        continue  # a test's description says what it checks, not what code does
                    key = sha256((description + '\0' + code).encode())
                    code_key = sha256(code.encode())
                    if key in seen_pairs or code_key in seen_pairs:
                        continue
                    seen_pairs.update((key, code_key))
                    pairs[split].append({'q': description, 'c': code, 'lang': lang, 'pkg': name})
                    mined += 1
                if mined:
                    files.append([str(path.relative_to(unpacked)), digest, mined])
        record['files'] = files
        record['pairs'] = sum(f[2] for f in files)
        packages.append(record)
        print(f'{name} {version} [{licence}]: {len(files)} files, {record["pairs"]} pairs', file=sys.stderr)

    out = data / 'pairs'
    out.mkdir(exist_ok=True)
    for split, rows in pairs.items():
        with open(out / f'{split}.jsonl', 'w') as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + '\n')
    by_lang = {}
    for row in pairs['train'] + pairs['valid']:
        by_lang[row['lang']] = by_lang.get(row['lang'], 0) + 1
    manifest = {
        'description': 'Training data of the code-search embedder: every package and file its pairs came from '
                       '(sha256 of the file bytes). Made by scripts/training/extract-pairs.py.',
        'rules': '/work/shared/training-sources.md (copied into docs/model-card.md)',
        'splits': {split: len(rows) for split, rows in pairs.items()},
        'pairsByLanguage': by_lang,
        'stats': stats,
        'evaluationCorpora': evaluation,
        'evaluationHashes': len(evaluation_hashes),
        'packages': packages,
    }
    Path(args.manifest).parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(args.manifest, 'wb', mtime=0) as handle:
        handle.write(json.dumps(manifest, indent=0, sort_keys=True).encode())
    print(json.dumps({k: manifest[k] for k in ('splits', 'pairsByLanguage', 'stats', 'evaluationHashes')}), file=sys.stderr)


if __name__ == '__main__':
    main()
