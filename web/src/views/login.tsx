/** The login form: user name and password, then the two-factor code when the server asks for it. */
import { useRef, useState } from "preact/hooks";
import { ApiError } from "../api.ts";
import { ErrorLine, Field } from "../components/ui.tsx";
import { logIn } from "../session.ts";
import type { User } from "../types.ts";

/** The login screen. */
export function Login({ onDone }: { onDone: (u: User) => void }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [totp, setTotp] = useState("");
  const [askTotp, setAskTotp] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const totpInput = useRef<HTMLInputElement>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onDone(await logIn(username, password, askTotp ? totp : undefined));
    } catch (err) {
      if (err instanceof ApiError && err.code === "UPBEAT_TOTP_REQUIRED") {
        setAskTotp(true);
        setTimeout(() => totpInput.current?.focus(), 0);
      } else setError(err instanceof ApiError && err.code === "UPBEAT_LOGIN_FAILED" ? "Wrong user name or password." : err instanceof Error ? err.message : String(err));
      if (err instanceof ApiError && err.code === "UPBEAT_TOTP_FAILED") setTotp("");
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="login">
      <form class="card login-card" onSubmit={(e) => void submit(e)} aria-label="Log in">
        <h1>
          <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true"><path d="M3 17h6l3-7 5 13 3-6h9" fill="none" stroke="currentColor" stroke-width="3" stroke-linecap="round" stroke-linejoin="round" /></svg>
          Upbeat
        </h1>
        <Field label="User name">
          <input name="username" autocomplete="username" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} autofocus />
        </Field>
        <Field label="Password">
          <input name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </Field>
        {askTotp ? (
          <Field label="Two-factor code" hint="The 6-digit code from your authenticator app.">
            <input ref={totpInput} name="totp" inputMode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,8}" required value={totp} onInput={(e) => setTotp(e.currentTarget.value)} />
          </Field>
        ) : null}
        <ErrorLine error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
      </form>
    </main>
  );
}
