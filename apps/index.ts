import { type AgentAppDefinition } from '../lib';
import { emm } from './emm';
import { evaluation } from './evaluation';
import { supportCopilot } from './support-copilot';

/** Every example app, synthesized by `npm run synth`. */
export const apps: readonly AgentAppDefinition[] = [evaluation, emm, supportCopilot];
