import { z } from 'zod';
import { type ISecretSource } from '../core/env-value';
import { ExternalEndpoint } from '../core/network';
import { brandedReference, REFERENCES } from '../core/references';
import { configKey } from '../core/schemas';

/** zod schemas shared by the stack's props. */

export const secretSourceRef = brandedReference<ISecretSource>(REFERENCES.SECRET_SOURCE);

export const secretKey = configKey;

export const externalEndpoint = (example: string) => z.custom<ExternalEndpoint>((v) => ExternalEndpoint.isExternalEndpoint(v), { error: `must be an ExternalEndpoint, e.g. ${example}` });
