import { Chart } from 'cdk8s';
import { type IConstruct } from 'constructs';
import { z } from 'zod';
import { formatIssue, type PropIssue } from './errors';
import { type PodVolumeSet } from './pod-volume-set';
import { allowedWording, toPropIssues } from './props';
import { brandedReference, REFERENCES } from './references';
import { configKey } from './schemas';
import { type IConfigFiles, PodVolume } from './volumes';

/** Options of `mountConfigFiles()`. */
export interface ConfigFilesMountOptions {
  /**
   * One file of the map (its key), mounted alone at `mountPath` with a `subPath` mount, which
   * leaves the rest of the folder as the image has it. The kubelet never updates such a file in
   * place; the pod template's content hash rolls the pods when it changes.
   * @default - the whole map, as a read-only folder at `mountPath`
   */
  readonly file?: string;
}

/** A `ConfigFiles` map and where the main container sees it. */
export interface ConfigFilesMount extends ConfigFilesMountOptions {
  /** The files (a `ConfigFiles` of this app). */
  readonly files: IConfigFiles;
  /**
   * Absolute path in the container: the folder holding every file of the map, or, with `file`,
   * the path of that one file (e.g. "/etc/emm/jd.yaml").
   */
  readonly mountPath: string;
}

const MOUNT_PATH_MESSAGE = 'must be an absolute path other than "/", without ":" or ".." segments, e.g. "/etc/app" (or "/etc/app/app.yaml" with file)';

export const configFilesMountSchema = z.object({
  files: brandedReference<IConfigFiles>(REFERENCES.CONFIG_FILES),
  mountPath: z.string({ error: MOUNT_PATH_MESSAGE }).regex(/^\/[^\0:]+$/, { error: MOUNT_PATH_MESSAGE }).refine((p) => !p.split('/').includes('..'), { error: MOUNT_PATH_MESSAGE }),
  file: configKey.optional(),
}).strict();

/** One pod volume per map, however many times (and by however many containers of the pod) it is mounted. */
const VOLUMES = new WeakMap<IConfigFiles, PodVolume>();

function volumeOf(files: IConfigFiles): PodVolume {
  let volume = VOLUMES.get(files);
  if (!volume) {
    volume = PodVolume.fromConfigMap(files);
    VOLUMES.set(files, volume);
  }
  return volume;
}

function chartOf(construct: IConstruct): Chart | undefined {
  try {
    return Chart.of(construct);
  } catch {
    return undefined;
  }
}

/**
 * Mounts a `ConfigFiles` map read-only into the main container of `owner`'s pod: the folder, or
 * one file with `subPath`. The map's content hash goes on the pod template (`checksum/config-<map>`),
 * so a change of any of its files rolls the pods, and the map is applied before them.
 */
export function mountConfigFiles(owner: IConstruct, volumes: PodVolumeSet, mount: unknown, field: string, report: (issue: PropIssue) => void): void {
  const parsed = configFilesMountSchema.safeParse(mount, { reportInput: true, error: allowedWording });
  if (!parsed.success) {
    toPropIssues(configFilesMountSchema, parsed.error.issues, mount, field).forEach(report);
    return;
  }
  const { files, mountPath, file } = parsed.data;
  const mine = chartOf(owner);
  const theirs = chartOf(files);
  if (mine !== theirs) {
    report({
      field: `${field}.files`,
      value: files,
      message: `ConfigFiles "${files.name}" belongs to ${theirs ? `platform "${theirs.node.path}"` : 'no platform'}, not to this workload's platform "${mine?.node.path ?? '(none)'}": a pod mounts ConfigMaps of its own namespace only. Create the ConfigFiles in this platform (build each environment from its own constructs)`,
    });
    return;
  }
  const volume = volumeOf(files);
  volumes.add(volume, field);
  volumes.mountMain({ name: volume.name, mountPath, readOnly: true, ...(file !== undefined ? { subPath: file } : {}) }, `${field}.mountPath`);
  if (file !== undefined) {
    // Files may still be added to the map: the key is checked when the app is validated.
    owner.node.addValidation({
      validate: () => (files.keys.includes(file) ? [] : [formatIssue({
        field: `${field}.file`,
        value: file,
        message: `ConfigFiles "${files.name}" has no file of that name (its files: ${files.keys.join(', ') || 'none'}); the container would not start. Name one of them`,
      })]),
    });
  }
}
