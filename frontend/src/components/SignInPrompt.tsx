import { useAuth } from "../auth/auth";

export function SignInPrompt() {
  const { SignInPanel } = useAuth();
  return (
    <section className="center-pad narrow">
      <h1>Sign in to see your tasks</h1>
      <p>Your tasks are private to your account.</p>
      <SignInPanel />
    </section>
  );
}
