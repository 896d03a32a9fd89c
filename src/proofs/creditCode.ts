/**
 * The unified social credit code (统一社会信用代码) of GB 32100-2015: 18 characters from a 31-character alphabet
 * (digits and upper-case letters without I, O, Z, S, V); characters 3-8 are the administrative-division code
 * (digits); the 18th is a check character over the first 17, weighted by 3^i mod 31. The registry keeps only
 * keccak256 of the code's text (src/chain/membership.ts `legalEntityHash`).
 */

export const CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/** The check character for the first 17 characters of a code (which must be from the alphabet). */
export function creditCodeCheckCharacter(first17: string): string {
  if (first17.length !== 17) throw new Error("the check character is computed over 17 characters");
  let sum = 0;
  for (let index = 0; index < 17; index += 1) {
    const value = CREDIT_CODE_ALPHABET.indexOf(first17[index]);
    if (value < 0) throw new Error(`"${first17[index]}" is not a credit-code character`);
    sum += value * WEIGHTS[index];
  }
  return CREDIT_CODE_ALPHABET[(31 - (sum % 31)) % 31];
}

/** Why `code` is not a valid unified social credit code, or undefined when it is. */
export function creditCodeProblem(code: string): string | undefined {
  if (code.length !== 18) return `a unified social credit code has 18 characters, not ${code.length}`;
  const wrong = [...code].findIndex((character) => !CREDIT_CODE_ALPHABET.includes(character));
  if (wrong >= 0) return `character ${wrong + 1} ("${code[wrong]}") is not allowed: digits and upper-case letters except I, O, Z, S, V`;
  if (!/^[0-9]{6}$/u.test(code.slice(2, 8))) return "characters 3 to 8 are the administrative-division code: six digits";
  const expected = creditCodeCheckCharacter(code.slice(0, 17));
  if (code[17] !== expected) return `the check character (the 18th) is "${code[17]}"; GB 32100-2015 gives "${expected}" for the first 17`;
  return undefined;
}

export function isCreditCode(code: string): boolean {
  return creditCodeProblem(code) === undefined;
}
