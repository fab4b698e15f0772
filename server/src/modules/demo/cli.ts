import type { Command } from 'commander';
import type { Config } from '../../platform/config.ts';
import type { AppContext } from '../../platform/context.ts';
// Placeholder until the demo generator lands (being written now).
export function registerDemoCommand(_program: Command): void {}
export async function ensureDemoCity(_ctx: AppContext, _config: Config): Promise<void> {}
