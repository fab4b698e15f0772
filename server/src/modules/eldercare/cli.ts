/** Command-line commands of the eldercare module. */
import type { Command } from 'commander';

export function registerEldercareCommand(_program: Command): void {
  // commands are added here
}
