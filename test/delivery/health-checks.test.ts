/**
 * The Argo CD health checks, run by a real Lua 5.1 interpreter (Argo CD runs them on gopher-lua,
 * a Lua 5.1) against live objects of each state: the script sees the object as the global-like
 * `obj` and returns `{ status, message }`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ARGOCD_HEALTH_CHECKS, type ArgoCdHealthCheck, healthCheckKey } from '../../lib';
import { describeWithPrograms, runProgram } from '../helpers/programs';

/** A JSON value as a Lua table constructor (arrays 1-based, as Argo CD converts them). */
function luaValue(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') {
    if (/[^\x20-\x7e]/.test(value)) throw new Error(`fixture strings are printable ASCII: ${value}`);
    return JSON.stringify(value);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `{ ${value.map(luaValue).join(', ')} }`;
  return `{ ${Object.entries(value as Record<string, unknown>).map(([k, v]) => `[${JSON.stringify(k)}] = ${luaValue(v)}`).join(', ')} }`;
}

function checkOf(kind: string): ArgoCdHealthCheck {
  const check = ARGOCD_HEALTH_CHECKS.find((c) => c.kind === kind);
  if (!check) throw new Error(`no health check for ${kind}`);
  return check;
}

/** Runs a health check on one object; returns `status: message`. */
function health(kind: string, object: Record<string, unknown>): string {
  const program = [
    `local function check(obj)\n${checkOf(kind).lua}\nend`,
    `local hs = check(${luaValue(object)})`,
    'io.write(hs.status .. ": " .. hs.message)',
  ].join('\n');
  const run = runProgram('lua5.1', ['-'], { input: program });
  if (run.status !== 0) throw new Error(`lua5.1 failed (${run.status}): ${run.stderr}`);
  return run.stdout;
}

const condition = (type: string, status: string, extra: Record<string, unknown> = {}) => ({ type, status, lastTransitionTime: '2026-01-01T00:00:00Z', ...extra });

test('one check per custom resource kind, under the argocd-cm key Argo CD reads', () => {
  expect(ARGOCD_HEALTH_CHECKS.map(healthCheckKey)).toEqual([
    'resource.customizations.health.keda.sh_ScaledObject',
    'resource.customizations.health.external-secrets.io_ExternalSecret',
    'resource.customizations.health.inference.networking.k8s.io_InferencePool',
  ]);
});

describeWithPrograms(['lua5.1'])('the health checks in Lua 5.1', () => {
  test.each([
    ['no status yet', {}, 'Progressing: Waiting for KEDA to report on the ScaledObject'],
    ['Ready Unknown', { status: { conditions: [condition('Ready', 'Unknown')] } }, 'Progressing: Waiting for KEDA to report on the ScaledObject'],
    ['Ready', { status: { conditions: [condition('Ready', 'True', { message: 'ScaledObject is defined correctly and is ready for scaling' }), condition('Active', 'False')] } }, 'Healthy: ScaledObject is defined correctly and is ready for scaling'],
    ['not Ready', { status: { conditions: [condition('Ready', 'False', { reason: 'ScaledObjectCheckFailed', message: 'ScaledObject doesn\'t have correct scaleTargetRef specification' })] } }, 'Degraded: ScaledObject doesn\'t have correct scaleTargetRef specification'],
    ['on the fallback replicas', { status: { conditions: [condition('Ready', 'True'), condition('Fallback', 'True', { message: 'At least one trigger is falling back on this scaled object' })] } }, 'Degraded: At least one trigger is falling back on this scaled object'],
    ['paused', { status: { conditions: [condition('Ready', 'True'), condition('Paused', 'True', { message: 'ScaledObject is paused' })] } }, 'Suspended: ScaledObject is paused'],
  ])('ScaledObject %s', (_state, object, expected) => {
    expect(health('ScaledObject', { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'worker', generation: 1 }, ...object })).toBe(expected);
  });

  test.each([
    ['no status yet', {}, 'Progressing: Waiting for External Secrets to write the Secret'],
    ['synced', { status: { conditions: [condition('Ready', 'True', { reason: 'SecretSynced', message: 'secret synced' })] } }, 'Healthy: secret synced'],
    ['failing', { status: { conditions: [condition('Ready', 'False', { reason: 'SecretSyncedError', message: 'could not get secret data from provider' })] } }, 'Degraded: could not get secret data from provider'],
    ['failing without a message', { status: { conditions: [condition('Ready', 'False', { reason: 'SecretSyncedError' })] } }, 'Degraded: SecretSyncedError'],
  ])('ExternalSecret %s', (_state, object, expected) => {
    expect(health('ExternalSecret', { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'db' }, ...object })).toBe(expected);
  });

  const gateway = { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'inference-gateway' };
  test.each([
    ['not referenced by any Gateway', {}, 'Healthy: No Gateway reports on this pool yet: it serves once an HTTPRoute sends traffic to it'],
    ['accepted, references resolved', { status: { parents: [{ parentRef: gateway, conditions: [condition('Accepted', 'True', { observedGeneration: 2 }), condition('ResolvedRefs', 'True', { observedGeneration: 2 })] }] } }, 'Healthy: Accepted by 1 Gateway(s)'],
    ['refused by its Gateway', { status: { parents: [{ parentRef: gateway, conditions: [condition('Accepted', 'False', { reason: 'NotSupportedByGateway', message: 'the Gateway does not support InferencePools' })] }] } }, 'Degraded: inference-gateway: Accepted is False: the Gateway does not support InferencePools'],
    ['endpoint picker not found', { status: { parents: [{ parentRef: gateway, conditions: [condition('Accepted', 'True'), condition('ResolvedRefs', 'False', { reason: 'InvalidExtensionRef', message: 'Service llm-epp not found' })] }] } }, 'Degraded: inference-gateway: ResolvedRefs is False: Service llm-epp not found'],
    ['reported for an older generation', { status: { parents: [{ parentRef: gateway, conditions: [condition('Accepted', 'True', { observedGeneration: 1 })] }] } }, 'Progressing: Waiting for a Gateway to accept the pool and resolve its endpoint picker'],
    ['a parent without conditions yet', { status: { parents: [{ parentRef: gateway }] } }, 'Progressing: Waiting for a Gateway to accept the pool and resolve its endpoint picker'],
  ])('InferencePool %s', (_state, object, expected) => {
    expect(health('InferencePool', { apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool', metadata: { name: 'llm', generation: 2 }, ...object })).toBe(expected);
  });
});

test('docs/delivery.md shows every health check exactly as the writer emits it', () => {
  const docs = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'delivery.md'), 'utf8');
  expect(ARGOCD_HEALTH_CHECKS.length).toBeGreaterThan(0);
  for (const check of ARGOCD_HEALTH_CHECKS) {
    expect(docs).toContain(`\`${healthCheckKey(check)}\`:\n\n\`\`\`lua\n${check.lua}\`\`\``);
  }
});
