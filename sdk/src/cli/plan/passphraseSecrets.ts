// Secrets of a passphrase stack, decrypted offline as Pulumi's passphrase secrets provider does:
// no CLI, no backend, only the stack file's encryptionsalt and PULUMI_CONFIG_PASSPHRASE(_FILE).
import { createDecipheriv, pbkdf2Sync } from "node:crypto";
import { readFileSync } from "node:fs";

/** A decrypter of the stack's `secure:` values, or why there is none; undefined when the stack is no passphrase stack or no passphrase is given. */
export type Decrypter = { decrypt: (ciphertext: string) => string } | { error: string };

/**
 * Pulumi's passphrase provider: a key of PBKDF2-SHA256 (1,000,000 rounds) of the passphrase and
 * the salt of `encryptionsalt: v1:SALT:CHECK`, where CHECK is "pulumi" encrypted; each value
 * `v1:NONCE:CIPHERTEXT` is AES-256-GCM (the tag at the end), all base64.
 */
export function passphraseDecrypter(stackDoc: unknown, env: NodeJS.ProcessEnv = process.env): Decrypter | undefined {
  const doc = (typeof stackDoc === "object" && stackDoc !== null ? stackDoc : {}) as { encryptionsalt?: unknown; secretsprovider?: unknown };
  if (typeof doc.encryptionsalt !== "string" || (doc.secretsprovider !== undefined && doc.secretsprovider !== "passphrase")) return undefined;
  let passphrase = env.PULUMI_CONFIG_PASSPHRASE;
  if (passphrase === undefined && env.PULUMI_CONFIG_PASSPHRASE_FILE) {
    try {
      passphrase = readFileSync(env.PULUMI_CONFIG_PASSPHRASE_FILE, "utf8");
    } catch (e) {
      return { error: `PULUMI_CONFIG_PASSPHRASE_FILE: ${(e as Error).message}` };
    }
  }
  if (passphrase === undefined) return undefined;
  const [version, salt, ...check] = doc.encryptionsalt.split(":");
  if (version !== "v1" || !salt) return { error: `encryptionsalt ${doc.encryptionsalt} is not one Pulumi writes` };
  const key = pbkdf2Sync(passphrase, Buffer.from(salt, "base64"), 1_000_000, 32, "sha256");
  const decrypt = (ciphertext: string): string => {
    const [v, nonce, data] = ciphertext.split(":");
    if (v !== "v1" || !nonce || !data) throw new Error(`${ciphertext} is not a value Pulumi's passphrase provider writes`);
    const bytes = Buffer.from(data, "base64");
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(nonce, "base64"));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString("utf8");
  };
  try {
    // Pulumi's own words for a passphrase that does not open the salt's check value
    if (decrypt(check.join(":")) !== "pulumi") return { error: "incorrect passphrase" };
  } catch {
    return { error: "incorrect passphrase" };
  }
  return { decrypt };
}
