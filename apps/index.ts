import { type AgentAppDefinition } from '../lib';
import { evaluation } from './evaluation';

/** Every example app, synthesized by `npm run synth`. */
export const apps: readonly AgentAppDefinition[] = [evaluation];
