import { type AgentAppDefinition } from '../lib';
import { emm } from './emm';
import { evaluation } from './evaluation';

/** Every example app, synthesized by `npm run synth`. */
export const apps: readonly AgentAppDefinition[] = [evaluation, emm];
