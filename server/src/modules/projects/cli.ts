/** Command-line commands of the projects module. */
import type { Command } from 'commander';

export function registerProjectCommand(_program: Command): void {
  // commands are added here
}
