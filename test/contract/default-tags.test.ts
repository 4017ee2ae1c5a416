import * as path from 'path';
import * as ts from 'typescript';
import { CONSTRUCT_PROPS, inLib, LIB, libProgram, location } from './typescript';

/**
 * aws-cdk's `props-default-doc` rule, checked with the TypeScript compiler on lib/: every
 * optional property of every props and options interface of the public API (lib/index.ts), and
 * of every interface they reach through their property types, documents its default with a
 * `@default` tag. Interfaces named `I<Something>` are construct references, not props.
 */

interface OptionalProp {
  readonly owner: string;
  readonly name: string;
  readonly where: string;
  readonly documented: boolean;
}

const program = libProgram();
const checker = program.getTypeChecker();

function exportedSymbols(): ts.Symbol[] {
  const index = program.getSourceFile(path.join(LIB, 'index.ts'));
  const moduleSymbol = index && checker.getSymbolAtLocation(index);
  if (!moduleSymbol) {
    throw new Error('lib/index.ts is not a module');
  }
  return checker.getExportsOfModule(moduleSymbol).map((s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s));
}

const isReference = (name: string) => /^I[A-Z]/.test(name);

/** The interfaces of lib/ a type refers to (through arrays, unions, records), which are props themselves. */
function reachedInterfaces(type: ts.Type, out: ts.InterfaceDeclaration[], seen = new Set<ts.Type>()): void {
  if (seen.has(type) || !(type.flags & (ts.TypeFlags.Object | ts.TypeFlags.UnionOrIntersection))) {
    return;
  }
  seen.add(type);
  if (type.isUnionOrIntersection()) {
    type.types.forEach((t) => reachedInterfaces(t, out, seen));
    return;
  }
  if (checker.isArrayType(type)) {
    checker.getTypeArguments(type as ts.TypeReference).forEach((t) => reachedInterfaces(t, out, seen));
    return;
  }
  for (const info of checker.getIndexInfosOfType(type)) {
    reachedInterfaces(info.type, out, seen);
  }
  for (const declaration of type.getSymbol()?.getDeclarations() ?? []) {
    if (ts.isInterfaceDeclaration(declaration) && inLib(declaration) && !isReference(declaration.name.text)) {
      out.push(declaration);
    }
  }
}

/** Every optional property of `root` and of the interfaces it reaches, each interface once. */
function optionalProps(root: ts.InterfaceDeclaration, seen = new Set<ts.InterfaceDeclaration>()): OptionalProp[] {
  if (seen.has(root)) {
    return [];
  }
  seen.add(root);
  const props: OptionalProp[] = [];
  const type = checker.getTypeAtLocation(root);
  for (const property of checker.getPropertiesOfType(type)) {
    const declaration = property.getDeclarations()?.find(ts.isPropertySignature);
    if (!declaration || !inLib(declaration)) {
      continue;
    }
    if (declaration.questionToken) {
      const owner = (declaration.parent as ts.InterfaceDeclaration).name.text;
      props.push({ owner, name: property.name, where: location(declaration), documented: ts.getJSDocTags(declaration).some((t) => t.tagName.text === 'default') });
    }
    const reached: ts.InterfaceDeclaration[] = [];
    reachedInterfaces(checker.getTypeOfSymbolAtLocation(property, declaration), reached);
    for (const nested of reached) {
      props.push(...optionalProps(nested, seen));
    }
  }
  return props;
}

/** The public props and options interfaces (`...Props`, `...Options`, and aliases of them), by exported name. */
function publicRoots(): Map<string, ts.InterfaceDeclaration> {
  const roots = new Map<string, ts.InterfaceDeclaration>();
  for (const symbol of exportedSymbols()) {
    if (!/(Props|Options)$/.test(symbol.name)) {
      continue;
    }
    for (const declaration of symbol.getDeclarations() ?? []) {
      if (ts.isInterfaceDeclaration(declaration)) {
        roots.set(symbol.name, declaration);
      } else if (ts.isTypeAliasDeclaration(declaration)) {
        const target = checker.getTypeAtLocation(declaration).getSymbol()?.getDeclarations()?.find(ts.isInterfaceDeclaration);
        if (target) {
          roots.set(symbol.name, target);
        }
      }
    }
  }
  return roots;
}

const roots = publicRoots();

describe('@default on every optional prop (props-default-doc)', () => {
  test('every construct of the public API has its props interface in the list below', () => {
    expect(CONSTRUCT_PROPS.filter((name) => !roots.has(name))).toEqual([]);
  });

  test.each(CONSTRUCT_PROPS)('%s: every optional prop, nested options included, documents its default', (name) => {
    const root = roots.get(name);
    expect(root).toBeDefined();
    const props = optionalProps(root as ts.InterfaceDeclaration);
    expect(props.length).toBeGreaterThan(0);
    expect(props.filter((p) => !p.documented).map((p) => `${p.where} ${p.owner}.${p.name}`)).toEqual([]);
  });

  test('every public props and options interface documents the default of each optional prop', () => {
    const props = [...roots.values()].flatMap((root) => optionalProps(root));
    // lib/ has well over a hundred optional props; an empty walk would prove nothing
    expect(roots.size).toBeGreaterThan(30);
    expect(props.length).toBeGreaterThan(150);
    expect(props.filter((p) => !p.documented).map((p) => `${p.where} ${p.owner}.${p.name}`)).toEqual([]);
  });
});
