import { useSignIn } from "./useSignIn";
import { MicrosoftLogo } from "./MicrosoftLogo";

export function SignInPrompt() {
  const { start, error, busy } = useSignIn();
  return (
    <section className="center-pad narrow">
      <h1>Sign in to see your tasks</h1>
      <p>Your tasks are private to your Microsoft account.</p>
      <button type="button" className="btn btn--primary btn--lg" onClick={start} disabled={busy}>
        <MicrosoftLogo /> Sign in with Microsoft
      </button>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
