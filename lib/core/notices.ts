import { type IConstruct } from 'constructs';

/**
 * Something the environment changed in what a construct asked for (dev renders one replica of
 * a workload that asked for an HPA, a GPU pool serves its CPU fallback...): never an error, but
 * never silent either. `synthesize()` returns them in `SynthesisReport.notices`.
 */
export interface SynthesisNotice {
  /** Path of the construct, e.g. `support-copilot-dev/copilot-api`. */
  readonly path: string;
  /** The prop that asked, e.g. `autoscaling`. */
  readonly field: string;
  /** What the props asked for. */
  readonly asked: string;
  /** What was rendered instead. */
  readonly rendered: string;
  /** Why: the environment setting that decided it. */
  readonly why: string;
}

const NOTICES = Symbol.for('cdk8s-agents.Notices');

type WithNotices = Record<symbol, Omit<SynthesisNotice, 'path'>[] | undefined>;

/** Records that the environment changed what `scope` asked for. */
export function addNotice(scope: IConstruct, notice: Omit<SynthesisNotice, 'path'>): void {
  const holder = scope as unknown as WithNotices;
  if (!holder[NOTICES]) {
    Object.defineProperty(scope, NOTICES, { value: [], enumerable: false });
  }
  holder[NOTICES]?.push(notice);
}

/** Every notice of the constructs below `root`, in tree order. */
export function collectNotices(root: IConstruct): SynthesisNotice[] {
  return root.node.findAll().flatMap((c) => ((c as unknown as WithNotices)[NOTICES] ?? []).map((n) => ({ path: c.node.path, ...n })));
}

/** `[path] field: asked X; rendered Y (why)`: one line for a terminal. */
export function formatNotice(notice: SynthesisNotice): string {
  return `[${notice.path}] ${notice.field}: asked for ${notice.asked}; rendered ${notice.rendered}, because ${notice.why}`;
}
