// Shown instead of the app when it cannot start (e.g. web mode without a token).
export function StartupError({ message }: { message: string }) {
  return (
    <main className="startup-error" role="alert">
      <h1>Parley cannot start</h1>
      <p>{message}</p>
    </main>
  );
}
