// The house style of lib/'s construct interfaces, read from the sources with the TypeScript parser: every member
// of an exported interface is readonly, and every optional Props member documents its @default (cdk-nag's style).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from './cdk-fixtures.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

interface Member {
  where: string;
  readonly: boolean;
  optional: boolean;
  documentedDefault: boolean;
  props: boolean;
}

/** Every property of every exported interface in lib/, including those of nested type literals. */
function members(): Member[] {
  const out: Member[] = [];
  for (const file of sources(join(REPOSITORY_ROOT, 'lib'))) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visitMembers = (owner: string, props: boolean, nodes: ts.NodeArray<ts.TypeElement>) => {
      for (const m of nodes) {
        if (!ts.isPropertySignature(m)) continue;
        const name = `${owner}.${m.name.getText(source)}`;
        const docs = ts.getJSDocTags(m).map((t) => t.tagName.getText(source));
        out.push({
          where: `${relative(REPOSITORY_ROOT, file)}: ${name}`,
          readonly: m.modifiers?.some((mod) => mod.kind === ts.SyntaxKind.ReadonlyKeyword) ?? false,
          optional: m.questionToken !== undefined,
          documentedDefault: docs.includes('default'),
          props,
        });
        if (m.type && ts.isTypeLiteralNode(m.type)) visitMembers(name, props, m.type.members);
      }
    };
    source.forEachChild((node) => {
      if (!ts.isInterfaceDeclaration(node) || !node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) return;
      visitMembers(node.name.text, /Props$/.test(node.name.text), node.members);
    });
  }
  return out;
}

describe('lib interfaces', () => {
  const found = members();

  it('are found (the parser reads the construct props)', () => {
    expect(found.some((m) => m.where.endsWith('PipelineStackProps.config'))).toBe(true);
    expect(found.some((m) => m.where.endsWith('PipelineStateMachineProps.functionTimeouts'))).toBe(true);
    expect(found.some((m) => m.where.endsWith('PipelineGlueJob.consolidations'))).toBe(true);
  });

  it('declare every member readonly', () => {
    expect(found.filter((m) => !m.readonly).map((m) => m.where)).toEqual([]);
  });

  it('document the @default of every optional Props member', () => {
    expect(found.filter((m) => m.props && m.optional && !m.documentedDefault).map((m) => m.where)).toEqual([]);
  });
});
