// The field rules the device checks before saving: src/rules/, the same verdicts as
// sync-core's validation (both run fixtures/field-rules/cases.json); the server still decides.

import { checkPhone } from './rules/index.ts';

export { checkContact } from './rules/index.ts';
export type { FieldProblem } from './rules/index.ts';

/** The E.164 form of what was typed, read with the company's region as sync-core reads it;
 * empty when it does not read (the problem is then shown on the field). */
export function toE164(raw: string, region: string): string {
  const checked = checkPhone(raw, region === '' ? null : region);
  return checked.ok ? checked.value : '';
}
