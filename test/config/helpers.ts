import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { type ConfigFile, ConfigFiles, type ConfigFilesProps } from '../../lib';
import { problemsOf } from '../helpers/synth';

/** A fresh temp folder per test file; `cleanUp()` removes it. */
export class TempFolder {
  public readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-agents-config-'));

  /** Writes `content` to `name` below the folder and returns its absolute path. */
  public write(name: string, content: string | Uint8Array): string {
    const file = path.join(this.root, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    return file;
  }

  public cleanUp(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** The problems of a `ConfigFiles` named `cfg` holding `files` (as the user sees them). */
export function problemsOfFiles(files: ConfigFile[], props: Partial<ConfigFilesProps> = {}): string[] {
  return problemsOf((p) => {
    new ConfigFiles(p, 'cfg', { files, ...props });
  });
}

/** The problems of one file in a map. */
export function problemsOfFile(file: ConfigFile): string[] {
  return problemsOfFiles([file]);
}
