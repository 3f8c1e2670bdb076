import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { VARIABLES, type Variable, type WholeNumberParse } from './environment-variables';

const README = resolve(__dirname, '../../../README.md');

const variables = Object.entries(VARIABLES) as [string, Variable<unknown>][];

/** A variable's row as README's table should hold it (without the padding the formatter adds). */
function rowOf(name: string, variable: Variable<unknown>): string {
  const shownDefault = typeof variable.default === 'string' ? `\`${variable.default}\`` : variable.default.shown;
  return `| \`${name}\` | ${shownDefault} | ${variable.doc} |`;
}

/** The rows of the table under README's "## Configuration", its header and rule left out, padding folded. */
function readmeRows(): string[] {
  const lines = readFileSync(README, 'utf8').split('\n');
  const section = lines.slice(lines.indexOf('## Configuration') + 1);
  const end = section.findIndex((line) => line.startsWith('## '));
  const table = section.slice(0, end === -1 ? undefined : end).filter((line) => line.startsWith('|'));
  return table.slice(2).map((line) => {
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim());
    return `| ${cells.join(' | ')} |`;
  });
}

describe("README's configuration table", () => {
  it('lists exactly the variables the server reads, each with its default and doc, in order', () => {
    expect(readmeRows()).toEqual(variables.map(([name, variable]) => rowOf(name, variable)));
  });

  it("states each whole number's range as the parse checks it", () => {
    for (const [name, variable] of variables) {
      if (!('min' in variable.parse)) continue;
      const { min, max } = variable.parse as WholeNumberParse;
      expect(`${name}: ${variable.doc}`).toContain(`${min} to ${max}`);
    }
  });
});
