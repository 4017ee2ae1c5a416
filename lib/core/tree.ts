import { type IConstruct } from 'constructs';

/**
 * Walks of the construct tree, shared while the tree cannot change.
 *
 * Validating and rendering an app ask many questions of its whole tree (its workloads, its
 * objects, the constructs below each top-level construct, the observability stack...), and each
 * `findAll()` visits every construct: at a few thousand services the walks cost more than the
 * rendering itself. While `withFrozenTree` runs (validation and rendering, once the app is
 * built) each walk of the frozen root is made once and shared; anywhere else every call walks.
 */
interface Walks {
  all?: readonly IConstruct[];
  subtrees?: ReadonlyMap<IConstruct, readonly IConstruct[]>;
}

const frozen = new WeakMap<IConstruct, Walks>();

/**
 * Runs `fn` with the tree under `root` frozen: nothing may add constructs to it meanwhile (the
 * app is built; only its validation and rendering run). Nested calls share the outer freeze.
 */
export function withFrozenTree<T>(root: IConstruct, fn: () => T): T {
  if (frozen.has(root)) {
    return fn();
  }
  frozen.set(root, {});
  try {
    return fn();
  } finally {
    frozen.delete(root);
  }
}

/** `withFrozenTree` for several roots at once. */
export function withFrozenTrees<T>(roots: readonly IConstruct[], fn: () => T): T {
  return roots.reduceRight<() => T>((inner, root) => () => withFrozenTree(root, inner), fn)();
}

/** Every construct under `root`, `root` first, in pre-order (as `root.node.findAll()`). Do not modify the list. */
export function constructsOf(root: IConstruct): readonly IConstruct[] {
  const walks = frozen.get(root);
  if (!walks) {
    return root.node.findAll();
  }
  walks.all ??= root.node.findAll();
  return walks.all;
}

/**
 * Each child of `root`, in order, with every construct below it, the child first, in pre-order
 * (as `child.node.findAll()`): a pre-order walk lists each child's subtree in one run.
 */
export function subtreesOf(root: IConstruct): ReadonlyMap<IConstruct, readonly IConstruct[]> {
  const walks = frozen.get(root);
  if (walks?.subtrees) {
    return walks.subtrees;
  }
  const subtrees = new Map<IConstruct, IConstruct[]>();
  let current: IConstruct[] | undefined;
  for (const construct of constructsOf(root)) {
    if (construct.node.scope === root) {
      current = [];
      subtrees.set(construct, current);
    }
    current?.push(construct);
  }
  if (walks) {
    walks.subtrees = subtrees;
  }
  return subtrees;
}
