import { id } from "ethers";
import { CREDIT_CODE_ALPHABET, creditCodeCheckCharacter } from "../../src/proofs/creditCode";

/**
 * A valid unified social credit code (GB 32100-2015) made from a name, the same every time: "91" (an enterprise
 * registered with market regulation), "440300" (Shenzhen), nine characters of the alphabet drawn from the name's
 * hash, and the check character. Test members are admitted under the hash of such a code, as real members are.
 */
export function creditCodeFor(name: string): string {
  const digest = BigInt(id(name));
  let body = "";
  for (let index = 0n; index < 9n; index += 1n) body += CREDIT_CODE_ALPHABET[Number((digest >> (index * 8n)) % 31n)];
  const first17 = `91440300${body}`;
  return first17 + creditCodeCheckCharacter(first17);
}
