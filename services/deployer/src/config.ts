import { BaseEnv, loadConfig } from '@codex-k8s/runtime';
import type { z } from 'zod';

const Env = BaseEnv;

export type Config = Readonly<z.infer<typeof Env>>;

/** The only place deployer reads the environment. */
export const readConfig = (env: NodeJS.ProcessEnv = process.env): Config => loadConfig(Env, env);
