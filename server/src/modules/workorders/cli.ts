/** Command-line commands of the workorders module. */
import type { Command } from 'commander';

export function registerWorkOrderCommand(_program: Command): void {
  // commands are added here
}
