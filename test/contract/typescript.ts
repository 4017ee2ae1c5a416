import * as path from 'path';
import * as ts from 'typescript';

/** The repository's lib/, read by the TypeScript compiler with the repository's settings. */
export const REPO = path.resolve(__dirname, '..', '..');
export const LIB = path.join(REPO, 'lib');

let cached: ts.Program | undefined;

/** One program over the given root files (lib/index.ts by default) with tsconfig.json's options. */
export function libProgram(rootFiles: readonly string[] = [path.join(LIB, 'index.ts')]): ts.Program {
  if (cached && rootFiles.length === 1 && rootFiles[0] === path.join(LIB, 'index.ts')) {
    return cached;
  }
  const config = ts.readConfigFile(path.join(REPO, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, REPO);
  const program = ts.createProgram({ rootNames: [...rootFiles], options: { ...parsed.options, noEmit: true, incremental: false, tsBuildInfoFile: undefined } });
  if (rootFiles.length === 1 && rootFiles[0] === path.join(LIB, 'index.ts')) {
    cached = program;
  }
  return program;
}

/** Where a declaration is, relative to the repository: `lib/core/probes.ts:12`. */
export function location(node: ts.Node): string {
  const file = node.getSourceFile();
  return `${path.relative(REPO, file.fileName)}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
}

/** Whether a declaration is the library's own (not a dependency's). */
export function inLib(node: ts.Node): boolean {
  return node.getSourceFile().fileName.startsWith(LIB + path.sep);
}

/** The props interface of each construct of the public API (and of the add methods taking options). */
export const CONSTRUCT_PROPS: readonly string[] = [
  'AgentPlatformProps', 'AgentMicroserviceProps', 'McpToolServiceProps', 'ExternalMcpToolOptions', 'RedisCacheStatefulSetProps', 'GpuInferencePoolProps',
  'AgentBatchJobProps', 'SecretSourceProps', 'SharedVolumeProps', 'ObservabilityStackProps', 'PrometheusOptions', 'GrafanaOptions', 'TempoOptions',
  'CollectorOptions', 'AlertmanagerOptions', 'KubeStateMetricsOptions', 'SidecarOptions', 'InitContainerOptions',
];

/** The optional props of an exported interface of lib/index.ts (its own and inherited ones), with their `@default` text. */
export function documentedDefaults(interfaceName: string): Map<string, string> {
  const program = libProgram();
  const checker = program.getTypeChecker();
  const index = program.getSourceFile(path.join(LIB, 'index.ts'));
  const moduleSymbol = index && checker.getSymbolAtLocation(index);
  const symbol = moduleSymbol && checker.getExportsOfModule(moduleSymbol)
    .map((s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s))
    .find((s) => s.name === interfaceName);
  const declaration = symbol?.getDeclarations()?.[0];
  if (!declaration) {
    throw new Error(`${interfaceName} is not exported from lib/index.ts`);
  }
  const defaults = new Map<string, string>();
  for (const property of checker.getPropertiesOfType(checker.getTypeAtLocation(declaration))) {
    const signature = property.getDeclarations()?.find(ts.isPropertySignature);
    if (signature?.questionToken) {
      const tag = ts.getJSDocTags(signature).find((t) => t.tagName.text === 'default');
      defaults.set(property.name, tag ? ts.getTextOfJSDocComment(tag.comment) ?? '' : '(undocumented)');
    }
  }
  return defaults;
}
