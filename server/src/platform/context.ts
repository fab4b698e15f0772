import type { Config } from './config.ts';
import type { Db } from './db.ts';

/** Everything a module needs from the platform, passed explicitly (no globals). */
export interface AppContext {
  readonly db: Db;
  readonly config: Config;
  readonly version: string;
  readonly mqtt: { readonly mode: 'embedded' | 'external'; readonly url: string };
}

/** Who is acting. Until accounts exist (issue 3) the console acts as one staff user. */
export interface Actor { readonly name: string }
export const CONSOLE_ACTOR: Actor = { name: 'console' };
export const SYSTEM_ACTOR: Actor = { name: 'system' };
