/**
 * Argo CD health checks (Lua, run by Argo CD with the live object as `obj`) for the custom
 * resources the library renders whose readiness a sync wave must wait for. Without a health
 * check Argo CD counts a custom resource as healthy as soon as it exists, so a wave would not
 * wait for an ExternalSecret to have written its Secret before the pods that read it start.
 * Argo CD ships checks for ScaledObject and ExternalSecret; these are the library's own, so
 * that every Argo CD version judges them the same way, and InferencePool has none upstream.
 */

/** One health check: the custom resource it judges and its Lua script. */
export interface ArgoCdHealthCheck {
  readonly group: string;
  readonly kind: string;
  /** What Healthy, Progressing and Degraded mean for this kind. */
  readonly description: string;
  readonly lua: string;
}

const SCALED_OBJECT = `local hs = { status = "Progressing", message = "Waiting for KEDA to report on the ScaledObject" }
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
local conditions = {}
for _, condition in ipairs(obj.status.conditions) do
  conditions[condition.type] = condition
end
local paused = conditions["Paused"]
if paused ~= nil and paused.status == "True" then
  hs.status = "Suspended"
  hs.message = paused.message or "Autoscaling is paused"
  return hs
end
local ready = conditions["Ready"]
if ready == nil or ready.status == "Unknown" then
  return hs
end
if ready.status == "False" then
  hs.status = "Degraded"
  hs.message = ready.message or ready.reason or "The ScaledObject is not ready"
  return hs
end
local fallback = conditions["Fallback"]
if fallback ~= nil and fallback.status == "True" then
  hs.status = "Degraded"
  hs.message = fallback.message or "A scaler fails: KEDA holds the fallback replica count"
  return hs
end
hs.status = "Healthy"
hs.message = ready.message or "The ScaledObject is ready"
return hs
`;

const EXTERNAL_SECRET = `local hs = { status = "Progressing", message = "Waiting for External Secrets to write the Secret" }
if obj.status == nil or obj.status.conditions == nil then
  return hs
end
for _, condition in ipairs(obj.status.conditions) do
  if condition.type == "Ready" then
    if condition.status == "True" then
      hs.status = "Healthy"
    elseif condition.status == "False" then
      hs.status = "Degraded"
    end
    hs.message = condition.message or condition.reason or hs.message
    return hs
  end
end
return hs
`;

const INFERENCE_POOL = `local hs = { status = "Healthy", message = "No Gateway reports on this pool yet: it serves once an HTTPRoute sends traffic to it" }
if obj.status == nil or obj.status.parents == nil or #obj.status.parents == 0 then
  return hs
end
local generation = obj.metadata.generation
local accepted = 0
for _, parent in ipairs(obj.status.parents) do
  local name = parent.parentRef and parent.parentRef.name or "a Gateway"
  local conditions = {}
  for _, condition in ipairs(parent.conditions or {}) do
    conditions[condition.type] = condition
  end
  for _, kind in ipairs({ "Accepted", "ResolvedRefs" }) do
    local condition = conditions[kind]
    if condition ~= nil and condition.status == "False" then
      hs.status = "Degraded"
      hs.message = name .. ": " .. kind .. " is False: " .. (condition.message or condition.reason or "")
      return hs
    end
  end
  local a = conditions["Accepted"]
  local r = conditions["ResolvedRefs"]
  local current = a ~= nil and (generation == nil or a.observedGeneration == nil or a.observedGeneration >= generation)
  if current and a.status == "True" and (r == nil or r.status == "True") then
    accepted = accepted + 1
  end
end
if accepted == 0 then
  hs.status = "Progressing"
  hs.message = "Waiting for a Gateway to accept the pool and resolve its endpoint picker"
  return hs
end
hs.message = "Accepted by " .. accepted .. " Gateway(s)"
return hs
`;

/** The health checks, by `group/Kind`. */
export const ARGOCD_HEALTH_CHECKS: readonly ArgoCdHealthCheck[] = [
  {
    group: 'keda.sh',
    kind: 'ScaledObject',
    description: 'Healthy when Ready is True and no scaler fell back; Degraded when Ready is False or KEDA uses the fallback replicas; Suspended while paused; Progressing until KEDA reports.',
    lua: SCALED_OBJECT,
  },
  {
    group: 'external-secrets.io',
    kind: 'ExternalSecret',
    description: 'Healthy when Ready is True (the Secret is written); Degraded when Ready is False (the store or the key is wrong); Progressing until then.',
    lua: EXTERNAL_SECRET,
  },
  {
    group: 'inference.networking.k8s.io',
    kind: 'InferencePool',
    description: 'Healthy when a Gateway accepted the pool and resolved its references (or when no Gateway reports on it yet, so an unrouted pool never blocks a sync); Degraded when a parent reports Accepted or ResolvedRefs False; Progressing while the report is pending or stale.',
    lua: INFERENCE_POOL,
  },
];

/** The `argocd-cm` key Argo CD reads a health check from. */
export function healthCheckKey(check: Pick<ArgoCdHealthCheck, 'group' | 'kind'>): string {
  return `resource.customizations.health.${check.group}_${check.kind}`;
}
