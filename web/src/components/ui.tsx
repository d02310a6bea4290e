/** Small shared pieces: state badges, messages, form fields, buttons. */
import type { ComponentChildren } from "preact";
import { STATE_WORD } from "../format.ts";

/** A monitor state as a coloured badge. */
export function StateBadge({ state }: { state: string }) {
  return <span class={`badge st-${state}`}>{STATE_WORD[state] ?? state}</span>;
}

/** A coloured dot for a state (dense lists). */
export function StateDot({ state }: { state: string }) {
  return <span class={`dot st-${state}`} title={STATE_WORD[state] ?? state} aria-label={STATE_WORD[state] ?? state} />;
}

/** An error line (nothing when there is none). */
export function ErrorLine({ error }: { error: string | undefined | null }) {
  return error ? <p class="error" role="alert">{error}</p> : null;
}

/** A labelled form field. */
export function Field({ label, hint, children, wide }: { label: string; hint?: string; children: ComponentChildren; wide?: boolean }) {
  return (
    <label class={`field${wide ? " wide" : ""}`}>
      <span class="field-label">{label}</span>
      {children}
      {hint ? <span class="hint">{hint}</span> : null}
    </label>
  );
}

/** A page section with a heading. */
export function Section({ title, actions, children }: { title: string; actions?: ComponentChildren; children: ComponentChildren }) {
  return (
    <section class="card">
      <header class="card-head">
        <h2>{title}</h2>
        {actions ? <div class="actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}
