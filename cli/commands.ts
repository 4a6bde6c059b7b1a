/** Every `cloudrun-kit` subcommand. Add new ones here; `--help` lists them in this order. */
import { configCommand } from './config-command.ts';
import { localCommand } from './local-command.ts';
import type { Command } from './usage.ts';
import { validateCommand } from './validate-command.ts';

export const COMMANDS: readonly Command[] = [configCommand, validateCommand, localCommand];
