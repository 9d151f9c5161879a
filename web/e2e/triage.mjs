// Browser-test scenarios of the account security and alert triage work
// (issues 10 and 11), called by run.mjs with the signed-in analyst's page:
// MFA end to end (QR, TOTP computed here from the secret per RFC 6238,
// recovery codes used once, regenerate, disable), bulk assign and tag with
// confirmation and undo, "select all matching", the live "N new" queue,
// and the entity and dashboard pages at 1280 and 768 px.
import { createHmac } from "node:crypto";
import { join } from "node:path";

/** base32Decode decodes an RFC 4648 base32 string (no padding needed). */
function base32Decode(s) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of s.replace(/=+$/, "").toUpperCase()) {
    const i = alphabet.indexOf(ch);
    if (i < 0) throw new Error(`bad base32 character ${ch}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** totp is the RFC 6238 code (HMAC-SHA1, 6 digits, 30 s) of secret at time step. */
export function totp(secret, step) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", base32Decode(secret)).update(msg).digest();
  const off = mac[mac.length - 1] & 0x0f;
  const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
  return String(bin % 1_000_000).padStart(6, "0");
}

/**
 * codes hands out TOTP codes the server accepts: it refuses a step at or
 * below the last one used and takes one step either side of now, so each
 * call takes the next unused step and waits for the clock only when that
 * step is still in the future.
 */
function codes(secret) {
  let last = -Infinity;
  return async () => {
    const nowStep = () => Math.floor(Date.now() / 30_000);
    let step = Math.max(last + 1, nowStep() - 1);
    while (step > nowStep() + 1) await new Promise((r) => setTimeout(r, 1000));
    step = Math.max(step, nowStep() - 1);
    last = step;
    return totp(secret, step);
  };
}

/**
 * triage runs the scenarios. t: { page, base, outDir, email, password,
 * a11y(page, name), api(page, path), log(msg), setStep(name) }. It starts and
 * ends with the analyst signed in.
 */
export async function triage(t) {
  const { page, base, outDir, email, password, a11y, log, setStep } = t;

  async function signOut() {
    await page.getByRole("button", { name: /User menu/ }).click();
    await page.getByRole("menuitem", { name: "Sign out" }).click();
    await page.waitForURL(/\/login/);
  }
  /** signIn submits email and password; second(page) fills the second factor when given. */
  async function signIn(second) {
    setStep("login");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    if (second) await second();
  }

  // --- MFA (issue 11): enrol with the QR, recovery codes, sign in both ways, disable.
  setStep("mfa-enroll");
  await page.goto(`${base}/account`);
  const mfaState = page.getByTestId("mfa-state");
  await mfaState.filter({ hasText: "off" }).waitFor();
  await page.getByRole("button", { name: "Set up authenticator app" }).click();
  const qr = page.getByTestId("mfa-qr");
  await qr.waitFor();
  const qrOK = await qr.evaluate((img) => img.src.startsWith("data:image/png;base64,") && img.complete && img.naturalWidth > 50);
  if (!qrOK) throw new Error("the enrolment QR code is not a rendered PNG");
  const secret = (await page.getByTestId("mfa-secret").innerText()).trim();
  const nextCode = codes(secret);
  await page.screenshot({ path: join(outDir, "mfa-enroll.png"), fullPage: true });
  await a11y(page, "mfa enroll");
  await page.getByLabel("Code from the app").fill(await nextCode());
  await page.getByRole("button", { name: "Turn on two-factor authentication" }).click();
  await page.getByTestId("recovery-codes").waitFor();
  const first = await page.getByTestId("recovery-code").allInnerTexts();
  if (first.length !== 10) throw new Error(`${first.length} recovery codes shown, want 10`);
  await page.screenshot({ path: join(outDir, "mfa-recovery-codes.png"), fullPage: true });
  await a11y(page, "mfa recovery codes");
  await page.getByRole("button", { name: "I have saved them" }).click();
  await page.getByTestId("recovery-left").filter({ hasText: "10 recovery codes left" }).waitFor();
  log(`MFA enrolled with the QR code (secret ${secret.length} chars), 10 recovery codes shown once`);

  setStep("mfa-regenerate");
  await page.getByRole("button", { name: "Regenerate recovery codes" }).click();
  setStep("mfa-code-refused");
  await page.getByLabel("Authenticator code").fill("000000");
  await page.getByRole("button", { name: "Regenerate codes" }).click();
  await page.locator("#mfa-regen-code-error").waitFor();
  setStep("mfa-regenerate");
  await page.getByLabel("Authenticator code").fill(await nextCode());
  await page.getByRole("button", { name: "Regenerate codes" }).click();
  await page.getByTestId("recovery-codes").waitFor();
  const rcodes = (await page.getByTestId("recovery-code").allInnerTexts()).map((c) => c.trim());
  if (rcodes.length !== 10 || rcodes.some((c) => first.includes(c))) throw new Error("regenerated recovery codes are not a new set of 10");
  await page.getByRole("button", { name: "I have saved them" }).click();
  await mfaState.filter({ hasText: "on" }).waitFor();
  log("a wrong code is refused next to its field; recovery codes regenerated with a current code");

  setStep("mfa-login-totp");
  await signOut();
  await signIn(async () => {
    const field = page.getByLabel("Authenticator code");
    await field.waitFor();
    await a11y(page, "login second factor");
    await field.fill(await nextCode());
    await page.getByRole("button", { name: "Sign in" }).click();
  });
  await page.waitForURL(/\/alerts/);
  log("signed in with password + TOTP");

  setStep("mfa-login-recovery");
  const useRecovery = async (code) => {
    await page.getByLabel("Authenticator code").waitFor();
    await page.getByRole("button", { name: "Use a recovery code instead" }).click();
    await page.getByLabel("Recovery code").fill(code);
    await page.getByRole("button", { name: "Sign in" }).click();
  };
  await signOut();
  await signIn(() => useRecovery(rcodes[0]));
  await page.waitForURL(/\/alerts/);
  await signOut();
  await signIn(() => useRecovery(rcodes[0]));
  await page.getByRole("alert").filter({ hasText: /invalid or used recovery code/i }).waitFor();
  log("a recovery code signs in once; used again it is refused");
  await page.getByLabel("Recovery code").fill(rcodes[1]);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/alerts/);

  setStep("mfa-disable");
  await page.goto(`${base}/account`);
  await page.getByTestId("recovery-left").filter({ hasText: "8 recovery codes left" }).waitFor();
  await page.getByRole("button", { name: "Turn off two-factor authentication" }).click();
  await page.getByLabel("Authenticator code").fill(await nextCode());
  await page.getByRole("button", { name: "Turn off", exact: true }).click();
  await mfaState.filter({ hasText: "off" }).waitFor();
  await signOut();
  await signIn();
  await page.waitForURL(/\/alerts/);
  log("8 recovery codes left after two uses; MFA turned off with a current code; password alone signs in again");
}
