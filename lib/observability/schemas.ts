import { z } from 'zod';
import { type ISecretSource } from '../core/env-value';
import { ExternalEndpoint } from '../core/network';

/** zod schemas shared by the stack's props. */

export const secretSourceRef = z.custom<ISecretSource>((v) => typeof v === 'object' && v !== null && 'secretName' in v && 'keys' in v, {
  error: 'must be a SecretSource (or SecretSource.fromSecretName())',
});

export const secretKey = z.string().regex(/^[-._a-zA-Z0-9]+$/, { error: 'must be a Secret key: letters, digits, "-", "_" and "."' });

export const externalEndpoint = (example: string) => z.custom<ExternalEndpoint>((v) => ExternalEndpoint.isExternalEndpoint(v), { error: `must be an ExternalEndpoint, e.g. ${example}` });
