import * as fs from 'fs';
import * as path from 'path';
import { brand, BrandKind, hasBrand } from './core/brand';
import { describeValue, type PropIssue } from './core/errors';
import { PLACEHOLDER } from './core/placeholder';
import { configKey } from './core/schemas';
import { toYaml } from './synth/yaml';

/** Options of `ConfigFile.fromFile()`. */
export interface ConfigFileOptions {
  /**
   * Key of the file in its ConfigMap: the file's name where the map is mounted as a folder, and
   * what a single-file mount names (`file`).
   * @default - the file's base name, e.g. "jd.yaml"
   */
  readonly key?: string;
}

/** How a secret-looking file is recognised; the rule's description is named in the refusal. */
interface SecretRule {
  readonly description: string;
  readonly matches: (name: string, text: string | undefined) => number | boolean;
}

/** Name rules look at the key and, for a file, its base name; content rules at each line of text content. */
const SECRET_NAME_RULES: readonly SecretRule[] = [
  { description: 'a dotenv file (".env", ".env.*" or "*.env")', matches: (name) => /^\.env(\..+)?$|\.env$/i.test(name) },
  {
    description: 'a private key or keystore file (id_rsa, id_dsa, id_ecdsa, id_ed25519, *.key, *.p12, *.pfx, *.jks, *.keystore, *.ppk)',
    matches: (name) => /^id_(rsa|dsa|ecdsa|ed25519)$|\.(key|p12|pfx|jks|keystore|ppk)$/i.test(name),
  },
  {
    description: 'a credentials file (credentials, credentials.*, .netrc, .pgpass, .htpasswd, .git-credentials, kubeconfig, *.kubeconfig)',
    matches: (name) => /^(credentials(\..+)?|\.netrc|_netrc|\.pgpass|\.htpasswd|\.git-credentials|kubeconfig|.+\.kubeconfig)$/i.test(name),
  },
];

/** Assignments such as `OPENAI_API_KEY=sk-...` in dotenv or shell syntax, named like the secrets `env` refuses as literals. */
const SECRET_ASSIGNMENT = /^\s*(?:export\s+)?([A-Z][A-Z0-9_]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?))\s*=\s*["']?[^\s"'#]/;

/** Well-known credential formats, as secret scanners match them (prefixes with enough random characters after them). */
const TOKEN_FORMATS: readonly RegExp[] = [
  /\b(AKIA|ASIA)[0-9A-Z]{16}\b/, // AWS access key id
  /\bgh[pousr]_[A-Za-z0-9]{36,}\b/, // GitHub token
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/, // Slack token
  /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]{16,}/, // Slack webhook URL
  /\bsk-(proj-|ant-)?[A-Za-z0-9_-]{32,}/, // OpenAI / Anthropic API key
  /\bAIza[0-9A-Za-z_-]{35}\b/, // Google API key
];

const SECRET_CONTENT_RULES: readonly SecretRule[] = [
  {
    description: 'a PEM private key ("-----BEGIN ... PRIVATE KEY-----")',
    matches: (_name, text) => lineOf(text, (line) => /-----BEGIN ((RSA|DSA|EC|OPENSSH|ENCRYPTED) )?PRIVATE KEY-----|-----BEGIN PGP PRIVATE KEY BLOCK-----/.test(line)),
  },
  {
    description: 'an assignment to a secret-looking variable (*_PASSWORD=, *_TOKEN=, *_API_KEY=, *_SECRET=...)',
    matches: (_name, text) => lineOf(text, (line) => SECRET_ASSIGNMENT.test(line)),
  },
  {
    description: 'an access token of a well-known format (AWS, GitHub, Slack, OpenAI, Anthropic, Google)',
    matches: (_name, text) => lineOf(text, (line) => TOKEN_FORMATS.some((format) => format.test(line))),
  },
];

/** 1-based number of the first line that matches, or 0. */
function lineOf(text: string | undefined, test: (line: string) => boolean): number {
  if (text === undefined) {
    return 0;
  }
  const lines = text.split('\n');
  const index = lines.findIndex(test);
  return index + 1;
}

/** Kubernetes refuses a ConfigMap whose data and binaryData values together exceed 1 MiB. */
export const MAX_CONFIG_MAP_BYTES = 1024 * 1024;

/** The content of a file: text for `data`, or base64 for `binaryData` when it is not UTF-8. */
type Content = { readonly text: string } | { readonly base64: string };

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Text when the bytes are valid UTF-8 (as `kubectl create configmap --from-file` decides), else binary. */
function contentOf(bytes: Uint8Array): Content {
  try {
    return { text: UTF8.decode(bytes) };
  } catch {
    return { base64: Buffer.from(bytes).toString('base64') };
  }
}

/**
 * One configuration file of a `ConfigFiles` map: read from a file of the app's source tree
 * (`fromFile`), given inline (`fromContent`), or built as an object and serialized (`fromYaml`,
 * `fromJson`). Files are read when the `ConfigFile` is created, never later, and only the file
 * named. Refused, with the reason: a file that cannot be read, a key that is not a valid
 * ConfigMap key, content above 1 MiB, and anything that looks like a secret (a dotenv file,
 * private keys, credentials files, secret assignments, well-known token formats): secrets belong
 * in a `SecretSource`. Content that is not UTF-8 is kept as binary (`binaryData`).
 */
export class ConfigFile {
  /** Whether `value` is a `ConfigFile` of any copy of the library. */
  public static isConfigFile(value: unknown): value is ConfigFile {
    return hasBrand(value, BrandKind.CONFIG_FILE);
  }

  /**
   * A file of the app's source tree, read now: `ConfigFile.fromFile(path.join(__dirname, 'jd.yaml'))`.
   * The path must be absolute (a relative one would depend on the folder synth runs in).
   */
  public static fromFile(filePath: string, options: ConfigFileOptions = {}): ConfigFile {
    const issues: PropIssue[] = [];
    const given = readKeyOption(options, issues);
    if (typeof filePath !== 'string' || filePath === '') {
      issues.push({ field: 'path', value: filePath, message: 'must be the path of a file, e.g. path.join(__dirname, "jd.yaml")' });
      return new ConfigFile(given ?? PLACEHOLDER, 'an invalid path', { text: '' }, issues);
    }
    const key = given ?? path.basename(filePath);
    const source = `file ${filePath}`;
    if (!path.isAbsolute(filePath)) {
      issues.push({ field: 'path', value: filePath, message: `must be an absolute path: a relative one would be read from whatever folder synth runs in. Use path.join(__dirname, ${JSON.stringify(filePath)})` });
      return new ConfigFile(key, source, { text: '' }, [...issues, ...keyIssues(key, given === undefined)]);
    }
    const read = readFile(filePath);
    issues.push(...read.issues);
    const file = new ConfigFile(key, source, read.content ?? { text: '' }, [...issues, ...keyIssues(key, given === undefined)]);
    if (read.content) {
      file._issues.push(...file.contentIssues(path.basename(filePath)));
    }
    return file;
  }

  /** Content given inline, under `key`: a string is text; bytes are text when they are UTF-8, else binary. */
  public static fromContent(key: string, content: string | Uint8Array): ConfigFile {
    const issues = keyIssues(key, false);
    const parsed = parseContent(content, issues);
    const file = new ConfigFile(typeof key === 'string' ? key : PLACEHOLDER, 'inline content', parsed ?? { text: '' }, issues);
    if (parsed) {
      file._issues.push(...file.contentIssues());
    }
    return file;
  }

  /** An object serialized as YAML (2-space block style, keys in their order), e.g. `fromYaml('app.yaml', { logLevel: 'info' })`. */
  public static fromYaml(key: string, value: unknown): ConfigFile {
    return ConfigFile.serialized(key, value, 'YAML', toYaml);
  }

  /** An object serialized as JSON (2-space indentation, a final newline). */
  public static fromJson(key: string, value: unknown): ConfigFile {
    return ConfigFile.serialized(key, value, 'JSON', (v) => {
      const text = JSON.stringify(v, null, 2) as string | undefined;
      if (text === undefined) {
        throw new Error('it has no JSON form');
      }
      return `${text}\n`;
    });
  }

  private static serialized(key: string, value: unknown, format: string, serialize: (value: unknown) => string): ConfigFile {
    if (value === null || typeof value !== 'object') {
      const file = ConfigFile.fromContent(key, '');
      file._issues.push({ field: 'value', value, message: `must be an object or a list to serialize as ${format}` });
      return file;
    }
    try {
      return ConfigFile.fromContent(key, serialize(value));
    } catch (error) {
      const file = ConfigFile.fromContent(key, '');
      const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
      file._issues.push({ field: 'value', value, message: `cannot be serialized as ${format}: ${reason}` });
      return file;
    }
  }

  /** Key in the ConfigMap: the file's name in a mounted folder. */
  public readonly key: string;
  /** Where the content comes from: `file <absolute path>` or `inline content`. */
  public readonly source: string;
  /** Bytes as Kubernetes counts them against the 1 MiB of a ConfigMap: UTF-8 bytes of text, raw bytes of binary content. */
  public readonly sizeBytes: number;
  /** Whether the content is not UTF-8 text, so it is rendered base64-encoded in `binaryData`. */
  public readonly binary: boolean;
  /** Problems found with the arguments or the content; the `ConfigFiles` holding it reports them. @internal */
  public readonly _issues: PropIssue[];
  /** @internal */
  public readonly _content: Content;

  private constructor(key: string, source: string, content: Content, issues: PropIssue[]) {
    this.key = key;
    this.source = source;
    this._content = content;
    this._issues = issues;
    this.binary = 'base64' in content;
    this.sizeBytes = 'text' in content ? Buffer.byteLength(content.text, 'utf8') : Buffer.from(content.base64, 'base64').length;
    brand(this, BrandKind.CONFIG_FILE);
  }

  /** The text of the file, undefined when it is binary. */
  public get text(): string | undefined {
    return 'text' in this._content ? this._content.text : undefined;
  }

  /** Too large, or secret-looking by the key, the file's own name or a line of text. */
  private contentIssues(fileName?: string): PropIssue[] {
    const issues: PropIssue[] = [];
    const field = fileName === undefined ? 'content' : 'path';
    const value = fileName === undefined ? this.key : this.source.replace(/^file /, '');
    if (this.sizeBytes > MAX_CONFIG_MAP_BYTES) {
      issues.push({ field, value, message: tooLarge(this.sizeBytes) });
    }
    const secret = this.secretRule(fileName);
    if (secret) {
      issues.push({ field, value, message: `looks like a secret: ${secret}. A ConfigMap is stored unencrypted, readable by anyone who may read the namespace, and committed to Git with the manifests. Declare it as a SecretSource (new SecretSource(scope, 'name', { keys: ['${this.key}'] })) and mount it with addVolume(PodVolume.fromSecret(secret), { mountPath })` });
    }
    return issues;
  }

  /** The description of the first secret rule that matches, with the line for a content rule. */
  private secretRule(fileName: string | undefined): string | undefined {
    const names = [this.key, ...(fileName !== undefined && fileName !== this.key ? [fileName] : [])];
    for (const rule of SECRET_NAME_RULES) {
      const name = names.find((n) => rule.matches(n, undefined));
      if (name !== undefined) {
        return `${JSON.stringify(name)} is ${rule.description}`;
      }
    }
    for (const rule of SECRET_CONTENT_RULES) {
      const line = rule.matches(this.key, this.text);
      if (typeof line === 'number' && line > 0) {
        return `line ${line} holds ${rule.description}`;
      }
    }
    return undefined;
  }
}

function tooLarge(bytes: number): string {
  return `holds ${bytes} bytes; a ConfigMap holds at most ${MAX_CONFIG_MAP_BYTES} bytes (1 MiB) of data: ship a file this large in the image or on a volume`;
}

function readKeyOption(options: unknown, issues: PropIssue[]): string | undefined {
  if (options === undefined) {
    return undefined;
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    issues.push({ field: '(options)', value: options, message: 'must be an object with the field "key"' });
    return undefined;
  }
  const unknown = Object.keys(options).filter((k) => k !== 'key');
  issues.push(...unknown.map((k) => ({ field: k, message: `unknown field ${JSON.stringify(k)}; allowed fields here: key` })));
  const key = (options as { key?: unknown }).key;
  if (key !== undefined && typeof key !== 'string') {
    issues.push({ field: 'key', value: key, message: 'must be a string: the file\'s name in the ConfigMap, e.g. "jd.yaml"' });
    return undefined;
  }
  return key;
}

function keyIssues(key: unknown, fromFileName: boolean): PropIssue[] {
  const result = configKey.safeParse(key);
  if (result.success) {
    return [];
  }
  const hint = fromFileName ? '; the file\'s name is the key unless you give one: ConfigFile.fromFile(path, { key: "app.yaml" })' : '';
  return [{ field: 'key', value: key, message: `${result.error.issues[0].message}${hint}` }];
}

function parseContent(content: unknown, issues: PropIssue[]): Content | undefined {
  if (typeof content === 'string') {
    if (!(content as unknown as { isWellFormed(): boolean }).isWellFormed()) {
      issues.push({ field: 'content', message: 'is not well-formed Unicode (it holds a lone surrogate), so it has no UTF-8 form: pass the bytes (a Buffer) instead' });
      return undefined;
    }
    return { text: content };
  }
  if (content instanceof Uint8Array) {
    return contentOf(content);
  }
  issues.push({ field: 'content', value: describeValue(content), message: 'must be a string or bytes (a Buffer or Uint8Array)' });
  return undefined;
}

/** Reads a regular file of at most 1 MiB; every failure is a problem naming the reason and the fix. */
function readFile(filePath: string): { content?: Content; issues: PropIssue[] } {
  const problem = (message: string) => ({ issues: [{ field: 'path', value: filePath, message }] });
  let stat: fs.Stats;
  try {
    stat = fs.statSync(filePath);
  } catch (error) {
    return problem(readFailure(error));
  }
  if (stat.isDirectory()) {
    return problem('is a folder: name one file (one ConfigFile per file; a ConfigFiles map holds several)');
  }
  if (!stat.isFile()) {
    return problem('is not a regular file (a device, FIFO or socket): name a file of the app\'s source tree');
  }
  if (stat.size > MAX_CONFIG_MAP_BYTES) {
    return problem(tooLarge(stat.size));
  }
  try {
    return { content: contentOf(fs.readFileSync(filePath)), issues: [] };
  } catch (error) {
    return problem(readFailure(error));
  }
}

function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'does not exist: check the path (files are read when the ConfigFile is created; build it from __dirname, e.g. path.join(__dirname, "jd.yaml"))';
    case 'ENOTDIR':
      return 'does not exist: a part of the path is a file, not a folder';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read: permission denied (give the user running synth read access)';
    case 'ELOOP':
      return 'cannot be read: too many levels of symbolic links';
    default:
      return `cannot be read: ${error instanceof Error ? error.message : String(error)}`;
  }
}
